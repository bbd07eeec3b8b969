import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';

/** Options of {@link uploadFile}. */
export interface UploadFileOptions {
  /** Engine base URL, e.g. `http://localhost:8085`. */
  baseUrl: string;
  apiKey: string;
  path: string;
  /** Job options sent as tus metadata (`format`, `session_key`, `service`, …). */
  options?: Record<string, string>;
  /** Resume this upload (its URL) instead of creating one. */
  uploadUrl?: string;
  /** @defaultValue 8 MiB */
  chunkBytes?: number;
  /** Attempts per chunk before giving up (each resumes from the server's offset). @defaultValue 5 */
  retries?: number;
  onProgress?: (sent: number, total: number) => void;
  /** Called once the upload exists, with its URL (keep it to resume after a crash). */
  onCreated?: (uploadUrl: string, jobId: string) => void;
  signal?: AbortSignal;
}

/** A refusal by the engine, with its error code. */
export class UploadRefusedError extends Error {
  override name = 'UploadRefusedError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** Worth another try after asking the server for its offset (460: the chunk was damaged on the way). */
  get retryable(): boolean {
    return this.status === 409 || this.status === 460 || this.status >= 500;
  }
}

const TUS = { 'Tus-Resumable': '1.0.0' };

async function refusal(res: Response): Promise<UploadRefusedError> {
  let code = `http_${res.status}`;
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
  } catch {
    // No JSON body (HEAD, or a proxy's page): keep the status line.
  }
  return new UploadRefusedError(res.status, code, message);
}

function encodeMetadata(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');
}

/**
 * Uploads a file to the engine with tus 1.0 (creation, checksum): chunks with their SHA-256, resuming from the
 * server's offset after a failed request. Resolves with the job id.
 */
export async function uploadFile(o: UploadFileOptions): Promise<{ jobId: string; uploadUrl: string }> {
  const { baseUrl, apiKey, path, chunkBytes = 8 << 20, retries = 5, signal } = o;
  const size = (await stat(path)).size;
  const headers = { ...TUS, 'X-API-Key': apiKey };
  let uploadUrl = o.uploadUrl;
  if (!uploadUrl) {
    const res = await fetch(new URL('/api/v1/uploads', baseUrl), {
      method: 'POST',
      headers: {
        ...headers,
        'Upload-Length': String(size),
        'Upload-Metadata': encodeMetadata({ filename: basename(path), ...o.options }),
      },
      signal,
    });
    if (res.status !== 201) throw await refusal(res);
    const location = res.headers.get('Location');
    if (!location) throw new Error('the engine created the upload but sent no Location');
    uploadUrl = new URL(location, baseUrl).toString();
    await res.body?.cancel();
  }
  const jobId = uploadUrl.slice(uploadUrl.lastIndexOf('/') + 1);
  o.onCreated?.(uploadUrl, jobId);
  const file = await open(path, 'r');
  try {
    let offset = await currentOffset(uploadUrl, headers, signal);
    let failures = 0;
    const buf = Buffer.allocUnsafe(chunkBytes);
    while (offset < size) {
      const { bytesRead } = await file.read(buf, 0, Math.min(chunkBytes, size - offset), offset);
      const chunk = buf.subarray(0, bytesRead);
      const digest = createHash('sha256').update(chunk).digest('base64');
      try {
        const res = await fetch(uploadUrl, {
          method: 'PATCH',
          headers: {
            ...headers,
            'Content-Type': 'application/offset+octet-stream',
            'Upload-Offset': String(offset),
            'Upload-Checksum': `sha256 ${digest}`,
          },
          body: chunk,
          signal,
        });
        if (res.status !== 204) throw await refusal(res);
        offset = Number(res.headers.get('Upload-Offset'));
        failures = 0;
        o.onProgress?.(offset, size);
      } catch (err) {
        // Another offset or a transient failure: ask the server where it stands, then go on from there.
        if ((err instanceof UploadRefusedError && !err.retryable) || signal?.aborted || ++failures > retries)
          throw err;
        for (;;) {
          await new Promise((r) => setTimeout(r, Math.min(5_000, 200 * 2 ** failures)));
          try {
            offset = await currentOffset(uploadUrl, headers, signal);
            break;
          } catch (headErr) {
            if (signal?.aborted || ++failures > retries) throw headErr;
          }
        }
      }
    }
  } finally {
    await file.close();
  }
  return { jobId, uploadUrl };
}

async function currentOffset(
  url: string,
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<number> {
  const res = await fetch(url, { method: 'HEAD', headers, signal });
  if (res.status !== 200) throw await refusal(res);
  return Number(res.headers.get('Upload-Offset'));
}
