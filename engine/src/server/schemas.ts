import { z } from '@hono/zod-openapi';
import { progressFraction } from '../jobs/job-processor.js';
import { DetectionSchema } from '../model/detection.js';
import type { JobRecord } from '../store/store.js';

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
