import { readSse, type SseEvent } from './sse';

/** A job as the engine's `/api/v1/jobs` lists it. */
export interface Job {
  job_id: string;
  status: 'uploading' | 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled';
  source: string;
  progress: number;
  declared_size: number | null;
  bytes_received: number;
  bytes_processed: number;
  lines_processed: number;
  anomalies_found: number;
  estimated_remaining_time: number | null;
  error_code: string | null;
  error_message: string | null;
  created_at: string;
  finished_at: string | null;
}

/** A page of a keyset-paginated list. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export const ACTIVE_STATES: ReadonlyArray<Job['status']> = ['uploading', 'pending', 'processing'];

/** A failed call, with the engine's own message when it sent one. */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string | null
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** How pages reach the engine: through Grafana's plugin proxy, or directly from the standalone host. */
export interface EngineConnection {
  /** e.g. `/api/plugin-proxy/outlier-anomaly-app/engine`, or `` on the engine itself. */
  baseUrl: string;
  /** Added to every request (the standalone host's `X-API-Key`; the proxy adds its own). */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

/** The engine's HTTP API as the pages use it. */
export class EngineApi {
  private readonly doFetch: typeof fetch;

  constructor(private readonly conn: EngineConnection) {
    this.doFetch = conn.fetch ?? ((input, init) => fetch(input, init));
  }

  /** Where the engine is and how to reach it, for clients of their own (the tus uploads of `tus-upload.ts`). */
  get connection(): EngineConnection {
    return this.conn;
  }

  /** A page of the tenant's jobs, newest first. */
  listJobs(cursor?: string | null, limit = 50): Promise<Page<Job>> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor) {
      q.set('cursor', cursor);
    }
    return this.json<Page<Job>>(`/api/v1/jobs?${q}`);
  }

  getJob(id: string): Promise<Job> {
    return this.json<Job>(`/api/v1/jobs/${encodeURIComponent(id)}`);
  }

  async cancelJob(id: string): Promise<void> {
    await this.json(`/api/v2/cancel/${encodeURIComponent(id)}`, { method: 'POST' });
  }

  /** The job's server-sent events (`progress`, `anomalies`, `completed`, …) until the stream ends. */
  async *jobEvents(id: string, signal?: AbortSignal): AsyncGenerator<SseEvent> {
    const res = await this.request(`/api/v2/results/${encodeURIComponent(id)}/stream`, {
      headers: { accept: 'text/event-stream' },
      signal,
    });
    if (!res.body) {
      throw new EngineError('the engine sent an empty event stream', res.status, null);
    }
    yield* readSse(res.body);
  }

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = { ...this.conn.headers, ...(init.headers as Record<string, string> | undefined) };
    let res: Response;
    try {
      res = await this.doFetch(`${this.conn.baseUrl}${path}`, { ...init, headers });
    } catch (err) {
      if (init.signal?.aborted) {
        throw err;
      }
      throw new EngineError(
        `The engine cannot be reached (${err instanceof Error ? err.message : String(err)}). Check the engine URL in the app's configuration.`,
        null,
        null
      );
    }
    if (!res.ok) {
      throw await errorOf(res);
    }
    return res;
  }

  private async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await this.request(path, init);
    if (res.status === 204) {
      return undefined as T;
    }
    return (await res.json()) as T;
  }
}

/** The engine's `{error: {code, message}}`, or words for a status without one. */
async function errorOf(res: Response): Promise<EngineError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string }; message?: string };
    if (body.error?.message) {
      return new EngineError(body.error.message, res.status, body.error.code ?? null);
    }
    if (body.message) {
      return new EngineError(body.message, res.status, null);
    }
  } catch {
    // not JSON
  }
  const words: Record<number, string> = {
    401: 'The engine refused the API key. Set a valid key in the app’s configuration.',
    403: 'The API key is not allowed to do this.',
    404: 'Not found on the engine.',
    502: 'Grafana could not reach the engine. Check the engine URL in the app’s configuration.',
  };
  return new EngineError(words[res.status] ?? `The engine answered HTTP ${res.status}.`, res.status, null);
}
