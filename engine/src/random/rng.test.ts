import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';

describe('createRng', () => {
  it('is deterministic for a seed and resumable from its state', () => {
    const a = createRng(42);
    const first = [a.next(), a.next()];
    const resumed = createRng(a.state());
    const b = createRng(42);
    expect([b.next(), b.next()]).toEqual(first);
    expect(resumed.next()).toBe(b.next());
  });

  it('draws uniform integers in range', () => {
    const rng = createRng(1);
    const counts = new Array(4).fill(0);
    for (let i = 0; i < 40_000; i++) counts[rng.int(4)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });
});
