import { describe, expect, it } from 'vitest';
import type { Explanation } from './explainer.js';
import { MemoryExplanationCache } from './explanation-cache.js';

function answer(text: string): Explanation {
  return { text, likely_cause: 'cause', source: 'llm', model: 'llama3.2' };
}

describe('MemoryExplanationCache', () => {
  it('returns what was set and null on a miss', async () => {
    const cache = new MemoryExplanationCache();
    await cache.set('k', answer('a'));
    expect(await cache.get('k')).toEqual(answer('a'));
    expect(await cache.get('other')).toBeNull();
  });

  it('evicts the least recently used entry, counting reads as use', async () => {
    const cache = new MemoryExplanationCache({ maxEntries: 2 });
    await cache.set('a', answer('a'));
    await cache.set('b', answer('b'));
    await cache.get('a');
    await cache.set('c', answer('c'));
    expect(cache.size).toBe(2);
    expect(await cache.get('b')).toBeNull();
    expect(await cache.get('a')).toEqual(answer('a'));
    expect(await cache.get('c')).toEqual(answer('c'));
  });

  it('replaces an entry without growing', async () => {
    const cache = new MemoryExplanationCache({ maxEntries: 2 });
    await cache.set('a', answer('old'));
    await cache.set('a', answer('new'));
    expect(cache.size).toBe(1);
    expect(await cache.get('a')).toEqual(answer('new'));
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new MemoryExplanationCache({ maxEntries: 0 })).toThrow(RangeError);
    expect(() => new MemoryExplanationCache({ maxEntries: 1.5 })).toThrow(RangeError);
  });
});
