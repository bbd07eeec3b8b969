import { SourceError } from './source-error.js';

/**
 * Runs `attempt` up to `retries + 1` times: a retryable {@link SourceError} (unreachable, timeout, 5xx/429) is
 * retried after an exponential backoff with jitter; the last one is thrown with the number of attempts in its
 * message. Anything else, and the caller's abort, is thrown at once.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  { retries, backoffMs, signal }: { retries: number; backoffMs: number; signal?: AbortSignal },
): Promise<T> {
  const attempts = retries + 1;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof SourceError) || !err.retryable) throw err;
      if (n >= attempts) {
        if (attempts === 1) throw err;
        throw new SourceError(err.code, `${err.message} (after ${attempts} attempts)`, {
          status: err.status,
          cause: err.cause,
        });
      }
    }
    await pause(backoffMs * 2 ** (n - 1) + Math.random() * backoffMs, signal);
  }
}

/** The system's name for a failed connection (ECONNREFUSED, ENOTFOUND, …), or the error's message. */
export function networkCause(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e instanceof Error; depth++) {
    if ('code' in e && typeof e.code === 'string') return e.code;
    e = e.cause;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Waits, or throws the signal's reason as soon as it aborts. */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * One HTTP exchange with a source, its failures as {@link SourceError}s naming `where` and `what`: a timeout
 * (`timeoutMs`, combined with the caller's signal) or a failed connection. Returns the status and body text.
 */
export async function exchange(
  doFetch: typeof fetch,
  url: string,
  init: RequestInit,
  {
    where,
    what,
    timeoutMs,
    signal,
  }: { where: string; what: string; timeoutMs: number; signal?: AbortSignal },
): Promise<{ status: number; text: string }> {
  const timer = AbortSignal.timeout(timeoutMs);
  const both = signal ? AbortSignal.any([signal, timer]) : timer;
  try {
    const res = await doFetch(url, { ...init, signal: both });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (timer.aborted)
      throw new SourceError('timeout', `${where} did not answer ${what} within ${timeoutMs} ms`, {
        cause: err,
      });
    throw new SourceError('unreachable', `${where} is unreachable (${networkCause(err)}) for ${what}`, {
      cause: err,
    });
  }
}
