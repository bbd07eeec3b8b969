import { createHash } from 'crypto';
import type { Job } from '../../../api/engine-api';

/** An answer of the fake engine, shaped like fetch's `Response` (jsdom has none). */
export class FakeResponse implements Response {
  readonly headers: Headers;
  readonly ok: boolean;
  readonly redirected = false;
  readonly statusText = '';
  readonly type: ResponseType = 'basic';
  readonly url = '';
  readonly body = null;
  readonly bodyUsed = false;

  constructor(
    readonly status: number,
    private readonly content = '',
    headers: Record<string, string> = {}
  ) {
    this.headers = new Headers(headers);
    this.ok = status >= 200 && status < 300;
  }

  static json(status: number, value: unknown, headers: Record<string, string> = {}): FakeResponse {
    return new FakeResponse(status, JSON.stringify(value), { 'content-type': 'application/json', ...headers });
  }

  async text(): Promise<string> {
    return this.content;
  }
  async json(): Promise<unknown> {
    return JSON.parse(this.content);
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    return new TextEncoder().encode(this.content).buffer;
  }
  async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return new Uint8Array(await this.arrayBuffer());
  }
  async blob(): Promise<Blob> {
    return new Blob([this.content]);
  }
  async formData(): Promise<FormData> {
    throw new Error('the fake engine sends no forms');
  }
  clone(): Response {
    return new FakeResponse(this.status, this.content, Object.fromEntries(this.headers.entries()));
  }
}

/** One upload the fake engine holds. */
export interface FakeUpload {
  id: string;
  length: number;
  metadata: Record<string, string>;
  received: Buffer[];
  offset: number;
  status: Job['status'];
}

/** A failed request: no answer, an answer lost after the engine stored the chunk, or another answer. */
type Fault = 'network' | 'lost-answer' | FakeResponse;

/**
 * An engine at the `fetch` level that speaks tus as `engine/src/server/routes/uploads.ts` does (creation,
 * offsets, sha256 checksums with 460, HEAD, termination, 404/410) and answers `GET /api/v1/jobs/{id}`; faults
 * can be queued for the next request of a method.
 */
export class FakeTusEngine {
  readonly uploads = new Map<string, FakeUpload>();
  /** Every request, e.g. `PATCH /api/v1/uploads/job-1 @0+8 sha256`. */
  readonly requests: string[] = [];
  private readonly faults = new Map<string, Array<{ skip: number; fault: Fault }>>();
  private next = 1;

  constructor(private readonly baseUrl = '') {}

  /** A request with this method (the next one, or the one after `skip` more) meets this fault. */
  failNext(method: string, fault: Fault, skip = 0): void {
    this.faults.set(method, [...(this.faults.get(method) ?? []), { skip, fault }]);
  }

  /** The bytes the engine has of an upload. */
  bytesOf(id: string): string {
    const u = this.uploads.get(id);
    return u ? Buffer.concat(u.received).toString('utf8') : '';
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const method = init?.method ?? 'GET';
    const path = String(input).slice(this.baseUrl.length);
    const headers = new Headers(init?.headers);
    const body = bytesOf(init?.body);
    this.requests.push(
      `${method} ${path}` +
        (method === 'PATCH' ? ` @${headers.get('Upload-Offset')}+${body.length}` : '') +
        (headers.get('Upload-Checksum') ? ' sha256' : '')
    );
    if (init?.signal?.aborted) {
      throw new DOMException('The operation was aborted.', 'AbortError');
    }
    const fault = this.takeFault(method);
    if (fault === 'network') {
      throw new TypeError('Failed to fetch');
    }
    if (fault === 'lost-answer') {
      this.answer(method, path, headers, body);
      throw new TypeError('Failed to fetch');
    }
    return fault ?? this.answer(method, path, headers, body);
  };

  private takeFault(method: string): Fault | null {
    const queued = this.faults.get(method) ?? [];
    const first = queued[0];
    if (!first) {
      return null;
    }
    if (first.skip > 0) {
      first.skip--;
      return null;
    }
    queued.shift();
    return first.fault;
  }

  private answer(method: string, path: string, headers: Headers, body: Buffer): Response {
    const job = /^\/api\/v1\/jobs\/([^/?]+)$/.exec(path);
    if (job && method === 'GET') {
      const u = this.uploads.get(decodeURIComponent(job[1]));
      return u ? FakeResponse.json(200, this.jobOf(u)) : notFound();
    }
    if (!path.startsWith('/api/v1/uploads')) {
      return notFound();
    }
    if (headers.get('Tus-Resumable') !== '1.0.0') {
      return error(412, 'unsupported_tus_version', 'send Tus-Resumable: 1.0.0');
    }
    const tus = { 'Tus-Resumable': '1.0.0' };
    if (path === '/api/v1/uploads' && method === 'POST') {
      const id = `job-${this.next++}`;
      const metadata: Record<string, string> = {};
      for (const pair of (headers.get('Upload-Metadata') ?? '').split(',').filter(Boolean)) {
        const [key, value = ''] = pair.split(' ');
        metadata[key] = Buffer.from(value, 'base64').toString('utf8');
      }
      const u: FakeUpload = {
        id,
        length: Number(headers.get('Upload-Length')),
        metadata,
        received: [],
        offset: 0,
        status: 'uploading',
      };
      this.uploads.set(id, u);
      const url = `/api/v1/uploads/${id}`;
      return FakeResponse.json(201, { job_id: id, upload_url: url, job: this.jobOf(u) }, { ...tus, Location: url });
    }
    const u = this.uploads.get(decodeURIComponent(path.slice('/api/v1/uploads/'.length)));
    if (!u) {
      return notFound();
    }
    const ended = u.status === 'cancelled' || u.status === 'failed';
    if (method === 'HEAD') {
      const offsets = { ...tus, 'Upload-Offset': String(u.offset), 'Upload-Length': String(u.length) };
      return new FakeResponse(ended ? 410 : 200, '', offsets);
    }
    if (method === 'PATCH') {
      if (ended) {
        return error(410, 'upload_ended', `the upload ended (${u.status})`);
      }
      if (Number(headers.get('Upload-Offset')) !== u.offset) {
        return error(409, 'offset_mismatch', `the upload is at offset ${u.offset}`);
      }
      const [algorithm, digest] = (headers.get('Upload-Checksum') ?? '').split(' ');
      if (algorithm !== 'sha256' || createHash('sha256').update(body).digest('base64') !== digest) {
        return error(460, 'checksum_mismatch', 'the chunk does not match its checksum');
      }
      u.received.push(body);
      u.offset += body.length;
      if (u.offset >= u.length) {
        u.status = 'processing';
      }
      return new FakeResponse(204, '', { ...tus, 'Upload-Offset': String(u.offset) });
    }
    if (method === 'DELETE') {
      if (u.status !== 'uploading' && u.status !== 'pending' && u.status !== 'processing') {
        return error(409, 'job_ended', `the job already ended (${u.status})`);
      }
      u.status = 'cancelled';
      return new FakeResponse(204, '', tus);
    }
    return notFound();
  }

  /** The job as `GET /api/v1/jobs/{id}` shows it. */
  jobOf(u: FakeUpload): Job {
    return {
      job_id: u.id,
      status: u.status,
      source: u.metadata.filename ?? 'upload',
      progress: u.status === 'completed' ? 1 : 0,
      declared_size: u.length,
      bytes_received: u.offset,
      bytes_processed: 0,
      lines_processed: u.status === 'completed' ? 1200 : 0,
      anomalies_found: u.status === 'completed' ? 3 : 0,
      estimated_remaining_time: null,
      error_code: null,
      error_message: null,
      created_at: '2026-11-23T06:00:00Z',
      finished_at: null,
    };
  }
}

/** An engine-style refusal. */
export function error(status: number, code: string, message: string): FakeResponse {
  return FakeResponse.json(status, { error: { code, message } }, { 'Tus-Resumable': '1.0.0' });
}

function notFound(): FakeResponse {
  return error(404, 'not_found', 'not found');
}

function bytesOf(body: BodyInit | null | undefined): Buffer {
  if (body === null || body === undefined) {
    return Buffer.alloc(0);
  }
  // The client sends ArrayBuffers; jsdom's come from another realm, so `instanceof` cannot tell.
  if (Object.prototype.toString.call(body) === '[object ArrayBuffer]' && typeof body === 'object') {
    return Buffer.from(new Uint8Array(body as ArrayBuffer));
  }
  if (typeof body === 'string') {
    return Buffer.from(body);
  }
  throw new Error(`the fake engine cannot read a ${Object.prototype.toString.call(body)} body`);
}

/** jsdom's Blob lacks `arrayBuffer()`; browsers have it. */
export function installBlobArrayBuffer(): void {
  if (typeof Blob.prototype.arrayBuffer === 'function') {
    return;
  }
  Object.defineProperty(Blob.prototype, 'arrayBuffer', {
    configurable: true,
    value(this: Blob): Promise<ArrayBuffer> {
      return new Promise((resolve, reject) => {
        const reader = new FileReader();
        reader.onload = () => {
          const result = reader.result;
          if (result instanceof ArrayBuffer || Object.prototype.toString.call(result) === '[object ArrayBuffer]') {
            resolve(result as ArrayBuffer);
          } else {
            reject(new Error('FileReader gave no ArrayBuffer'));
          }
        };
        reader.onerror = () => reject(reader.error);
        reader.readAsArrayBuffer(this);
      });
    },
  });
}
