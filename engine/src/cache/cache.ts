/**
 * Strings kept for a while: results of hot queries, job progress. In process ({@link MemoryCache}) by default,
 * shared by every process in Redis mode ({@link RedisCache}). A value may vanish before its time (evicted, Redis
 * restarted): callers recompute on a miss.
 */
export interface Cache {
  /** The value, or null when it is absent or expired. */
  get(key: string): Promise<string | null>;
  /** Keeps value under key for ttlMs milliseconds, replacing what was there. @throws RangeError unless ttlMs > 0 */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Forgets key; nothing happens when it is absent. */
  delete(key: string): Promise<void>;
  /** Forgets every key that starts with prefix, e.g. everything cached for one job. */
  deletePrefix(prefix: string): Promise<void>;
}

/** ttlMs in whole milliseconds, rounded up. @throws RangeError unless ttlMs is a positive finite number */
export function ttlMilliseconds(ttlMs: number): number {
  if (!(Number.isFinite(ttlMs) && ttlMs > 0))
    throw new RangeError(`a cache ttl must be a positive number of milliseconds, not ${ttlMs}`);
  return Math.ceil(ttlMs);
}
