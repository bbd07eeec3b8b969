import { scoreFromTailProbability } from '../model/score.js';

/** Serialized state of a {@link TailCalibrator}. */
export interface TailCalibratorState {
  /** Raw values at evenly spaced upper-tail probabilities (see {@link KNOTS}), ascending. */
  knots: number[];
  /** Raw value above which the tail is modelled as exponential. */
  tailStart: number;
  /** Scale of the exponential tail (mean excess over `tailStart`). */
  tailScale: number;
  /** Size of the training sample. */
  n: number;
}

const KNOTS = 200;
const TAIL_QUANTILE = 0.9;

/**
 * Turns a detector's raw output (larger = more anomalous) into Outlier's [0, 1] score by estimating the upper-tail
 * probability of that value under the detector's own training distribution: the empirical distribution up to its
 * 90th percentile, an exponential tail fitted to the excesses beyond it (peaks over threshold). The result goes
 * through {@link scoreFromTailProbability}, so every calibrated detector speaks the same language.
 */
export class TailCalibrator {
  private constructor(private readonly s: TailCalibratorState) {}

  /** Fits on raw training values; non-finite values are ignored. */
  static fit(values: ArrayLike<number>): TailCalibrator {
    const xs: number[] = [];
    for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) xs.push(values[i]);
    xs.sort((a, b) => a - b);
    const n = xs.length;
    if (n === 0) return new TailCalibrator({ knots: [0], tailStart: 0, tailScale: 1, n: 0 });
    const knots: number[] = [];
    for (let k = 0; k <= KNOTS; k++) knots.push(quantileSorted(xs, k / KNOTS));
    const tailStart = quantileSorted(xs, TAIL_QUANTILE);
    let excess = 0;
    let count = 0;
    for (let i = n - 1; i >= 0 && xs[i] > tailStart; i--) {
      excess += xs[i] - tailStart;
      count++;
    }
    const spread = Math.max(knots[KNOTS] - knots[0], Math.abs(tailStart), 1e-9);
    const tailScale = count > 0 ? Math.max(excess / count, spread * 1e-3) : spread * 0.01;
    return new TailCalibrator({ knots, tailStart, tailScale, n });
  }

  /** Restores a calibrator from {@link TailCalibrator.toJSON}. */
  static fromJSON(state: TailCalibratorState): TailCalibrator {
    return new TailCalibrator({ ...state, knots: [...state.knots] });
  }

  /** Estimated probability, under the training distribution, of a value ≥ `x`. */
  tailProbability(x: number): number {
    const { knots, tailStart, tailScale, n } = this.s;
    if (Number.isNaN(x)) return 1;
    if (n === 0) return 1;
    if (x > tailStart) return (1 - TAIL_QUANTILE) * Math.exp(-(x - tailStart) / tailScale);
    if (x <= knots[0]) return 1;
    // Binary search for the last knot ≤ x, then interpolate the CDF between knots.
    let lo = 0;
    let hi = knots.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (knots[mid] <= x) lo = mid;
      else hi = mid;
    }
    const a = knots[lo];
    const b = knots[hi];
    const frac = b > a ? (x - a) / (b - a) : 1;
    const cdf = (lo + frac) / KNOTS;
    return Math.max(1 - cdf, 1 - TAIL_QUANTILE);
  }

  /**
   * The smallest raw value whose tail probability is at most `p` (bisection; the calibration is monotone), e.g.
   * the edge of the normal band at θ.
   */
  valueAtTailProbability(p: number): number {
    let lo = this.s.knots[0];
    let hi = Math.max(this.s.tailStart, lo) + this.s.tailScale * 50;
    for (let i = 0; i < 80; i++) {
      const mid = (lo + hi) / 2;
      if (this.tailProbability(mid) > p) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  /** The calibrated [0, 1] score of a raw value. */
  score(x: number): number {
    return scoreFromTailProbability(this.tailProbability(x));
  }

  /** Serializable state. */
  toJSON(): TailCalibratorState {
    return { ...this.s, knots: [...this.s.knots] };
  }
}

/** Linear-interpolated quantile of an ascending array. */
export function quantileSorted(xs: ArrayLike<number>, q: number): number {
  const n = xs.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo);
}
