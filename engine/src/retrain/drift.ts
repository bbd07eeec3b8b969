/**
 * Distribution drift between a reference sample (what a model was fitted on, or its scores right after the fit)
 * and a recent one. Pure functions; NaN values are ignored, ±Infinity are ordinary extremes.
 */

/** Pseudo-count added to every bin of both samples so that an empty bin gives a large but finite PSI term. */
export const PSI_PSEUDO_COUNT = 0.5;

/**
 * Population Stability Index, Σ (c − r)·ln(c / r) over bins, where r and c are the shares of the reference and
 * the current sample in each bin. Bins are the reference's quantiles (`bins` of them, fewer when the reference has
 * ties), so each holds about the same share of the reference; every bin gets {@link PSI_PSEUDO_COUNT} added to
 * its counts so that an empty bin does not make the index infinite. Rule of thumb: < 0.1 stable, 0.1–0.25 some
 * shift, > 0.25 a shift worth acting on. NaN when either sample has no numbers.
 *
 * @example
 * ```ts
 * populationStabilityIndex(scoresAtFit, scoresToday); // 0.02: same distribution
 * ```
 */
export function populationStabilityIndex(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  bins = 10,
): number {
  const ref = sortedNumbers(reference);
  const cur = sortedNumbers(current);
  if (ref.length === 0 || cur.length === 0) return Number.NaN;
  const edges = quantileEdges(ref, Math.max(1, Math.floor(bins)));
  const refCounts = binCounts(ref, edges);
  const curCounts = binCounts(cur, edges);
  const k = edges.length + 1;
  const refTotal = ref.length + PSI_PSEUDO_COUNT * k;
  const curTotal = cur.length + PSI_PSEUDO_COUNT * k;
  let psi = 0;
  for (let i = 0; i < k; i++) {
    const r = (refCounts[i] + PSI_PSEUDO_COUNT) / refTotal;
    const c = (curCounts[i] + PSI_PSEUDO_COUNT) / curTotal;
    psi += (c - r) * Math.log(c / r);
  }
  return psi;
}

/**
 * Two-sample Kolmogorov–Smirnov statistic D: the largest distance between the two empirical distribution
 * functions (ties handled exactly). 0 for identical samples, 1 for samples that do not overlap; NaN when either
 * has no numbers.
 */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = sortedNumbers(a);
  const y = sortedNumbers(b);
  if (x.length === 0 || y.length === 0) return Number.NaN;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/**
 * Asymptotic p-value of a two-sample KS statistic `d` for sample sizes `n` and `m`: the Kolmogorov distribution's
 * survival function Q(λ) = 2 Σ (−1)^(k−1) e^(−2k²λ²) at λ = d·√(nm / (n + m)) (scipy's `kstwobign.sf`). Good for
 * samples of a few dozen and up; it is conservative for small ones.
 */
export function ksPValue(d: number, n: number, m: number): number {
  if (!(n > 0) || !(m > 0) || Number.isNaN(d)) return Number.NaN;
  return kolmogorovSurvival(d * Math.sqrt((n * m) / (n + m)));
}

/** Q(λ) = P(K > λ) for the Kolmogorov distribution K. */
function kolmogorovSurvival(lambda: number): number {
  if (lambda <= 0) return 1;
  if (lambda < 1.18) {
    // The theta-function form converges fast for small λ, where the alternating series does not.
    const w = Math.sqrt(2 * Math.PI) / lambda;
    const q = Math.exp((-Math.PI * Math.PI) / (8 * lambda * lambda));
    let cdf = 0;
    for (let k = 1; k <= 7; k++) cdf += q ** ((2 * k - 1) * (2 * k - 1));
    return Math.min(1, Math.max(0, 1 - w * cdf));
  }
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-16) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

function sortedNumbers(a: ArrayLike<number>): Float64Array {
  const out = new Float64Array(a.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Number.isNaN(a[i])) out[n++] = a[i];
  return out.subarray(0, n).sort();
}

/** Upper edges of the quantile bins of a sorted sample, without repeats; bin i holds v ≤ edges[i]. */
function quantileEdges(sorted: Float64Array, bins: number): number[] {
  const edges: number[] = [];
  for (let q = 1; q < bins; q++) {
    const e = sorted[Math.min(sorted.length - 1, Math.ceil((q * sorted.length) / bins) - 1)];
    if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
  }
  return edges;
}

function binCounts(sorted: Float64Array, edges: number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  let bin = 0;
  for (const v of sorted) {
    while (bin < edges.length && v > edges[bin]) bin++;
    counts[bin]++;
  }
  return counts;
}
