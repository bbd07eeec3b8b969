import type { Collection, Document } from 'mongodb';
import { SEVERITIES, type Severity } from '../model/score.js';
import {
  type DetectionFacets,
  type DetectionHistogram,
  FACET_LIMIT,
  histogramOf,
  histogramRange,
} from './detection-histogram.js';
import type { DetectionDoc } from './mongo-collections.js';
import { detectionQuery } from './mongo-detections.js';
import type { DetectionFilter } from './store.js';

/** What the histogram's `$group` stage yields for one bucket. */
interface BucketGroup extends Record<Severity, number> {
  _id: number;
  count: number;
  max_score: number;
  /** The bucket's highest-scoring detection with an expected value; absent when none has one. */
  band?: {
    score: number;
    id: string;
    observed: number | null;
    expected: number | null;
    lower: number | null;
    upper: number | null;
  } | null;
}

/** The filtered detections over time, aggregated by a pipeline; see {@link Store.detectionHistogram}. */
export async function detectionHistogramDocs(
  detections: Collection<DetectionDoc>,
  tenantId: string,
  filter: DetectionFilter,
  buckets: number,
): Promise<DetectionHistogram> {
  let span: { min: number; max: number } | null = null;
  if (filter.from === undefined || filter.to === undefined) {
    const [found] = await detections
      .aggregate<{ lo: number; hi: number }>([
        { $match: { $and: [detectionQuery(tenantId, filter), { ts: { $gt: 0 } }] } },
        { $group: { _id: null, lo: { $min: '$ts' }, hi: { $max: '$ts' } } },
      ])
      .toArray();
    if (found) span = { min: found.lo, max: found.hi };
  }
  const range = histogramRange(filter, span, buckets);
  const severityCounts: Document = {};
  for (const s of SEVERITIES) severityCounts[s] = { $sum: { $cond: [{ $eq: ['$severity', s] }, 1, 0] } };
  const groups = await detections
    .aggregate<BucketGroup>([
      { $match: detectionQuery(tenantId, { ...filter, from: range.from, to: range.to }) },
      {
        $group: {
          _id: { $floor: { $divide: [{ $subtract: ['$ts', range.from] }, range.step_ms] } },
          count: { $sum: 1 },
          max_score: { $max: '$score' },
          ...severityCounts,
          // $max compares documents field by field and skips nulls: the highest score, then the highest id.
          band: {
            $max: {
              $cond: [
                { $isNumber: '$body.expected' },
                {
                  score: '$score',
                  id: '$_id',
                  observed: '$body.observed',
                  expected: '$body.expected',
                  lower: '$body.lower',
                  upper: '$body.upper',
                },
                null,
              ],
            },
          },
        },
      },
    ])
    .toArray();
  return histogramOf(
    range,
    groups.map((g) => ({
      index: g._id,
      count: g.count,
      max_score: g.max_score,
      severity: { low: g.low, medium: g.medium, high: g.high, critical: g.critical },
    })),
    groups.flatMap((g) =>
      g.band
        ? [
            {
              index: g._id,
              observed: g.band.observed ?? null,
              expected: g.band.expected ?? null,
              lower: g.band.lower ?? null,
              upper: g.band.upper ?? null,
            },
          ]
        : [],
    ),
  );
}

/** Services, sources and jobs of the tenant's detections in the range; see {@link Store.detectionFacets}. */
export async function detectionFacetDocs(
  detections: Collection<DetectionDoc>,
  tenantId: string,
  range: Pick<DetectionFilter, 'from' | 'to'>,
): Promise<DetectionFacets> {
  const match = detectionQuery(tenantId, { from: range.from, to: range.to });
  const distinct = async (field: 'service' | 'source') => {
    const docs = await detections
      .aggregate<{ _id: string }>([
        { $match: { $and: [match, { [field]: { $ne: null } }] } },
        { $group: { _id: `$${field}` } },
        { $sort: { _id: 1 } },
        { $limit: FACET_LIMIT },
      ])
      .toArray();
    return docs.map((d) => d._id);
  };
  const services = await distinct('service');
  const sources = await distinct('source');
  const jobs = await detections
    .aggregate<{ _id: string; source: string }>([
      { $match: { $and: [match, { job_id: { $ne: null } }] } },
      { $group: { _id: '$job_id', source: { $min: '$source' } } },
      { $sort: { source: 1, _id: 1 } },
      { $limit: FACET_LIMIT },
    ])
    .toArray();
  return { services, sources, jobs: jobs.map((j) => ({ id: j._id, source: j.source })) };
}
