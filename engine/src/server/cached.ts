import type { Cache } from '../cache/cache.js';

/**
 * A JSON value from the cache, or computed and cached for `ttlMs`. A cache that fails is skipped: the answer then
 * comes from the store, a little slower.
 */
export async function cachedJson<T>(
  cache: Cache,
  key: string,
  ttlMs: number,
  compute: () => Promise<T>,
): Promise<T> {
  const hit = await cache.get(key).catch(() => null);
  if (hit !== null) return JSON.parse(hit) as T;
  const value = await compute();
  await cache.set(key, JSON.stringify(value), ttlMs).catch(() => {});
  return value;
}
