import { exchange, withRetries } from '../retry.js';
import { SourceError } from '../source-error.js';
import {
  MalformedAnswerError,
  type MatrixSeries,
  parseBody,
  parseMatrix,
  type QueryRangeBody,
  snippet,
} from './prometheus-response.js';

/** How {@link requestQueryRange} reaches one Prometheus: the resolved options of a query. */
export interface PrometheusEndpoint {
  url: string;
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  headers: Record<string, string>;
  fetch: typeof fetch;
  signal: AbortSignal | undefined;
}

/** One `query_range` request: times in ms on the step grid. */
export interface RangeRequest {
  query: string;
  startMs: number;
  endMs: number;
  stepMs: number;
}

/**
 * Sends one `POST /api/v1/query_range` (a form body, so long queries fit) and returns its series. Unreachable,
 * timed-out and 5xx/429 attempts are retried with exponential backoff and jitter; the last failure is thrown as a
 * {@link SourceError}. When the caller's signal aborts, its reason is thrown as is.
 */
export function requestQueryRange(
  endpoint: PrometheusEndpoint,
  request: RangeRequest,
): Promise<MatrixSeries[]> {
  return withRetries(() => attemptQueryRange(endpoint, request), endpoint);
}

async function attemptQueryRange(
  endpoint: PrometheusEndpoint,
  request: RangeRequest,
): Promise<MatrixSeries[]> {
  const { url, timeoutMs, signal } = endpoint;
  const where = `Prometheus at ${url}`;
  const what = `the query "${snippet(request.query)}"`;
  const form = new URLSearchParams({
    query: request.query,
    start: String(request.startMs / 1000),
    end: String(request.endMs / 1000),
    step: String(request.stepMs / 1000),
  });
  const { status, text } = await exchange(
    endpoint.fetch,
    `${url.replace(/\/+$/, '')}/api/v1/query_range`,
    {
      method: 'POST',
      headers: {
        ...endpoint.headers,
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: form.toString(),
    },
    { where, what, timeoutMs, signal },
  );

  let body: QueryRangeBody | null = null;
  let malformed: MalformedAnswerError | null = null;
  try {
    body = parseBody(text);
  } catch (err) {
    if (!(err instanceof MalformedAnswerError)) throw err;
    malformed = err;
  }
  const reason = body?.error ?? snippet(text);
  const kind = body?.errorType ? ` ${body.errorType}` : '';
  if (status >= 500 || status === 429) {
    throw new SourceError('server_error', `${where} answered HTTP ${status}${kind} to ${what}: ${reason}`, {
      status,
    });
  }
  if (status === 400 && body?.errorType === 'bad_data') {
    throw new SourceError('invalid_query', `${where} rejected ${what}: ${reason}`, { status });
  }
  if (status >= 400) {
    throw new SourceError('rejected', `${where} refused ${what} (HTTP ${status}${kind}): ${reason}`, {
      status,
    });
  }
  try {
    if (malformed) throw malformed;
    if (!body) throw new MalformedAnswerError('the answer is empty');
    return parseMatrix(body);
  } catch (err) {
    if (!(err instanceof MalformedAnswerError)) throw err;
    throw new SourceError(
      'bad_response',
      `${where} sent a bad answer (HTTP ${status}) to ${what}: ${err.message}`,
      {
        status,
        cause: err,
      },
    );
  }
}
