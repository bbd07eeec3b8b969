import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { UploadError } from '../../services/uploads.js';
import type { JobRecord } from '../../store/store.js';
import type { ApiApp, AppDeps } from '../app-types.js';
import { ApiError, notFound } from '../errors.js';
import { bodyStream, jobOptionsFrom, parseTusMetadata } from '../request-options.js';
import { errors, IdParam, JobSchema, jobView } from '../schemas.js';

/** The tus protocol version spoken here. */
export const TUS_VERSION = '1.0.0';
const TUS_EXTENSIONS = 'creation,checksum,termination';

const tusHeaders = z.object({
  'tus-resumable': z.string().optional().openapi({ description: 'Must be 1.0.0' }),
});

const options = createRoute({
  method: 'options',
  path: '/api/v1/uploads',
  tags: ['uploads'],
  summary: 'tus discovery: version, extensions, checksum algorithm and maximum size',
  security: [],
  responses: { 204: { description: 'tus capabilities in the Tus-* headers' } },
});

const create = createRoute({
  method: 'post',
  path: '/api/v1/uploads',
  tags: ['uploads'],
  summary: 'Create a resumable upload (tus 1.0 creation); its job exists from now on',
  description:
    'Headers: `Tus-Resumable: 1.0.0`, `Upload-Length` (bytes), `Upload-Metadata` with base64 values of `filename`, `format`, `log_format`, `session_key` (`/regex/` or a field name), `service`, `threshold`, `retrain`. Then send the file with PATCH requests.',
  request: {
    headers: tusHeaders.extend({
      'upload-length': z.string().optional(),
      'upload-metadata': z.string().optional(),
    }),
  },
  responses: {
    201: {
      description: 'Created; `Location` is the upload URL',
      content: {
        'application/json': {
          schema: z.object({ job_id: z.string(), upload_url: z.string(), job: JobSchema }),
        },
      },
    },
    ...errors(400, 412, 413),
  },
});

// Hono answers HEAD with the GET handler (without the body), so one route serves tus's HEAD and a JSON GET.
const head = createRoute({
  method: 'get',
  path: '/api/v1/uploads/{id}',
  tags: ['uploads'],
  summary:
    'Where to resume (HEAD, tus): `Upload-Offset` and `Upload-Length` headers; GET adds the job as JSON',
  request: { params: IdParam },
  responses: {
    200: { description: 'Offsets in headers', content: { 'application/json': { schema: JobSchema } } },
    404: { description: 'Not found' },
    410: {
      description: 'The upload was cancelled or failed',
      content: { 'application/json': { schema: JobSchema } },
    },
  },
});

const patch = createRoute({
  method: 'patch',
  path: '/api/v1/uploads/{id}',
  tags: ['uploads'],
  summary: 'Append a chunk at `Upload-Offset` (tus core + checksum)',
  description:
    'Body `application/offset+octet-stream`. `Upload-Checksum: sha256 <base64 digest>` is required: a mismatch stores nothing (460). The chunk is processed as soon as the lines it completes have arrived.',
  request: {
    params: IdParam,
    headers: tusHeaders.extend({
      'upload-offset': z.string().optional(),
      'upload-checksum': z.string().optional(),
    }),
    body: {
      content: { 'application/offset+octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
    },
  },
  responses: {
    204: { description: 'Stored; `Upload-Offset` is the new offset' },
    ...errors(400, 404, 409, 410, 413, 415, 460),
  },
});

const terminate = createRoute({
  method: 'delete',
  path: '/api/v1/uploads/{id}',
  tags: ['uploads'],
  summary: 'Terminate an upload (tus termination): cancels its job and removes its bytes',
  request: { params: IdParam },
  responses: { 204: { description: 'Terminated' }, ...errors(404, 409) },
});

function requireTus(c: Context): void {
  const v = c.req.header('Tus-Resumable');
  if (v !== TUS_VERSION)
    throw new ApiError(412, 'unsupported_tus_version', `send Tus-Resumable: ${TUS_VERSION}`, {
      'Tus-Version': TUS_VERSION,
    });
}

async function ownJob(deps: AppDeps, id: string, tenant: string): Promise<JobRecord> {
  const job = await deps.store.getJob(id, tenant);
  if (!job) throw notFound('upload', id);
  return job;
}

/** Maps a refused chunk to its status. */
export function uploadErrorToApi(err: UploadError): ApiError {
  switch (err.kind) {
    case 'offset':
      return new ApiError(409, 'offset_mismatch', err.message);
    case 'checksum':
      // 460 is tus's own status for a checksum mismatch; Hono's status type does not list it.
      return new ApiError(460 as 400, 'checksum_mismatch', err.message);
    case 'too_large':
      return new ApiError(413, 'too_large', err.message);
    case 'binary':
      return new ApiError(415, 'binary_content', err.message);
    case 'ended':
      return new ApiError(410, 'upload_ended', err.message);
    case 'busy':
      return new ApiError(409, 'upload_busy', err.message);
    case 'interrupted':
      return new ApiError(400, 'upload_interrupted', err.message);
  }
}

/** The tus 1.0 upload routes (core, creation, checksum, termination). */
export function registerUploadRoutes(app: ApiApp, deps: AppDeps): void {
  const tus = { 'Tus-Resumable': TUS_VERSION };

  app.openapi(options, (c) =>
    c.body(null, 204, {
      ...tus,
      'Tus-Version': TUS_VERSION,
      'Tus-Extension': TUS_EXTENSIONS,
      'Tus-Checksum-Algorithm': 'sha256',
      'Tus-Max-Size': String(deps.uploads.maxUploadBytes),
    }),
  );

  app.openapi(create, async (c) => {
    requireTus(c);
    const lengthHeader = c.req.header('Upload-Length');
    if (lengthHeader === undefined || !/^\d+$/.test(lengthHeader))
      throw new ApiError(
        400,
        'invalid_upload_length',
        'Upload-Length must be the size of the file in bytes (deferred lengths are not supported)',
      );
    const size = Number(lengthHeader);
    if (size > deps.uploads.maxUploadBytes)
      throw new ApiError(
        413,
        'too_large',
        `the upload is ${size} bytes; at most ${deps.uploads.maxUploadBytes} are accepted`,
      );
    const meta = parseTusMetadata(c.req.header('Upload-Metadata'));
    const { source, options: jobOptions } = jobOptionsFrom(meta, 'upload');
    const tenant = c.get('tenant');
    let job = await deps.uploads.create(tenant, { source, options: jobOptions, declaredSize: size });
    if (size === 0) job = await deps.uploads.complete(job);
    const url = `/api/v1/uploads/${job.id}`;
    return c.json({ job_id: job.id, upload_url: url, job: jobView(job) }, 201, { ...tus, Location: url });
  });

  app.openapi(head, async (c) => {
    requireTus(c);
    const job = await ownJob(deps, c.req.valid('param').id, c.get('tenant'));
    const headers = {
      ...tus,
      'Upload-Offset': String(job.bytes_received),
      'Upload-Length': String(job.declared_size ?? job.bytes_received),
      'Cache-Control': 'no-store',
    };
    const status = job.status === 'cancelled' || job.status === 'failed' ? 410 : 200;
    return c.json(jobView(job), status, headers);
  });

  app.openapi(patch, async (c) => {
    requireTus(c);
    const job = await ownJob(deps, c.req.valid('param').id, c.get('tenant'));
    if ((c.req.header('Content-Type') ?? '').split(';')[0].trim() !== 'application/offset+octet-stream')
      throw new ApiError(
        415,
        'unsupported_media_type',
        'send chunks as Content-Type: application/offset+octet-stream',
      );
    const offsetHeader = c.req.header('Upload-Offset');
    if (offsetHeader === undefined || !/^\d+$/.test(offsetHeader))
      throw new ApiError(400, 'invalid_upload_offset', 'Upload-Offset must be the byte offset of this chunk');
    const checksum = c.req.header('Upload-Checksum');
    if (!checksum)
      throw new ApiError(
        400,
        'missing_checksum',
        'send Upload-Checksum: sha256 <base64 digest> with every chunk',
      );
    const [algorithm, digest] = checksum.trim().split(/\s+/);
    if (algorithm !== 'sha256')
      throw new ApiError(
        400,
        'unsupported_checksum',
        `checksum algorithm "${algorithm}" is not supported; use sha256`,
      );
    if (!digest || !/^[A-Za-z0-9+/]{43}=$/.test(digest))
      throw new ApiError(
        400,
        'invalid_checksum',
        'Upload-Checksum: the digest must be a base64 SHA-256 (44 characters)',
      );
    try {
      const after = await deps.uploads.receiveChunk(job, Number(offsetHeader), bodyStream(c.req.raw), digest);
      return c.body(null, 204, { ...tus, 'Upload-Offset': String(after.bytes_received) });
    } catch (err) {
      if (!(err instanceof UploadError)) throw err;
      if (err.kind === 'binary') await deps.processor.fail(job, 'binary_content', err.message);
      throw uploadErrorToApi(err);
    }
  });

  app.openapi(terminate, async (c) => {
    requireTus(c);
    const job = await ownJob(deps, c.req.valid('param').id, c.get('tenant'));
    if (!(await deps.processor.cancel(job.id)))
      throw new ApiError(409, 'job_ended', `the job already ended (${job.status})`);
    return c.body(null, 204, tus);
  });
}
