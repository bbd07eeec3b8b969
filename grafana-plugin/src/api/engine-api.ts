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

/** How bad an anomaly is; `null` on a detection below the threshold. */
export type Severity = 'low' | 'medium' | 'high' | 'critical';
/** Every severity, mildest first. */
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

/** What a detection is about: one log line, one session, one time window of a service, one series point. */
export type DetectionKind = 'line' | 'session' | 'window' | 'point';
/** Every detection kind. */
export const DETECTION_KINDS: readonly DetectionKind[] = ['line', 'session', 'window', 'point'];

/** The local LLM's explanation of a detection. */
export interface LlmExplanation {
  text: string;
  likely_cause: string | null;
  model: string | null;
}

/** A detection as `/api/v1/anomalies` returns it (README "Detections", plus its job and LLM explanation). */
export interface Detection {
  id: string;
  tenant: string;
  /** The uploaded file's name, or the scheduled source's id. */
  source: string;
  service: string | null;
  /** RFC 3339. */
  timestamp: string | null;
  kind: DetectionKind;
  score: number;
  severity: Severity | null;
  template_id: string | null;
  template: string | null;
  session_id: string | null;
  observed: number | null;
  expected: number | null;
  lower: number | null;
  upper: number | null;
  detectors: Array<{ name: string; score: number }>;
  explanation: string;
  samples: string[];
  /** The upload job that found it; `null` for a scheduled source's detection. */
  job_id: string | null;
  llm_explanation: LlmExplanation | null;
}

/** Orders of the anomaly list; a cursor only continues the order it was made for. */
export type AnomalySort = 'score_desc' | 'score_asc' | 'time_desc' | 'time_asc';

/** Filters of the anomaly list, histogram and facets; times in epoch milliseconds. */
export interface AnomalyFilters {
  from?: number;
  to?: number;
  service?: string;
  source?: string;
  job?: string;
  kind?: DetectionKind;
  severity?: Severity[];
  /** Text in the template, explanation, service or samples. */
  q?: string;
}

/** One time bucket of the anomaly histogram; `null` where the bucket has no such value. */
export interface HistogramBucket {
  /** Start of the bucket, epoch ms. */
  t: number;
  count: number;
  max_score: number | null;
  severity: Record<Severity, number>;
  /** Observed value and band of the bucket's highest-scoring detection that has an expected value. */
  observed: number | null;
  expected: number | null;
  lower: number | null;
  upper: number | null;
}

/** Anomalies over time: buckets cover `[from, to)` in steps of `step_ms`, empty ones included. */
export interface AnomalyHistogram {
  from: number;
  to: number;
  step_ms: number;
  buckets: HistogramBucket[];
}

/** Values the filters can take in a time range. */
export interface AnomalyFacets {
  services: string[];
  sources: string[];
  jobs: Array<{ id: string; source: string }>;
}

/** What the engine says about itself and the caller's tenant. */
export interface EngineInfo {
  tenant: string;
  version: string;
  llm: { enabled: boolean; model: string | null };
  store: string;
}

/** A scheduled source; a `loki` source's `definition.query` is its LogQL. */
export interface ScheduledSource {
  id: string;
  tenant: string;
  kind: 'prometheus' | 'loki';
  definition: Record<string, unknown>;
}

/** A verdict on an anomaly; `not_anomaly` suppresses its pattern in later scoring. */
export type FeedbackVerdict = 'not_anomaly' | 'confirmed';

/** The engine's record of a verdict. */
export interface FeedbackRecord {
  id: string;
  detection_id: string;
  verdict: FeedbackVerdict;
  pattern: string;
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

  /** A page of anomalies matching `filters`, in `sort` order (a new sort starts without a cursor). */
  listAnomalies(
    filters: AnomalyFilters,
    page: { sort: AnomalySort; cursor?: string | null; limit?: number },
    signal?: AbortSignal
  ): Promise<Page<Detection>> {
    const q = anomalyQuery(filters);
    q.set('sort', page.sort);
    q.set('limit', String(page.limit ?? 50));
    if (page.cursor) {
      q.set('cursor', page.cursor);
    }
    return this.json<Page<Detection>>(`/api/v1/anomalies?${q}`, { signal });
  }

  /** Counts and highest scores of the anomalies matching `filters` over time. */
  anomalyHistogram(filters: AnomalyFilters, buckets = 120, signal?: AbortSignal): Promise<AnomalyHistogram> {
    const q = anomalyQuery(filters);
    q.set('buckets', String(buckets));
    return this.json<AnomalyHistogram>(`/api/v1/anomalies/histogram?${q}`, { signal });
  }

  /** Services, sources and jobs that have anomalies in a time range. */
  anomalyFacets(range: Pick<AnomalyFilters, 'from' | 'to'>, signal?: AbortSignal): Promise<AnomalyFacets> {
    return this.json<AnomalyFacets>(`/api/v1/anomalies/facets?${anomalyQuery(range)}`, { signal });
  }

  /** One anomaly with its evidence. */
  getAnomaly(id: string, signal?: AbortSignal): Promise<Detection> {
    return this.json<Detection>(`/api/v1/anomalies/${encodeURIComponent(id)}`, { signal });
  }

  /** Records a verdict on an anomaly (the newest verdict on its pattern wins). */
  sendFeedback(id: string, verdict: FeedbackVerdict): Promise<FeedbackRecord> {
    return this.json<FeedbackRecord>(`/api/v1/anomalies/${encodeURIComponent(id)}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ verdict }),
    });
  }

  /** Asks the engine's LLM to explain an anomaly; an `EngineError` with code `llm_not_configured` when it has none. */
  explainAnomaly(id: string): Promise<Detection> {
    return this.json<Detection>(`/api/v1/anomalies/${encodeURIComponent(id)}/explain`, { method: 'POST' });
  }

  /** The tenant of the key, the engine's version and whether it has an LLM. */
  info(signal?: AbortSignal): Promise<EngineInfo> {
    return this.json<EngineInfo>('/api/v1/info', { signal });
  }

  /** One scheduled source with its definition. */
  getSource(id: string, signal?: AbortSignal): Promise<ScheduledSource> {
    return this.json<ScheduledSource>(`/api/v1/sources/${encodeURIComponent(id)}`, { signal });
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

/** The query string of anomaly filters; empty filters are left out. */
function anomalyQuery(filters: AnomalyFilters): URLSearchParams {
  const q = new URLSearchParams();
  const text: Array<[string, string | number | undefined]> = [
    ['from', filters.from],
    ['to', filters.to],
    ['service', filters.service],
    ['source', filters.source],
    ['job', filters.job],
    ['kind', filters.kind],
    ['q', filters.q],
  ];
  for (const [key, value] of text) {
    if (value !== undefined && value !== '') {
      q.set(key, String(value));
    }
  }
  if (filters.severity?.length) {
    q.set('severity', filters.severity.join(','));
  }
  return q;
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
