/** Why a pull from a source (Loki, Prometheus) failed; stored with the source's run and shown by the API. */
export type SourceErrorCode =
  /** The server rejected the query itself (bad LogQL/PromQL): retrying cannot help. */
  | 'invalid_query'
  /** The server answered 4xx for another reason (limits, auth, tenant): retrying cannot help. */
  | 'rejected'
  /** No connection could be made. */
  | 'unreachable'
  /** No answer within the timeout. */
  | 'timeout'
  /** The server answered 5xx (or 429) after every retry. */
  | 'server_error'
  /** The answer was not what the protocol says (not JSON, wrong shape, bad values). */
  | 'bad_response'
  /** More series than the tenant's limit allows. */
  | 'series_limit';

/**
 * A failed pull with a message a user can act on, e.g. `Loki at http://loki:3100 rejected the query: parse error
 * at line 1, col 5: syntax error`. `retryable` says whether another attempt may succeed.
 */
export class SourceError extends Error {
  readonly code: SourceErrorCode;
  readonly retryable: boolean;
  /** HTTP status of the answer, when there was one. */
  readonly status: number | null;

  constructor(
    code: SourceErrorCode,
    message: string,
    options: { status?: number | null; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'SourceError';
    this.code = code;
    this.status = options.status ?? null;
    this.retryable = code === 'unreachable' || code === 'timeout' || code === 'server_error';
  }
}
