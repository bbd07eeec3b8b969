/**
 * A browser client of the engine's resumable uploads (tus 1.0: core, creation, checksum with sha256,
 * termination on `/api/v1/uploads`), following the engine's Node client: create, PATCH chunks with their
 * SHA-256, ask HEAD where to resume after a failure, retry with backoff.
 */

/** Where the engine is: the same connection as the pages' `EngineApi` (`EngineApi.connection`). */
export interface TusTarget {
  /** e.g. `/api/plugin-proxy/outlier-anomaly-app/engine` (Grafana's proxy adds the API key). */
  baseUrl: string;
  /** Added to every request (the standalone host's `X-API-Key`). */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

/** The SHA-256 digest of a chunk. */
export type ChunkDigest = (data: ArrayBuffer) => Promise<ArrayBuffer>;

/** What a retry is waiting for, for the page to say so. */
export interface RetryInfo {
  /** 1 for the first retry. */
  attempt: number;
  retries: number;
  delayMs: number;
  reason: string;
  /** The browser is offline: the upload waits for the network instead (the attempt is not counted). */
  offline: boolean;
}

/** Options of {@link uploadFile}. */
export interface TusUploadOptions extends TusTarget {
  /** Read chunk by chunk with `slice()`, never whole. */
  file: Blob;
  /** tus `Upload-Metadata`: `filename`, `format`, `log_format`, `session_key`, `service`, `retrain`. */
  metadata: Record<string, string>;
  /** Resume this upload (its job id) from the engine's offset instead of creating one. */
  jobId?: string | null;
  /** @defaultValue 8 MiB */
  chunkBytes?: number;
  /** Retries in a row before giving up; each one resumes from the engine's offset. @defaultValue 6 */
  retries?: number;
  /** @defaultValue `crypto.subtle.digest('SHA-256', …)` (secure contexts only) */
  digest?: ChunkDigest;
  /** Called once the upload exists, with its job id (keep it to resume after a reload). */
  onCreated?: (jobId: string) => void;
  /** Called after every stored chunk with the engine's offset. */
  onProgress?: (sent: number, total: number) => void;
  onRetry?: (info: RetryInfo) => void;
  /** Aborting pauses: the upload stays on the engine and resumes with `jobId`. */
  signal?: AbortSignal;
  /** @defaultValue a timer that the signal cuts short */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Resolves once the network is back when the browser knows it is offline (returns null when it is not), so that
   * an offline spell of any length costs no retry. @defaultValue the browser's `navigator.onLine` and `online` event
   */
  whenOnline?: (signal?: AbortSignal) => Promise<void> | null;
}

/** A refusal or a failure of the engine (or of the way to it), in words a Grafana user understands. */
export class TusError extends Error {
  constructor(
    message: string,
    /** The HTTP status, or null when no answer came. */
    readonly status: number | null,
    readonly code: string,
    /** Worth another try from the engine's offset: no answer, 409, 460 and 5xx. */
    readonly retryable: boolean
  ) {
    super(message);
    this.name = 'TusError';
  }
}

/** The upload was paused or cancelled through its signal. */
export class UploadAbortedError extends Error {
  constructor() {
    super('The upload was stopped.');
    this.name = 'UploadAbortedError';
  }
}

/** The tus status for a chunk whose checksum does not match (the engine stored nothing). */
export const CHECKSUM_MISMATCH = 460;
const TUS = { 'Tus-Resumable': '1.0.0' };
const DEFAULT_CHUNK_BYTES = 8 << 20;

const STATUS_WORDS: Record<number, string> = {
  401: 'The engine refused the API key. Set a valid key in the app’s configuration.',
  403: 'The API key is not allowed to upload.',
  404: 'The engine no longer knows this upload.',
  410: 'The engine ended this upload: it was cancelled or its job failed.',
  413: 'A proxy between Grafana and the engine refused the request as too large.',
  502: 'Grafana could not reach the engine. Check the engine URL in the app’s configuration.',
  503: 'The engine is not available right now.',
  504: 'The engine did not answer in time.',
};

/** The URL of an upload, built from its job id: through Grafana's proxy, `Location` names the engine itself. */
export function uploadUrl(target: TusTarget, jobId: string): string {
  return `${target.baseUrl}/api/v1/uploads/${encodeURIComponent(jobId)}`;
}

/** tus `Upload-Metadata`: `key base64(utf-8 value)` pairs; empty values are left out. */
export function encodeMetadata(values: Record<string, string>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k} ${base64(new TextEncoder().encode(v))}`)
    .join(',');
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    s += String.fromCharCode(b);
  }
  return btoa(s);
}

/**
 * Uploads a file with tus, chunk by chunk (`Upload-Offset`, `Upload-Checksum: sha256 <base64>`), creating the
 * upload or resuming `jobId` from the engine's offset. Network failures, 409 and 5xx are retried with backoff
 * from the engine's offset (HEAD); a 460 re-sends the chunk; other refusals throw a {@link TusError} with the
 * engine's message. Resolves with the job id once the engine has every byte (its job is then running).
 *
 * @example
 * const { jobId } = await uploadFile({ ...api.connection, file, metadata: { filename: file.name }, signal });
 */
export async function uploadFile(o: TusUploadOptions): Promise<{ jobId: string }> {
  const {
    file,
    chunkBytes = DEFAULT_CHUNK_BYTES,
    retries = 6,
    signal,
    sleep = abortableSleep,
    whenOnline = browserOnline,
  } = o;
  const digest = o.digest ?? ((data: ArrayBuffer) => crypto.subtle.digest('SHA-256', data));
  const call = caller(o);
  let failures = 0;
  // Waits before the next attempt, or throws when the error is final or the budget is spent.
  const backoff = async (err: unknown): Promise<void> => {
    if (signal?.aborted) {
      throw new UploadAbortedError();
    }
    const unreachable = err instanceof TusError && err.code === 'network' ? err : null;
    const back = unreachable ? whenOnline(signal) : null;
    if (unreachable && back) {
      o.onRetry?.({ attempt: failures, retries, delayMs: 0, reason: unreachable.message, offline: true });
      await back.catch(() => {
        throw new UploadAbortedError();
      });
      return;
    }
    if (!(err instanceof TusError) || !err.retryable || ++failures > retries) {
      throw err;
    }
    const delayMs = Math.min(10_000, 500 * 2 ** (failures - 1));
    o.onRetry?.({ attempt: failures, retries, delayMs, reason: err.message, offline: false });
    await sleep(delayMs, signal).catch(() => {
      throw new UploadAbortedError();
    });
  };

  let jobId = o.jobId ?? null;
  let offset = 0;
  if (jobId === null) {
    for (;;) {
      try {
        jobId = await create(call, `${o.baseUrl}/api/v1/uploads`, file.size, o.metadata);
        break;
      } catch (err) {
        await backoff(err);
      }
    }
    o.onCreated?.(jobId);
  } else {
    for (;;) {
      try {
        offset = (await headOffset(call, uploadUrl(o, jobId))).offset;
        break;
      } catch (err) {
        await backoff(err);
      }
    }
  }
  o.onProgress?.(offset, file.size);

  const url = uploadUrl(o, jobId);
  while (offset < file.size) {
    try {
      const data = await readChunk(file, offset, Math.min(file.size, offset + chunkBytes));
      const sum = base64(new Uint8Array(await digest(data)));
      const res = await call(url, {
        method: 'PATCH',
        headers: {
          'Content-Type': 'application/offset+octet-stream',
          'Upload-Offset': String(offset),
          'Upload-Checksum': `sha256 ${sum}`,
        },
        body: data,
      });
      if (res.status !== 204) {
        throw await refusal(res);
      }
      offset = offsetHeader(res);
      failures = 0;
      o.onProgress?.(offset, file.size);
    } catch (err) {
      await backoff(err);
      if (err instanceof TusError && err.status === CHECKSUM_MISMATCH) {
        // The engine stored nothing of that chunk: send it again, read afresh.
        continue;
      }
      for (;;) {
        try {
          offset = (await headOffset(call, url)).offset;
          break;
        } catch (headErr) {
          await backoff(headErr);
        }
      }
      o.onProgress?.(offset, file.size);
    }
  }
  return { jobId };
}

/**
 * Where the engine stands with an upload (tus HEAD): its offset and length. A 404 (unknown) or 410 (cancelled,
 * failed) throws a {@link TusError} with that status.
 */
export function uploadOffset(
  target: TusTarget,
  jobId: string,
  signal?: AbortSignal
): Promise<{ offset: number; length: number }> {
  return headOffset(caller({ ...target, signal }), uploadUrl(target, jobId));
}

/**
 * Ends an upload (tus termination): the engine cancels its job and removes its bytes. An upload the engine
 * no longer knows counts as ended; one whose job already ended throws a {@link TusError} (409).
 */
export async function terminateUpload(target: TusTarget, jobId: string): Promise<void> {
  const res = await caller(target)(uploadUrl(target, jobId), { method: 'DELETE' });
  if (res.status !== 204 && res.status !== 404) {
    throw await refusal(res);
  }
}

type Call = (url: string, init: RequestInit) => Promise<Response>;

/** A fetch with the tus and connection headers, turning a failed request into a retryable {@link TusError}. */
function caller(o: TusTarget & { signal?: AbortSignal }): Call {
  // Called as a plain function: a native fetch called as a method of another object throws "Illegal invocation".
  const doFetch = o.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  return async (url, init) => {
    try {
      return await doFetch(url, {
        ...init,
        headers: { ...o.headers, ...TUS, ...(init.headers as Record<string, string> | undefined) },
        signal: o.signal,
      });
    } catch (err) {
      if (o.signal?.aborted) {
        throw new UploadAbortedError();
      }
      const why = err instanceof Error ? err.message : String(err);
      throw new TusError(`The engine cannot be reached (${why}).`, null, 'network', true);
    }
  };
}

async function create(call: Call, url: string, size: number, metadata: Record<string, string>): Promise<string> {
  const res = await call(url, {
    method: 'POST',
    headers: { 'Upload-Length': String(size), 'Upload-Metadata': encodeMetadata(metadata) },
  });
  if (res.status !== 201) {
    throw await refusal(res);
  }
  const text = await res.text();
  let jobId: unknown;
  try {
    jobId = (JSON.parse(text) as { job_id?: unknown }).job_id;
  } catch {
    jobId = undefined;
  }
  if (typeof jobId !== 'string' || jobId === '') {
    throw new TusError('The engine created the upload but its answer named no job.', 201, 'no_job_id', false);
  }
  return jobId;
}

async function headOffset(call: Call, url: string): Promise<{ offset: number; length: number }> {
  const res = await call(url, { method: 'HEAD', headers: { 'Cache-Control': 'no-store' } });
  if (res.status !== 200) {
    throw await refusal(res);
  }
  const length = Number(res.headers.get('Upload-Length'));
  return { offset: offsetHeader(res), length: Number.isSafeInteger(length) ? length : -1 };
}

function offsetHeader(res: Response): number {
  const value = res.headers.get('Upload-Offset');
  const offset = Number(value);
  if (value === null || value === '' || !Number.isSafeInteger(offset) || offset < 0) {
    // A proxy that drops tus headers; the next HEAD may still tell.
    throw new TusError('The engine’s answer had no upload offset.', res.status, 'no_offset', true);
  }
  return offset;
}

async function readChunk(file: Blob, start: number, end: number): Promise<ArrayBuffer> {
  try {
    return await file.slice(start, end).arrayBuffer();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new TusError(
      `The file can no longer be read (${why}). Was it moved or changed? Choose it again.`,
      null,
      'unreadable',
      false
    );
  }
}

/** The engine's `{error: {code, message}}`, or words for a status without one. */
async function refusal(res: Response): Promise<TusError> {
  const retryable = res.status === 409 || res.status === CHECKSUM_MISMATCH || res.status >= 500;
  let body: { error?: { code?: unknown; message?: unknown }; message?: unknown } = {};
  try {
    body = JSON.parse(await res.text()) as typeof body;
  } catch {
    // HEAD has no body; a proxy may send a page.
  }
  const error = body?.error;
  if (error && typeof error.message === 'string') {
    const code = typeof error.code === 'string' ? error.code : `http_${res.status}`;
    return new TusError(error.message, res.status, code, retryable);
  }
  const proxyMessage = typeof body?.message === 'string' ? body.message : null;
  const words = STATUS_WORDS[res.status] ?? proxyMessage ?? `The engine answered HTTP ${res.status}.`;
  return new TusError(words, res.status, `http_${res.status}`, retryable);
}

/** When the browser says it is offline, a promise of its `online` event (cut short by the signal); else null. */
function browserOnline(signal?: AbortSignal): Promise<void> | null {
  if (typeof navigator === 'undefined' || typeof window === 'undefined' || navigator.onLine !== false) {
    return null;
  }
  return new Promise((resolve, reject) => {
    const done = () => {
      signal?.removeEventListener('abort', abort);
      resolve();
    };
    const abort = () => {
      window.removeEventListener('online', done);
      reject(new UploadAbortedError());
    };
    window.addEventListener('online', done, { once: true });
    signal?.addEventListener('abort', abort, { once: true });
  });
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new UploadAbortedError());
      return;
    }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new UploadAbortedError());
      },
      { once: true }
    );
  });
}
