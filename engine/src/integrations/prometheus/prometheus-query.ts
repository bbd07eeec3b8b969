import { SourceError } from '../source-error.js';
import { type PrometheusEndpoint, requestQueryRange } from './prometheus-request.js';
import { promSeriesKey, snippet } from './prometheus-response.js';

export { promSeriesKey } from './prometheus-response.js';

/** Prometheus refuses a range query with more points than this per series. */
export const PROMETHEUS_MAX_POINTS = 11_000;

/** How to reach a Prometheus and how hard to try. */
export interface PrometheusQueryOptions {
  /** Base URL, e.g. `http://prometheus:9090` (a path prefix is kept). */
  url: string;
  /** Per request, including reading the answer. @defaultValue 30000 */
  timeoutMs?: number;
  /** Further attempts after an unreachable, timed-out, 5xx or 429 answer. @defaultValue 3 */
  retries?: number;
  /** First wait before a retry; it doubles each time, plus up to this much jitter. @defaultValue 500 */
  backoffMs?: number;
  /** Points per series in one request; never above {@link PROMETHEUS_MAX_POINTS}. @defaultValue 11000 */
  maxPointsPerRequest?: number;
  /** Extra headers on every request (auth, `X-Scope-OrgID`, …). */
  headers?: Record<string, string>;
  /** @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** Stops the query: pending requests and waits end, and the signal's reason is thrown. */
  signal?: AbortSignal;
}

/** A range query: times in epoch ms, the step in seconds (fractions of a second down to 1 ms). */
export interface PrometheusRangeQuery {
  query: string;
  startMs: number;
  endMs: number;
  stepSeconds: number;
}

/** One series of a range query's answer. */
export interface PromSeries {
  labels: Record<string, string>;
  /** Canonical label set, `__name__` first, e.g. `up{instance="a",job="b"}` (see {@link promSeriesKey}). */
  key: string;
  /** Epoch ms, ascending. */
  timestamps: Float64Array;
  /** NaN and ±Infinity are kept as Prometheus reported them. */
  values: Float64Array;
}

interface SeriesParts {
  labels: Record<string, string>;
  timestamps: number[];
  values: number[];
}

/**
 * Runs a PromQL range query: the points with `startMs <= t <= endMs` on the grid `startMs + k·step`, one entry per
 * series sorted by key, ascending, without duplicates. A range longer than `maxPointsPerRequest` points is split
 * into consecutive requests on the same grid (each starts one step after the previous one's end) whose series
 * are merged by key. An empty range (`endMs < startMs`) answers `[]` without a request.
 *
 * Failures are {@link SourceError}s naming the URL and the query: `invalid_query` (PromQL Prometheus cannot
 * parse, with its message), `rejected` (any other 4xx, e.g. a 422 execution error), `server_error` (5xx or 429
 * after every retry), `unreachable`, `timeout`, `bad_response` (not JSON, not `success`, not a matrix).
 *
 * @example
 * ```ts
 * const series = await queryPrometheusRange(
 *   { url: 'http://prometheus:9090', timeoutMs: 10_000 },
 *   { query: 'rate(http_requests_total[5m])', startMs: Date.now() - 86_400_000, endMs: Date.now(), stepSeconds: 60 },
 * );
 * ```
 */
export async function queryPrometheusRange(
  options: PrometheusQueryOptions,
  q: PrometheusRangeQuery,
): Promise<PromSeries[]> {
  const {
    url,
    timeoutMs = 30_000,
    retries = 3,
    backoffMs = 500,
    maxPointsPerRequest = PROMETHEUS_MAX_POINTS,
    headers = {},
    fetch: fetchFn = globalThis.fetch,
    signal,
  } = options;
  const stepMs = Math.round(q.stepSeconds * 1000);
  const invalid = (why: string) =>
    new SourceError('invalid_query', `Prometheus at ${url}: ${why} for the query "${snippet(q.query)}"`);
  if (!(stepMs >= 1) || !Number.isFinite(stepMs))
    throw invalid(`step ${q.stepSeconds} s is not at least 1 ms`);
  if (!Number.isFinite(q.startMs) || !Number.isFinite(q.endMs)) {
    throw invalid(`the range ${q.startMs}..${q.endMs} is not finite`);
  }
  const startMs = Math.round(q.startMs);
  const endMs = Math.round(q.endMs);
  if (endMs < startMs) return [];

  const endpoint: PrometheusEndpoint = {
    url,
    timeoutMs,
    retries: Math.max(0, Math.floor(retries)),
    backoffMs,
    headers,
    fetch: fetchFn,
    signal,
  };
  const perRequest = Math.max(1, Math.min(PROMETHEUS_MAX_POINTS, Math.floor(maxPointsPerRequest) || 1));
  const merged = new Map<string, SeriesParts>();
  for (let from = startMs; from <= endMs; ) {
    const to = Math.min(endMs, from + (perRequest - 1) * stepMs);
    const part = await requestQueryRange(endpoint, { query: q.query, startMs: from, endMs: to, stepMs });
    for (const s of part) {
      const key = promSeriesKey(s.labels);
      let into = merged.get(key);
      if (!into) {
        into = { labels: s.labels, timestamps: [], values: [] };
        merged.set(key, into);
      }
      appendAscending(into, s.timestamps, s.values, from, to);
    }
    from = to + stepMs;
  }

  return [...merged.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, s]) => ({
      labels: s.labels,
      key,
      timestamps: Float64Array.from(s.timestamps),
      values: Float64Array.from(s.values),
    }));
}

/** Appends the points within [from, to] that come after the last one kept. */
function appendAscending(
  into: SeriesParts,
  timestamps: number[],
  values: number[],
  from: number,
  to: number,
): void {
  let last =
    into.timestamps.length > 0 ? into.timestamps[into.timestamps.length - 1] : Number.NEGATIVE_INFINITY;
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i];
    if (t <= last || t < from || t > to) continue;
    into.timestamps.push(t);
    into.values.push(values[i]);
    last = t;
  }
}
