/**
 * The one score convention of Outlier. Every detector and every ensemble emits a score in [0, 1]; a score at or
 * above the threshold θ is an anomaly. Raw detector outputs are turned into scores by
 * {@link scoreFromTailProbability}: the score is `-log10(p) / 6`, capped at 1, where `p` is the estimated
 * probability, under the detector's training distribution, of a raw value at least this extreme. So θ = 0.5
 * means "rarer than 1 in 1,000 of what the model was trained on", and a score of 1 means "1 in a million or
 * rarer".
 */

/** Shipped default threshold θ: score ≥ θ ⇒ anomaly (tail probability ≤ 10⁻³). Overridable per run. */
export const DEFAULT_THRESHOLD = 0.5;

/** Decades of tail probability that map onto the score range [0, 1]. */
export const SCORE_DECADES = 6;

/**
 * Severity cut-offs on the score, for scores at or above θ: below `medium` is low, and so on.
 * `critical` at 0.95 is a tail probability of about 2·10⁻⁶.
 */
export const SEVERITY_SCORE_CUTOFFS = { medium: 0.7, high: 0.85, critical: 0.95 } as const;

/**
 * Severity cut-offs on the % deviation from the expected value, where one exists:
 * < 20 % low, 20–50 % medium, 50–100 % high, ≥ 100 % critical.
 */
export const SEVERITY_DEVIATION_CUTOFFS = { medium: 20, high: 50, critical: 100 } as const;

/** Severities, least to most severe. */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

/** How bad an anomaly is. */
export type Severity = (typeof SEVERITIES)[number];

/** Converts a tail probability into a score in [0, 1]. */
export function scoreFromTailProbability(p: number): number {
  if (!(p > 0)) return 1;
  if (p >= 1) return 0;
  const s = -Math.log10(p) / SCORE_DECADES;
  return Math.min(s, 1);
}

/** The inverse of {@link scoreFromTailProbability}: the tail probability a score stands for. */
export function tailProbabilityFromScore(score: number): number {
  return 10 ** (-score * SCORE_DECADES);
}

/** Rank of a severity (0 = low … 3 = critical). */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** The more severe of two severities. */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

/** Severity implied by a score alone (call only for scores ≥ θ). */
export function severityFromScore(score: number): Severity {
  if (score >= SEVERITY_SCORE_CUTOFFS.critical) return 'critical';
  if (score >= SEVERITY_SCORE_CUTOFFS.high) return 'high';
  if (score >= SEVERITY_SCORE_CUTOFFS.medium) return 'medium';
  return 'low';
}

/** Percent deviation of `observed` from `expected` (relative to |expected|, guarded near zero). */
export function percentDeviation(observed: number, expected: number): number {
  const denom = Math.max(Math.abs(expected), 1e-9);
  return (Math.abs(observed - expected) / denom) * 100;
}

/** Severity implied by a % deviation alone. */
export function severityFromDeviation(percent: number): Severity {
  if (percent >= SEVERITY_DEVIATION_CUTOFFS.critical) return 'critical';
  if (percent >= SEVERITY_DEVIATION_CUTOFFS.high) return 'high';
  if (percent >= SEVERITY_DEVIATION_CUTOFFS.medium) return 'medium';
  return 'low';
}

/** Inputs of {@link severityFor}. */
export interface SeverityOptions {
  score: number;
  /** @defaultValue {@link DEFAULT_THRESHOLD} */
  threshold?: number;
  observed?: number | null;
  expected?: number | null;
  /** A hard rule's minimum severity (a FATAL line, a silent service). */
  floor?: Severity | null;
}

/**
 * Severity of a detection, or null when it is not an anomaly. The rule: the more severe of what the score says
 * and what the % deviation from the expected value says (when there is one), raised to the hard rule's floor.
 */
export function severityFor({
  score,
  threshold = DEFAULT_THRESHOLD,
  observed = null,
  expected = null,
  floor = null,
}: SeverityOptions): Severity | null {
  if (score < threshold) return null;
  let severity = severityFromScore(score);
  if (observed !== null && expected !== null && Number.isFinite(observed) && Number.isFinite(expected)) {
    severity = maxSeverity(severity, severityFromDeviation(percentDeviation(observed, expected)));
  }
  return floor ? maxSeverity(severity, floor) : severity;
}
