import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cache } from '../engine/src/cache/cache.js';
import { MemoryCache } from '../engine/src/cache/memory-cache.js';
import { RedisCache } from '../engine/src/cache/redis-cache.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let prefix = '';
let closers: (() => Promise<void>)[] = [];
let redis: Redis;

beforeEach(() => {
  prefix = `outlier-test:cache:${randomUUID()}`;
  closers = [];
  redis = new Redis(REDIS_URL);
});

afterEach(async () => {
  await Promise.all(closers.map((close) => close()));
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

/** Opens a cache; caches opened with different names do not share keys. */
const FIXTURES: { name: string; open: (name?: string) => Cache }[] = [
  { name: 'MemoryCache', open: () => new MemoryCache() },
  {
    name: 'RedisCache',
    open: (name = 'main') => {
      const cache = new RedisCache({ redis: REDIS_URL, prefix: `${prefix}:${name}`, scanCount: 100 });
      closers.push(() => cache.close());
      return cache;
    },
  },
];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe.each(FIXTURES)('cache contract: $name', ({ open }) => {
  it('returns what was set, the latest value, and null once deleted or never set', async () => {
    const cache = open();
    expect(await cache.get('k')).toBeNull();
    await cache.set('k', 'v1', 60_000);
    await cache.set('k', 'v2 ✓', 60_000);
    expect(await cache.get('k')).toBe('v2 ✓');
    await cache.delete('k');
    await cache.delete('never-set');
    expect(await cache.get('k')).toBeNull();
  });

  it('forgets a value after its ttl', async () => {
    const cache = open();
    await cache.set('short', 'v', 80);
    await cache.set('long', 'v', 60_000);
    expect(await cache.get('short')).toBe('v');
    await sleep(150);
    expect(await cache.get('short')).toBeNull();
    expect(await cache.get('long')).toBe('v');
  });

  it('rejects a ttl that is not a positive number', async () => {
    const cache = open();
    for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      await expect(cache.set('k', 'v', ttl)).rejects.toThrow(RangeError);
    await cache.set('k', 'v', 60_000.5);
    expect(await cache.get('k')).toBe('v');
  });

  it('deletePrefix removes every key starting with the prefix, taken literally, and nothing else', async () => {
    const cache = open();
    const other = open('other');
    for (let i = 0; i < 250; i++) await cache.set(`job:1:${i}`, 'v', 60_000);
    await cache.set('job:10', 'v', 60_000);
    await cache.set('job:[1]*?x', 'v', 60_000);
    await cache.set('job:11', 'v', 60_000);
    await other.set('job:1:0', 'theirs', 60_000);

    await cache.deletePrefix('job:1:');
    await cache.deletePrefix('job:[1]*?');
    for (let i = 0; i < 250; i++) expect(await cache.get(`job:1:${i}`)).toBeNull();
    expect(await cache.get('job:[1]*?x')).toBeNull();
    expect(await cache.get('job:10')).toBe('v');
    expect(await cache.get('job:11')).toBe('v');
    expect(await other.get('job:1:0')).toBe('theirs');
  });
});
