import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryCache } from './memory-cache.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('MemoryCache', () => {
  it('forgets a value once its ttl has passed', async () => {
    vi.useFakeTimers();
    const cache = new MemoryCache();
    await cache.set('k', 'v', 1_000);
    vi.advanceTimersByTime(999);
    expect(await cache.get('k')).toBe('v');
    vi.advanceTimersByTime(1);
    expect(await cache.get('k')).toBeNull();
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = new MemoryCache({ maxEntries: 2 });
    await cache.set('a', '1', 60_000);
    await cache.set('b', '2', 60_000);
    await cache.get('a');
    await cache.set('c', '3', 60_000);
    expect([await cache.get('a'), await cache.get('b'), await cache.get('c')]).toEqual(['1', null, '3']);
  });

  it('keeps keys and values within maxChars, and does not keep a value larger than that', async () => {
    const cache = new MemoryCache({ maxChars: 10 });
    await cache.set('a', '1234', 60_000);
    await cache.set('b', '1234', 60_000);
    await cache.set('c', '1234', 60_000);
    expect([await cache.get('a'), await cache.get('b'), await cache.get('c')]).toEqual([
      null,
      '1234',
      '1234',
    ]);
    await cache.set('b', 'x'.repeat(10), 60_000);
    expect(await cache.get('b')).toBeNull();
    expect(await cache.get('c')).toBe('1234');
  });
});
