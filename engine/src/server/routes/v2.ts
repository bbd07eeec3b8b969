import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { type ByteStream, UploadError } from '../../services/uploads.js';
import { FINAL_STATUSES, type JobRecord } from '../../store/store.js';
import type { ApiApp, AppDeps } from '../app-types.js';
import { cachedJson } from '../cached.js';
import { ApiError, notFound } from '../errors.js';
import { firstFile } from '../multipart.js';
import { bodyStream, JobQuerySchema, jobOptionsFrom } from '../request-options.js';
import { errors, JobSchema, jobView } from '../schemas.js';
import { uploadErrorToApi } from './uploads.js';

const JobParam = z.object({
  job: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'job', in: 'path' } }),
});

const ProcessResponse = JobSchema.extend({ status_url: z.string(), stream_url: z.string() }).openapi(
  'ProcessResponse',
);

const process = createRoute({
  method: 'post',
  path: '/api/v2/process',
  tags: ['v2'],
  summary: 'Upload and analyze a log in one request (the seed systems’ API)',
  description:
    'Body: the raw log (any content type but multipart) or `multipart/form-data` with one file part (fields before it may set options). Streamed in 8 MiB chunks that are processed while the body arrives. Options as query parameters. Answers when the body has been stored; follow the job with `/api/v2/status/{job}` or `/api/v2/results/{job}/stream`.',
  request: {
    query: JobQuerySchema,
    body: {
      content: {
        'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) },
        'text/plain': { schema: z.string() },
        'multipart/form-data': {
          schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } } },
        },
      },
    },
  },
  responses: {
    202: { description: 'Stored; processing', content: { 'application/json': { schema: ProcessResponse } } },
    ...errors(400, 413, 415),
  },
});

const status = createRoute({
  method: 'get',
  path: '/api/v2/status/{job}',
  tags: ['v2'],
  summary: 'A job’s status and progress',
  request: { params: JobParam },
  responses: {
    200: { description: 'The job', content: { 'application/json': { schema: JobSchema } } },
    ...errors(404),
  },
});

const stream = createRoute({
  method: 'get',
  path: '/api/v2/results/{job}/stream',
  tags: ['v2'],
  summary: 'Server-sent events of a job: started, progress, anomalies, completed | failed | cancelled',
  description:
    'Each event has its type in `event:`, JSON in `data:` and an increasing `id:`; reconnect with `Last-Event-ID` to resume after it. On a finished job the events are replayed and the stream closes.',
  request: { params: JobParam, headers: z.object({ 'last-event-id': z.string().optional() }) },
  responses: {
    200: { description: 'The event stream', content: { 'text/event-stream': { schema: z.string() } } },
    ...errors(400, 404),
  },
});

const cancel = createRoute({
  method: 'post',
  path: '/api/v2/cancel/{job}',
  tags: ['v2'],
  summary: 'Cancel a job: processing stops and its temporary files are removed',
  request: { params: JobParam },
  responses: {
    200: { description: 'Cancelled', content: { 'application/json': { schema: JobSchema } } },
    ...errors(404, 409),
  },
});

async function ownJob(deps: AppDeps, id: string, tenant: string): Promise<JobRecord> {
  const job = await deps.store.getJob(id, tenant);
  if (!job) throw notFound('job', id);
  return job;
}

/** The seed systems' v2 API: process, status, results stream, cancel. */
export function registerV2Routes(app: ApiApp, deps: AppDeps): void {
  app.openapi(process, async (c) => {
    const tenant = c.get('tenant');
    const query = c.req.query();
    const contentType = c.req.header('Content-Type') ?? '';
    let body: ByteStream;
    let fields: Record<string, string> = {};
    let filename: string | null = null;
    if (!contentType.startsWith('multipart/form-data')) body = bodyStream(c.req.raw);
    else {
      const raw = c.req.raw.body;
      const file = await firstFile(
        c.req.raw.headers,
        raw ? Readable.fromWeb(raw as WebReadableStream<Uint8Array>) : Readable.from([]),
      );
      body = file.stream;
      fields = file.fields;
      filename = file.filename;
    }
    const { source, options } = jobOptionsFrom(
      // The uploaded file's name unless the query or the form names the source.
      { filename: filename ?? undefined, ...fields, ...query },
      'upload',
    );
    const job = await deps.uploads.create(tenant, { source, options, declaredSize: null });
    try {
      const after = await deps.uploads.receiveStream(job, body);
      return c.json(
        {
          ...jobView(after),
          status_url: `/api/v2/status/${job.id}`,
          stream_url: `/api/v2/results/${job.id}/stream`,
        },
        202,
      );
    } catch (err) {
      const reason = err instanceof UploadError ? err.message : 'the body could not be read to its end';
      await deps.processor.fail(
        job,
        err instanceof UploadError ? `upload_${err.kind}` : 'upload_interrupted',
        reason,
      );
      if (err instanceof UploadError) throw uploadErrorToApi(err);
      throw new ApiError(400, 'upload_interrupted', reason);
    }
  });

  // Progress is polled hard by clients; a quarter-second cache (shared through Redis) spares the store.
  app.openapi(status, async (c) => {
    const tenant = c.get('tenant');
    const id = c.req.valid('param').job;
    const view = await cachedJson(deps.cache, `status:${tenant}:${id}`, 250, async () =>
      jobView(await ownJob(deps, id, tenant)),
    );
    return c.json(view, 200);
  });

  app.openapi(stream, async (c) => {
    const job = await ownJob(deps, c.req.valid('param').job, c.get('tenant'));
    const last = c.req.header('Last-Event-ID');
    if (last !== undefined && !/^\d+$/.test(last))
      throw new ApiError(400, 'invalid_last_event_id', 'Last-Event-ID must be an event id this stream sent');
    let after = last === undefined ? 0 : Number(last);
    return streamSSE(c, async (sse) => {
      let idle = 0;
      while (!sse.aborted && !sse.closed) {
        const events = await deps.store.listJobEvents(job.id, after, 200);
        for (const e of events) {
          await sse.writeSSE({
            id: String(e.id),
            event: e.type,
            data: JSON.stringify({ job_id: job.id, ...e.data }),
          });
          after = e.id;
        }
        if (events.length === 200) continue;
        const current = await deps.store.getJob(job.id);
        if (!current || FINAL_STATUSES.includes(current.status)) {
          const tail = await deps.store.listJobEvents(job.id, after, 200);
          if (tail.length === 0) break;
          continue;
        }
        idle += 250;
        if (idle >= 15_000) {
          await sse.write(': keep-alive\n\n');
          idle = 0;
        }
        await sse.sleep(250);
      }
    });
  });

  app.openapi(cancel, async (c) => {
    const job = await ownJob(deps, c.req.valid('param').job, c.get('tenant'));
    if (!(await deps.processor.cancel(job.id)))
      throw new ApiError(409, 'job_ended', `the job already ended (${job.status})`);
    return c.json(jobView((await deps.store.getJob(job.id)) ?? job), 200);
  });
}
