import { describe, expect, it } from 'vitest';
import { median, robustStats, robustZ } from './robust-stats.js';

describe('robust stats', () => {
  it('ignores outliers that would wreck mean and σ', () => {
    const xs = [10, 11, 9, 10, 12, 10, 9, 11, 10, 10_000];
    const s = robustStats(xs);
    expect(s.median).toBe(10);
    expect(s.sigma).toBeLessThan(2);
    expect(robustZ(10_000, s)).toBeGreaterThan(1000);
    expect(median([3, 1, 2, 4])).toBe(2.5);
  });

  it('keeps a finite spread for constant samples', () => {
    const s = robustStats([5, 5, 5, 5]);
    expect(s.sigma).toBeGreaterThan(0);
    expect(robustZ(6, s)).toBeGreaterThan(10);
  });
});
