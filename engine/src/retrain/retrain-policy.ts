import { populationStabilityIndex } from './drift.js';

/** When a model is due for retraining. */
export interface RetrainPolicyOptions {
  /** Retrain once the model is this old (ms); `Infinity` turns the rule off. @defaultValue 86400000 (24 h) */
  intervalMs?: number;
  /** Retrain once more anomalies than this were reported since the fit. @defaultValue 500 */
  maxAnomaliesSinceFit?: number;
  /** Retrain when the PSI of the scores, or of a feature, exceeds this. @defaultValue 0.25 */
  psiThreshold?: number;
  /** Fewest values in both the reference and the recent sample before drift is judged. @defaultValue 200 */
  minSamples?: number;
}

/**
 * What a deployed model looks like now, for {@link retrainReason}.
 *
 * "Not an anomaly" feedback is honoured by the caller: points the user suppressed are left out of
 * `recentScores` and `recentFeatures` and are not counted in `anomaliesSinceFit`. A pattern the user has
 * declared normal then neither counts towards the anomaly budget nor looks like drift, so it does not force a
 * retrain (and the retrained model would learn it as normal anyway).
 */
export interface ModelStats {
  /** Epoch ms of the fit. */
  fittedAt: number;
  /** Anomalies reported since the fit, suppressed ones excluded. */
  anomaliesSinceFit: number;
  /** Scores of the model on its training data or right after the fit. */
  referenceScores: ArrayLike<number>;
  /** Latest scores (a bounded sample), suppressed points excluded. */
  recentScores: ArrayLike<number>;
  /** Feature name → values at fit time; compared with `recentFeatures` of the same name. */
  referenceFeatures?: Record<string, ArrayLike<number>>;
  /** Feature name → latest values, suppressed points excluded. */
  recentFeatures?: Record<string, ArrayLike<number>>;
}

/** Why a model should be retrained, if it should. */
export type RetrainReason = 'interval' | 'anomaly_count' | 'drift';

/** The answer of {@link retrainReason}. */
export interface RetrainDecision {
  retrain: boolean;
  reason: RetrainReason | null;
  /** For people, e.g. `PSI of score 0.31 > 0.25`, or what was checked when nothing is due. */
  detail: string;
}

const HOUR_MS = 3_600_000;

/**
 * Decides whether a model should be retrained. Three rules, the first that applies giving the reason:
 * 1. `anomaly_count`: more than `maxAnomaliesSinceFit` anomalies since the fit (the world changed, or the model
 *    was fitted on an unusual period);
 * 2. `drift`: the Population Stability Index between the reference and recent scores, or of any feature present
 *    in both, exceeds `psiThreshold` (judged only with at least `minSamples` values on both sides; the largest is
 *    reported);
 * 3. `interval`: the model is at least `intervalMs` old.
 * Pure: the caller supplies the clock and the samples (see {@link ModelStats} for suppressed points).
 *
 * @example
 * ```ts
 * const { retrain, detail } = retrainReason(stats, Date.now(), { psiThreshold: 0.2 });
 * if (retrain) log(`retraining: ${detail}`);
 * ```
 */
export function retrainReason(
  stats: ModelStats,
  now: number,
  options: RetrainPolicyOptions = {},
): RetrainDecision {
  const {
    intervalMs = 24 * HOUR_MS,
    maxAnomaliesSinceFit = 500,
    psiThreshold = 0.25,
    minSamples = 200,
  } = options;
  const age = now - stats.fittedAt;
  const checked: string[] = [];

  if (stats.anomaliesSinceFit > maxAnomaliesSinceFit) {
    return {
      retrain: true,
      reason: 'anomaly_count',
      detail: `${stats.anomaliesSinceFit} anomalies since the fit > ${maxAnomaliesSinceFit}`,
    };
  }
  checked.push(`${stats.anomaliesSinceFit} anomalies since the fit`);

  const drift = largestDrift(stats, minSamples);
  if (drift && drift.psi > psiThreshold) {
    return {
      retrain: true,
      reason: 'drift',
      detail: `PSI of ${drift.of} ${round(drift.psi)} > ${psiThreshold}`,
    };
  }
  checked.push(
    drift ? `PSI of ${drift.of} ${round(drift.psi)}` : `too few samples for drift (< ${minSamples})`,
  );

  if (age >= intervalMs) {
    return {
      retrain: true,
      reason: 'interval',
      detail: `model is ${round(age / HOUR_MS)} h old >= ${round(intervalMs / HOUR_MS)} h`,
    };
  }
  checked.push(`model ${round(age / HOUR_MS)} h old`);
  return { retrain: false, reason: null, detail: checked.join(', ') };
}

/** The largest PSI among the scores and the features with enough values on both sides, or null if none has. */
function largestDrift(stats: ModelStats, minSamples: number): { of: string; psi: number } | null {
  const pairs: [string, ArrayLike<number>, ArrayLike<number>][] = [
    ['score', stats.referenceScores, stats.recentScores],
  ];
  const ref = stats.referenceFeatures ?? {};
  const recent = stats.recentFeatures ?? {};
  for (const name of Object.keys(ref).sort()) {
    if (Object.hasOwn(recent, name)) pairs.push([`feature ${name}`, ref[name], recent[name]]);
  }
  let best: { of: string; psi: number } | null = null;
  for (const [of, reference, current] of pairs) {
    if (reference.length < minSamples || current.length < minSamples) continue;
    const psi = populationStabilityIndex(reference, current);
    if (Number.isNaN(psi)) continue;
    if (!best || psi > best.psi) best = { of, psi };
  }
  return best;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
