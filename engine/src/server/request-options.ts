import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from '@hono/zod-openapi';
import { parseSessionKey } from '../model/session-key.js';
import type { ByteStream } from '../services/uploads.js';
import type { JobOptions } from '../store/store.js';
import { ApiError } from './errors.js';
import { JobOptionsSchema } from './schemas.js';

const TextOptions = z.object({
  source: z.string().min(1).max(200).optional(),
  filename: z.string().min(1).max(200).optional(),
  format: JobOptionsSchema.shape.format,
  log_format: z.string().max(1000).optional(),
  session_key: z.string().max(1000).optional(),
  service: z.string().max(200).optional(),
  threshold: z.coerce.number().gt(0).lt(1).optional(),
  retrain: z.enum(['true', 'false', '1', '0']).optional(),
});

/** Query parameters (or tus metadata) that set a job's options. */
export const JobQuerySchema = TextOptions.partial();

/** Reads job options from text values (query parameters, tus metadata, form fields); 400 naming a bad one. */
export function jobOptionsFrom(
  values: Record<string, string | undefined>,
  fallbackSource: string,
): { source: string; options: JobOptions } {
  const parsed = TextOptions.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(400, 'invalid_option', `${issue.path.join('.')}: ${issue.message}`);
  }
  const v = parsed.data;
  if (v.session_key) {
    try {
      parseSessionKey(v.session_key);
    } catch (err) {
      throw new ApiError(
        400,
        'invalid_option',
        `session_key: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  if (v.format === 'loghub' && !v.log_format)
    throw new ApiError(400, 'invalid_option', 'log_format: required when format is loghub');
  const source = [...(v.source ?? v.filename ?? fallbackSource)].filter((ch) => ch >= ' ').join('');
  return {
    source,
    options: {
      format: v.format,
      log_format: v.log_format ?? null,
      session_key: v.session_key ?? null,
      service: v.service ?? null,
      threshold: v.threshold ?? 0.5,
      retrain: v.retrain === 'true' || v.retrain === '1',
    },
  };
}

/** Parses a tus `Upload-Metadata` header: `key base64,key base64`. */
export function parseTusMetadata(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const pair of header.split(',')) {
    const [key, value = '', extra] = pair.trim().split(' ');
    if (!key || extra !== undefined || !/^[A-Za-z0-9_-]+$/.test(key))
      throw new ApiError(
        400,
        'invalid_metadata',
        `Upload-Metadata: "${pair.trim()}" is not "key base64value"`,
      );
    if (value && !/^[A-Za-z0-9+/]*={0,2}$/.test(value))
      throw new ApiError(400, 'invalid_metadata', `Upload-Metadata: the value of "${key}" is not base64`);
    out[key] = Buffer.from(value, 'base64').toString('utf8');
  }
  return out;
}

/** The request body as a byte stream (never buffered whole). */
export function bodyStream(raw: Request): ByteStream {
  if (!raw.body) return Readable.from([]);
  return Readable.fromWeb(raw.body as WebReadableStream<Uint8Array>);
}
