import { z } from '@hono/zod-openapi';
import { progressFraction } from '../jobs/job-processor.js';
import { DETECTION_KINDS, DetectionSchema } from '../model/detection.js';
import { SEVERITIES } from '../model/score.js';
import { HISTOGRAM_BUCKETS } from '../store/detection-histogram.js';
import { DETECTION_SORTS } from '../store/detection-sort.js';
import type { DetectionFilter, JobRecord, StoredDetection } from '../store/store.js';

/** Every error response. */
export const ErrorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .openapi('Error');

/** Responses every authenticated route can give. */
export function errors(
  ...statuses: number[]
): Record<number, { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } }> {
  const out: Record<
    number,
    { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } }
  > = {};
  for (const s of [401, ...statuses])
    out[s] = {
      description: DESCRIPTIONS[s] ?? 'Error',
      content: { 'application/json': { schema: ErrorSchema } },
    };
  return out;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request',
  401: 'Missing or unknown API key',
  403: 'Not allowed',
  404: 'Not found (or another tenant’s)',
  409: 'Conflict with the current state',
  410: 'The upload ended',
  413: 'Too large',
  415: 'Unsupported content',
  460: 'Checksum mismatch (tus)',
};

/** A detection as the API returns it: the Detection shape plus the LLM's explanation when one was made. */
export const ApiDetectionSchema = DetectionSchema.extend({
  job_id: z.string().nullable(),
  llm_explanation: z
    .object({ text: z.string(), likely_cause: z.string().nullable(), model: z.string().nullable() })
    .nullable(),
}).openapi('Detection');

/** A stored detection in the API's shape. */
export function detectionView(s: StoredDetection): z.infer<typeof ApiDetectionSchema> {
  const llm = s.llm;
  return {
    ...s.detection,
    job_id: s.job_id,
    llm_explanation:
      llm && typeof llm.text === 'string'
        ? {
            text: llm.text,
            likely_cause: typeof llm.likely_cause === 'string' ? llm.likely_cause : null,
            model: typeof llm.model === 'string' ? llm.model : null,
          }
        : null,
  };
}

/** Options a job is created with. */
export const JobOptionsSchema = z.object({
  format: z.enum(['auto', 'json', 'logfmt', 'clf', 'syslog', 'loghub', 'generic']).default('auto'),
  log_format: z.string().max(1000).nullable().default(null),
  session_key: z.string().max(1000).nullable().default(null),
  service: z.string().max(200).nullable().default(null),
  threshold: z.number().gt(0).lt(1).default(0.5),
  retrain: z.boolean().default(false),
});

/** A job, with its progress. */
export const JobSchema = z
  .object({
    job_id: z.string(),
    status: z.enum(['uploading', 'pending', 'processing', 'completed', 'failed', 'cancelled']),
    source: z.string(),
    options: JobOptionsSchema,
    progress: z.number().min(0).max(1),
    declared_size: z.number().nullable(),
    bytes_received: z.number(),
    bytes_processed: z.number(),
    lines_processed: z.number(),
    chunks_processed: z.number(),
    total_chunks: z.number().nullable(),
    anomalies_found: z.number(),
    estimated_remaining_time: z.number().nullable().describe('seconds'),
    error_code: z.string().nullable(),
    error_message: z.string().nullable(),
    summary: z.record(z.string(), z.unknown()).nullable(),
    created_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi('Job');

/** The API form of a stored job. */
export function jobView(job: JobRecord): z.infer<typeof JobSchema> {
  const progress = progressFraction(job);
  let eta: number | null = null;
  if (job.status === 'completed') eta = 0;
  else if (job.bytes_processed > 0 && job.declared_size) {
    const elapsed = (Date.now() - job.created_at) / 1000;
    const rate = job.bytes_processed / Math.max(elapsed, 1e-3);
    eta = Math.round(((job.declared_size - job.bytes_processed) / rate) * 10) / 10;
  }
  return {
    job_id: job.id,
    status: job.status,
    source: job.source,
    options: {
      format: job.options.format as z.infer<typeof JobOptionsSchema>['format'],
      log_format: job.options.log_format,
      session_key: job.options.session_key,
      service: job.options.service,
      threshold: job.options.threshold,
      retrain: job.options.retrain,
    },
    progress: Math.round(progress * 10_000) / 10_000,
    declared_size: job.declared_size,
    bytes_received: job.bytes_received,
    bytes_processed: job.bytes_processed,
    lines_processed: job.lines_processed,
    chunks_processed: job.chunks_processed,
    total_chunks: job.upload_complete ? job.chunks_received : null,
    anomalies_found: job.anomalies_found,
    estimated_remaining_time: eta,
    error_code: job.error_code,
    error_message: job.error_message,
    summary: job.summary,
    created_at: new Date(job.created_at).toISOString(),
    finished_at: job.finished_at === null ? null : new Date(job.finished_at).toISOString(),
  };
}

/** Path parameter `{id}`. */
export const IdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

/** A time query parameter: RFC 3339 or epoch milliseconds, as epoch milliseconds. */
export const TimeParam = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined) return undefined;
    const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(t)) {
      ctx.addIssue({ code: 'custom', message: `"${v}" is not an RFC 3339 time or epoch milliseconds` });
      return z.NEVER;
    }
    return t;
  })
  .openapi({ type: 'string', description: 'RFC 3339 or epoch milliseconds' });

const SeverityList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const list = v.split(',').map((s) => s.trim());
    const known: readonly string[] = SEVERITIES;
    const unknown = list.find((s) => !known.includes(s));
    if (unknown !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown severity "${unknown}"; use ${SEVERITIES.join(', ')}`,
      });
      return z.NEVER;
    }
    return SEVERITIES.filter((s) => list.includes(s));
  })
  .openapi({ type: 'string', description: 'Comma-separated: low, medium, high, critical' });

/** A whole-number query parameter in `[min, max]`; any other value gets one message in words. */
function wholeNumberParam(min: number, max: number, fallback: number) {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error }).default(fallback);
}

/** `from` before `to` when both are given. */
function rangeInOrder(q: { from?: number; to?: number }): boolean {
  return q.from === undefined || q.to === undefined || q.from < q.to;
}

const RANGE_ORDER = { message: 'must be after from', path: ['to'] };

/** Query parameters of a time range, for facets. */
export const RangeQuery = z.object({ from: TimeParam, to: TimeParam }).refine(rangeInOrder, RANGE_ORDER);

const filterFields = {
  from: TimeParam,
  to: TimeParam,
  service: z.string().max(200).optional(),
  source: z.string().max(200).optional(),
  job: z.string().max(200).optional(),
  kind: z.enum(DETECTION_KINDS).optional(),
  severity: SeverityList,
  q: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: 'Text in the template, explanation, service or samples' }),
};

/** Query parameters of the anomaly list: the filters, the sort and a page. */
export const AnomalyListQuery = z
  .object({
    ...filterFields,
    sort: z.enum(DETECTION_SORTS).default('time_desc').openapi({
      description: 'Order; ties are broken by id. A cursor continues only the sort it was made for.',
    }),
    cursor: z.string().max(500).optional(),
    limit: wholeNumberParam(1, 500, 50),
  })
  .refine(rangeInOrder, RANGE_ORDER);

/** Query parameters of the histogram: the list's filters and the number of buckets. */
export const HistogramQuery = z
  .object({
    ...filterFields,
    buckets: wholeNumberParam(
      HISTOGRAM_BUCKETS.min,
      HISTOGRAM_BUCKETS.max,
      HISTOGRAM_BUCKETS.default,
    ).openapi({ description: 'Most buckets; fewer when the range is shorter than that many milliseconds' }),
  })
  .refine(rangeInOrder, RANGE_ORDER);

/** The store filter of validated filter parameters. */
export function detectionFilter(q: {
  from?: number;
  to?: number;
  service?: string;
  source?: string;
  job?: string;
  kind?: DetectionFilter['kind'];
  severity?: DetectionFilter['severities'];
  q?: string;
}): DetectionFilter {
  return {
    from: q.from,
    to: q.to,
    service: q.service,
    source: q.source,
    jobId: q.job,
    kind: q.kind,
    severities: q.severity,
    text: q.q,
  };
}

const SeverityCountsSchema = z.object({
  low: z.number().int(),
  medium: z.number().int(),
  high: z.number().int(),
  critical: z.number().int(),
});

/** Detections over time, for the explorer's chart. */
export const HistogramSchema = z
  .object({
    from: z.number().describe('epoch ms, first bucket start'),
    to: z.number().describe('epoch ms, end of the range (exclusive)'),
    step_ms: z.number(),
    buckets: z.array(
      z.object({
        t: z.number().describe('bucket start, epoch ms'),
        count: z.number().int(),
        max_score: z.number().nullable(),
        severity: SeverityCountsSchema,
        observed: z
          .number()
          .nullable()
          .describe('of the bucket’s highest-scoring detection with an expected value'),
        expected: z.number().nullable(),
        lower: z.number().nullable(),
        upper: z.number().nullable(),
      }),
    ),
  })
  .openapi('AnomalyHistogram');

/** Values for the explorer's filter pickers. */
export const FacetsSchema = z
  .object({
    services: z.array(z.string()),
    sources: z.array(z.string()),
    jobs: z.array(z.object({ id: z.string(), source: z.string() })),
  })
  .openapi('AnomalyFacets');

/** What a page needs to know of the engine and the caller's tenant. */
export const InfoSchema = z
  .object({
    tenant: z.string(),
    version: z.string(),
    llm: z.object({ enabled: z.boolean(), model: z.string().nullable() }),
    store: z.enum(['sqlite', 'postgres', 'pglite', 'mongodb']),
  })
  .openapi('EngineInfo');
