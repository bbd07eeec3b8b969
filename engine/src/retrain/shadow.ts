import { DEFAULT_THRESHOLD } from '../model/score.js';

/** Scores kept per side of a shadow comparison; older ones are dropped first. */
export const SHADOW_SCORE_LIMIT = 2048;

/** When a candidate running in shadow may replace the active model. */
export interface ShadowOptions {
  /** Runs the candidate is scored beside the active model before a verdict. @defaultValue 3 */
  cycles?: number;
  /**
   * Most the candidate may alert relative to the active model: (candidate alerts + 1) / (active alerts + 1).
   * @defaultValue 2
   */
  maxAlertRateRatio?: number;
  /** Largest mean |candidate − active| score over the compared points. @defaultValue 0.15 */
  maxMeanAbsScoreDiff?: number;
  /** θ: a score at or above it is an alert. @defaultValue {@link DEFAULT_THRESHOLD} */
  threshold?: number;
}

/**
 * A candidate model on trial (plain JSON). The two score arrays are aligned point by point and hold at most
 * {@link SHADOW_SCORE_LIMIT} of the latest points.
 */
export interface ShadowState {
  candidateVersion: number;
  /** Cycles recorded so far. */
  cycles: number;
  activeScores: number[];
  candidateScores: number[];
}

/** The answer of {@link shadowVerdict}. */
export interface ShadowVerdict {
  decision: 'pending' | 'promote' | 'reject';
  /** For people, e.g. `alert ratio 4.5 > 2 (8 vs 1 alerts over 600 points)`. */
  detail: string;
}

/** A fresh trial for a candidate model version. */
export function startShadow(candidateVersion: number): ShadowState {
  return { candidateVersion, cycles: 0, activeScores: [], candidateScores: [] };
}

/**
 * Records one cycle (one run) in which the active model and the candidate scored the same points, returning the
 * new state (the given one is not changed). The arrays are paired from their ends, so when one model scored a
 * few more points (say, a point it had already seen), the latest points are still compared with each other;
 * pairs with a non-finite score are skipped.
 */
export function recordShadowCycle(
  state: ShadowState,
  activeScores: ArrayLike<number>,
  candidateScores: ArrayLike<number>,
  _options: ShadowOptions = {},
): ShadowState {
  const n = Math.min(activeScores.length, candidateScores.length, SHADOW_SCORE_LIMIT);
  const aFrom = activeScores.length - n;
  const cFrom = candidateScores.length - n;
  const active = state.activeScores.slice();
  const candidate = state.candidateScores.slice();
  for (let i = 0; i < n; i++) {
    const a = activeScores[aFrom + i];
    const c = candidateScores[cFrom + i];
    if (!Number.isFinite(a) || !Number.isFinite(c)) continue;
    active.push(a);
    candidate.push(c);
  }
  const drop = Math.max(0, active.length - SHADOW_SCORE_LIMIT);
  return {
    candidateVersion: state.candidateVersion,
    cycles: state.cycles + 1,
    activeScores: active.slice(drop),
    candidateScores: candidate.slice(drop),
  };
}

/**
 * The canary verdict: `pending` until `cycles` cycles with at least one compared point are recorded; then
 * `promote` when the candidate neither alerts much more than the active model (smoothed ratio at most
 * `maxAlertRateRatio`) nor scores far from it (mean absolute difference at most `maxMeanAbsScoreDiff`), and
 * `reject` otherwise. A candidate that alerts less is acceptable as long as its scores stay close.
 *
 * @example
 * ```ts
 * let trial = startShadow(7);
 * trial = recordShadowCycle(trial, activeRun.scores, candidateRun.scores);
 * const { decision, detail } = shadowVerdict(trial, { cycles: 3 });
 * ```
 */
export function shadowVerdict(state: ShadowState, options: ShadowOptions = {}): ShadowVerdict {
  const {
    cycles = 3,
    maxAlertRateRatio = 2,
    maxMeanAbsScoreDiff = 0.15,
    threshold = DEFAULT_THRESHOLD,
  } = options;
  const points = Math.min(state.activeScores.length, state.candidateScores.length);
  if (state.cycles < cycles) {
    return {
      decision: 'pending',
      detail: `${state.cycles} of ${cycles} shadow cycles, ${points} points compared`,
    };
  }
  if (points === 0) {
    return { decision: 'pending', detail: `${state.cycles} shadow cycles but no points compared yet` };
  }
  let activeAlerts = 0;
  let candidateAlerts = 0;
  let absDiff = 0;
  for (let i = 0; i < points; i++) {
    const a = state.activeScores[i];
    const c = state.candidateScores[i];
    if (a >= threshold) activeAlerts++;
    if (c >= threshold) candidateAlerts++;
    absDiff += Math.abs(c - a);
  }
  const ratio = (candidateAlerts + 1) / (activeAlerts + 1);
  const meanDiff = absDiff / points;
  const counts = `${candidateAlerts} vs ${activeAlerts} alerts over ${points} points`;
  if (ratio > maxAlertRateRatio) {
    return { decision: 'reject', detail: `alert ratio ${round(ratio)} > ${maxAlertRateRatio} (${counts})` };
  }
  if (meanDiff > maxMeanAbsScoreDiff) {
    return {
      decision: 'reject',
      detail: `mean score difference ${round(meanDiff)} > ${maxMeanAbsScoreDiff} (${counts})`,
    };
  }
  return {
    decision: 'promote',
    detail: `alert ratio ${round(ratio)}, mean score difference ${round(meanDiff)} (${counts})`,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
