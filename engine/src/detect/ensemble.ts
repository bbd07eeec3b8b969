import type { DetectorScore } from '../model/detection.js';
import { scoreFromTailProbability } from '../model/score.js';

/** One detector's verdict before combination: its tail probability under its training distribution. */
export interface DetectorVerdict {
  name: string;
  /** Tail probability in (0, 1]; 1 = nothing unusual. */
  p: number;
  /** Share of the false-alarm budget given to this detector; equal shares when absent. */
  weight?: number;
}

/** The ensemble's result. */
export interface EnsembleResult {
  score: number;
  detectors: DetectorScore[];
  /** Index in the input of the detector that decided the score (smallest p), or -1 when there were none. */
  strongest: number;
}

/**
 * The ensemble rule, the same for lines, sessions and windows: each detector is calibrated to a tail probability
 * on its own training distribution; the combined tail probability is the weighted Bonferroni bound
 * `min(1, minᵢ pᵢ / wᵢ)` over the detectors evaluated, with weights normalized to sum to 1 (equal weights give
 * the classic `m · min pᵢ`), so that asking more detectors does not by itself raise false alarms; the
 * score is that probability on Outlier's scale ({@link scoreFromTailProbability}). Every detector's own score is
 * kept as evidence.
 */
export function combineVerdicts(verdicts: readonly DetectorVerdict[]): EnsembleResult {
  let totalWeight = 0;
  for (const v of verdicts) totalWeight += v.weight ?? 1;
  let minP = Number.POSITIVE_INFINITY;
  let strongest = -1;
  const detectors: DetectorScore[] = new Array(verdicts.length);
  for (let i = 0; i < verdicts.length; i++) {
    const v = verdicts[i];
    detectors[i] = { name: v.name, score: round4(scoreFromTailProbability(v.p)) };
    const adjusted = v.p / ((v.weight ?? 1) / totalWeight);
    if (adjusted < minP) {
      minP = adjusted;
      strongest = i;
    }
  }
  const combined = Math.min(1, minP);
  return { score: round4(scoreFromTailProbability(combined)), detectors, strongest };
}

/** Rounds a score to 4 decimals, the precision every output carries. */
export function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
