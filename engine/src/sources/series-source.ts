import type { PromSeries } from '../integrations/prometheus/prometheus-query.js';
import { suppressionPattern } from '../jobs/suppression.js';
import type { Detection } from '../model/detection.js';
import { pointDetection } from '../series/point-detection.js';
import { emptySeriesPoint, SeriesModel, type SeriesModelState } from '../series/series-model.js';
import type { PrometheusSource } from './source-definition.js';

/** Scores kept per source for drift checks and shadow comparisons. */
const SCORE_SAMPLE = 512;

/** The last scored point of a series: what the gauges export. */
export interface SeriesLatest {
  time: number;
  value: number;
  score: number;
  expected: number;
  lower: number;
  upper: number;
}

/** One monitored series of a source: its labels, model and last point. */
export interface MonitoredSeries {
  labels: Record<string, string>;
  model: SeriesModelState;
  latest: SeriesLatest | null;
}

/** The models of a Prometheus source (persisted as JSON). */
export interface SeriesSourceState {
  version: 1;
  series: Record<string, MonitoredSeries>;
  /** Scores right after the fit, and the latest ones (bounded), for drift detection. */
  reference_scores: number[];
  recent_scores: number[];
}

/** Fetches the series of one query over a range. */
export type SeriesFetcher = (query: string, startMs: number, endMs: number) => Promise<PromSeries[]>;

/** What a run of a Prometheus source produced. */
export interface SeriesRunResult {
  state: SeriesSourceState;
  detections: Detection[];
  points: number;
  /** Series seen in this run. */
  series: number;
  /** Series left out because of `max_series`, with the message for the source's error. */
  overLimit: { dropped: number; message: string } | null;
  /** Scores of this run's points (for the shadow comparison). */
  scores: number[];
  /** Alerts not reported because users marked their pattern "not an anomaly". */
  suppressed: number;
}

/** An empty state. */
export function emptySeriesState(): SeriesSourceState {
  return { version: 1, series: {}, reference_scores: [], recent_scores: [] };
}

/** Name of a series within a source: its label set, prefixed by the query's number when there are several. */
export function seriesName(def: PrometheusSource, queryIndex: number, s: PromSeries): string {
  return def.queries.length > 1 ? `q${queryIndex + 1}:${s.key}` : s.key;
}

function modelOptions(def: PrometheusSource) {
  return {
    threshold: def.threshold,
    direction: def.direction,
    minAbsoluteDeviation: def.min_absolute_deviation,
    minRelativeDeviation: def.min_relative_deviation,
    counter: def.counter,
  };
}

function pushBounded(into: number[], values: readonly number[]): void {
  into.push(...values);
  if (into.length > SCORE_SAMPLE) into.splice(0, into.length - SCORE_SAMPLE);
}

/** Pulls every query of a source over [startMs, endMs], grouped by series name. */
export async function pullSeries(
  def: PrometheusSource,
  fetch: SeriesFetcher,
  startMs: number,
  endMs: number,
): Promise<Map<string, PromSeries>> {
  const out = new Map<string, PromSeries>();
  for (let q = 0; q < def.queries.length; q++) {
    for (const s of await fetch(def.queries[q], startMs, endMs)) out.set(seriesName(def, q, s), s);
  }
  return out;
}

/**
 * Warm start: one model per series (up to `max_series`) learned on history, nothing reported. The scores the
 * models give the last part of that history become the drift reference.
 */
export function fitSeriesState(
  def: LimitedSource,
  history: Map<string, PromSeries>,
): { state: SeriesSourceState; overLimit: SeriesRunResult['overLimit'] } {
  const state = emptySeriesState();
  let dropped = 0;
  for (const [name, s] of history) {
    if (Object.keys(state.series).length >= def.max_series) {
      dropped++;
      continue;
    }
    const model = new SeriesModel(modelOptions(def));
    // Learn all but the last points, then score those as the reference of "normal" scores.
    const n = s.timestamps.length;
    const tail = Math.min(Math.floor(n / 4), 256);
    model.learnHistory(s.timestamps.subarray(0, n - tail), s.values.subarray(0, n - tail));
    const out = emptySeriesPoint();
    let latest: SeriesLatest | null = null;
    const scores: number[] = [];
    for (let i = n - tail; i < n; i++) {
      model.updateInto(s.timestamps[i], s.values[i], out);
      if (Number.isFinite(out.value)) scores.push(out.score);
      latest = {
        time: out.time,
        value: out.value,
        score: out.score,
        expected: out.expected,
        lower: out.lower,
        upper: out.upper,
      };
    }
    pushBounded(state.reference_scores, scores);
    state.series[name] = { labels: s.labels, model: model.toJSON(), latest };
  }
  return { state, overLimit: dropped > 0 ? limitMessage(def, dropped) : null };
}

/** A source's definition as a run applies it: `max_series` lowered when the tenant's series limit says so. */
export type LimitedSource = PrometheusSource & { tenantLimit?: number };

function limitMessage(def: LimitedSource, dropped: number): SeriesRunResult['overLimit'] {
  const why =
    def.tenantLimit === undefined
      ? `max_series (${def.max_series})`
      : `the room the tenant's series limit (${def.tenantLimit}, OUTLIER_TENANT_SERIES_LIMIT) leaves this source (${def.max_series})`;
  return {
    dropped,
    message: `the queries returned ${dropped} series more than ${why}; those are not monitored — narrow the queries or raise the limit`,
  };
}

/**
 * Scores new points, each before it is learned, and reports one detection per incident (the point that opens
 * it). Points at or before a series' last scored time are skipped, so a repeated range changes nothing.
 */
export function scoreSeriesRun(
  def: LimitedSource,
  tenant: string,
  previous: SeriesSourceState,
  pulled: Map<string, PromSeries>,
  suppressed: ReadonlySet<string>,
): SeriesRunResult {
  const state: SeriesSourceState = {
    version: 1,
    series: { ...previous.series },
    reference_scores: previous.reference_scores,
    recent_scores: [...previous.recent_scores],
  };
  const detections: Detection[] = [];
  const scores: number[] = [];
  let points = 0;
  let dropped = 0;
  let hidden = 0;
  const out = emptySeriesPoint();
  for (const [name, s] of pulled) {
    let entry = state.series[name];
    if (!entry) {
      if (Object.keys(state.series).length >= def.max_series) {
        dropped++;
        continue;
      }
      entry = { labels: s.labels, model: new SeriesModel(modelOptions(def)).toJSON(), latest: null };
    }
    const model = SeriesModel.fromJSON(entry.model);
    const after = entry.latest?.time ?? Number.NEGATIVE_INFINITY;
    let latest = entry.latest;
    for (let i = 0; i < s.timestamps.length; i++) {
      const t = s.timestamps[i];
      if (t <= after) continue;
      model.updateInto(t, s.values[i], out);
      points++;
      if (Number.isFinite(out.value)) scores.push(out.score);
      latest = {
        time: out.time,
        value: out.value,
        score: out.score,
        expected: out.expected,
        lower: out.lower,
        upper: out.upper,
      };
      if (!out.alert || out.severity === null) continue;
      const d = pointDetection(out, { source: def.id, tenant, service: name }, model.detectorScores());
      d.id = `${tenant}:${def.id}:${name}:${t}`;
      if (suppressed.has(suppressionPattern(d))) hidden++;
      else detections.push(d);
    }
    state.series[name] = { labels: entry.labels, model: model.toJSON(), latest };
  }
  pushBounded(state.recent_scores, scores);
  return {
    state,
    detections,
    points,
    series: pulled.size - dropped,
    overLimit: dropped > 0 ? limitMessage(def, dropped) : null,
    scores,
    suppressed: hidden,
  };
}
