/** Robust location and spread of a sample: median and MAD scaled to σ for normal data. */
export interface RobustStats {
  median: number;
  /** 1.4826 · MAD, floored so that a constant sample still gives finite z-scores. */
  sigma: number;
  n: number;
}

/** Median of values (copies and sorts). */
export function median(values: ArrayLike<number>): number {
  const xs = Float64Array.from(values as ArrayLike<number>).sort();
  const n = xs.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

/**
 * Median and scaled MAD of a sample. When more than half the values are equal (MAD = 0, common for small
 * integers) the spread falls back to the scaled mean absolute deviation and to half the smallest step between
 * distinct values, so that the next possible value is not infinitely surprising; `minSigma` guards constant
 * samples.
 */
export function robustStats(values: ArrayLike<number>, minSigma = 1e-6): RobustStats {
  const m = median(values);
  const n = values.length;
  const dev = new Float64Array(n);
  for (let i = 0; i < n; i++) dev[i] = Math.abs(values[i] - m);
  let sigma = 1.4826 * median(dev);
  if (sigma === 0 && n > 0) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += dev[i];
    const sorted = Float64Array.from(values as ArrayLike<number>).sort();
    let step = Number.POSITIVE_INFINITY;
    for (let i = 1; i < n; i++) {
      const d = sorted[i] - sorted[i - 1];
      if (d > 0 && d < step) step = d;
    }
    sigma = Math.max(1.2533 * (sum / n), Number.isFinite(step) ? step / 2 : 0);
  }
  const floor = Math.max(minSigma, Math.abs(m) * 0.01);
  return { median: m, sigma: Math.max(sigma, floor), n };
}

/** Robust z-score of `x` against `stats`. */
export function robustZ(x: number, stats: RobustStats): number {
  return Math.abs(x - stats.median) / stats.sigma;
}
