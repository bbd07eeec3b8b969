import type { Severity } from '../model/score.js';
import { emptySeriesPoint, SeriesModel, type SeriesModelOptions } from './series-model.js';

/** Per-point results of {@link scoreSeries}, column by column. */
export interface ScoredSeries {
  scores: Float64Array;
  /** The alert stream: the score where an incident opens, 0 inside incidents, the score elsewhere. */
  alertScores: Float64Array;
  expected: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  /** Severity of each alert (null where the point does not open an incident). */
  severity: (Severity | null)[];
  /** The model after the last point. */
  model: SeriesModel;
}

/**
 * Scores a whole series in one causal pass: every point is scored by a model that has learned only the points
 * before it, then learned. The scores of the first k points are therefore those of a run on only k points.
 *
 * @example
 * ```ts
 * const { scores, expected } = scoreSeries(times, values, { threshold: 0.5 });
 * ```
 */
export function scoreSeries(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  options: SeriesModelOptions = {},
  model: SeriesModel = new SeriesModel(options),
): ScoredSeries {
  if (times.length !== values.length) throw new RangeError('times and values differ in length');
  const n = times.length;
  const out: ScoredSeries = {
    scores: new Float64Array(n),
    alertScores: new Float64Array(n),
    expected: new Float64Array(n),
    lower: new Float64Array(n),
    upper: new Float64Array(n),
    severity: new Array(n).fill(null),
    model,
  };
  const p = emptySeriesPoint();
  for (let i = 0; i < n; i++) {
    model.updateInto(times[i], values[i], p);
    out.scores[i] = p.score;
    out.alertScores[i] = p.alertScore;
    out.expected[i] = p.expected;
    out.lower[i] = p.lower;
    out.upper[i] = p.upper;
    out.severity[i] = p.severity;
  }
  return out;
}
