import type { Severity } from '../model/score.js';

/** Most, fewest and default number of buckets of a histogram. */
export const HISTOGRAM_BUCKETS = { min: 10, max: 500, default: 120 } as const;

/** Most values of each facet list. */
export const FACET_LIMIT = 500;

const DAY_MS = 86_400_000;

/** One time bucket of a {@link DetectionHistogram}. */
export interface HistogramBucket {
  /** Start of the bucket, epoch ms; it ends where the next one starts. */
  t: number;
  count: number;
  /** Highest score in the bucket; null when it is empty. */
  max_score: number | null;
  severity: Record<Severity, number>;
  /** Observed value and band of the highest-scoring detection of the bucket that has an expected value. */
  observed: number | null;
  expected: number | null;
  lower: number | null;
  upper: number | null;
}

/** Detections over time: `buckets` cover `[from, to)` in steps of `step_ms`, empty ones included. */
export interface DetectionHistogram {
  from: number;
  to: number;
  step_ms: number;
  buckets: HistogramBucket[];
}

/** Distinct values among a tenant's detections, for filter pickers; each list sorted and capped. */
export interface DetectionFacets {
  services: string[];
  sources: string[];
  /** Jobs (and scheduled source runs) that stored detections, by source then id. */
  jobs: { id: string; source: string }[];
}

/** The range and step of a histogram. */
export interface HistogramRange {
  from: number;
  to: number;
  step_ms: number;
  /** Buckets needed to cover the range: at most the number asked for. */
  count: number;
}

/** What a store computed for one bucket that has detections. */
export interface BucketAggregate {
  /** 0 for the bucket starting at the range's `from`. */
  index: number;
  count: number;
  max_score: number;
  severity: Record<Severity, number>;
}

/** The band values of one bucket (see {@link HistogramBucket.observed}). */
export interface BucketBand {
  index: number;
  observed: number | null;
  expected: number | null;
  lower: number | null;
  upper: number | null;
}

/**
 * The range of a histogram: the filter's `from` and `to` where given, otherwise the first and last time of the
 * filtered detections (`span`, left out of it detections without a timestamp), otherwise the last day.
 */
export function histogramRange(
  filter: { from?: number; to?: number },
  span: { min: number; max: number } | null,
  buckets: number,
  now = Date.now(),
): HistogramRange {
  let to = filter.to ?? (span ? span.max + 1 : now);
  const from = filter.from ?? (span ? span.min : to - DAY_MS);
  if (to <= from) to = from + DAY_MS;
  const step = Math.max(1, Math.ceil((to - from) / buckets));
  return { from, to, step_ms: step, count: Math.ceil((to - from) / step) };
}

/** Every bucket of `range`, filled from the aggregates of those that have detections. */
export function histogramOf(
  range: HistogramRange,
  aggregates: readonly BucketAggregate[],
  bands: readonly BucketBand[],
): DetectionHistogram {
  const buckets: HistogramBucket[] = [];
  for (let i = 0; i < range.count; i++)
    buckets.push({
      t: range.from + i * range.step_ms,
      count: 0,
      max_score: null,
      severity: emptySeverityCounts(),
      observed: null,
      expected: null,
      lower: null,
      upper: null,
    });
  for (const a of aggregates) {
    const bucket = buckets[a.index];
    if (!bucket) continue;
    bucket.count = a.count;
    bucket.max_score = a.max_score;
    bucket.severity = a.severity;
  }
  for (const b of bands) {
    const bucket = buckets[b.index];
    if (!bucket) continue;
    bucket.observed = b.observed;
    bucket.expected = b.expected;
    bucket.lower = b.lower;
    bucket.upper = b.upper;
  }
  return { from: range.from, to: range.to, step_ms: range.step_ms, buckets };
}

/** Zero detections of each severity. */
export function emptySeverityCounts(): Record<Severity, number> {
  return { low: 0, medium: 0, high: 0, critical: 0 };
}
