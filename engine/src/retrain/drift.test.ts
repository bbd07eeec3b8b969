import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { ksPValue, ksStatistic, populationStabilityIndex } from './drift.js';

function normal(n: number, mean: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = mean + Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  }
  return out;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('populationStabilityIndex', () => {
  it('is 0 on the same sample and near 0 on another sample of the same distribution', () => {
    const a = normal(2000, 0, 1);
    expect(populationStabilityIndex(a, a)).toBe(0);
    expect(populationStabilityIndex(a, normal(2000, 0, 2))).toBeLessThan(0.02);
  });

  it('is large when the distribution shifts by one standard deviation', () => {
    expect(populationStabilityIndex(normal(2000, 0, 1), normal(2000, 1, 2))).toBeGreaterThan(0.5);
    expect(populationStabilityIndex(normal(2000, 0, 1), normal(2000, 0.3, 2))).toBeLessThan(0.25);
  });

  it('matches a hand computation on two bins with the pseudo-counts', () => {
    // Reference 0..99: the median edge 49 splits it 50/50; current: 75 below the edge, 25 above.
    const current = [...range(0, 50), ...range(0, 25), ...range(100, 125)];
    // Shares with 0.5 added per bin: r = 50.5/101 twice, c = 75.5/101 and 25.5/101.
    const expected = (25 / 101) * Math.log(75.5 / 25.5);
    expect(populationStabilityIndex(range(0, 100), current, 2)).toBeCloseTo(expected, 12);
  });

  it('stays finite when current values fall in empty bins, and sees a shift away from a constant', () => {
    const psi = populationStabilityIndex(range(0, 1000), new Array(500).fill(5000));
    expect(Number.isFinite(psi)).toBe(true);
    expect(psi).toBeGreaterThan(3);
    expect(populationStabilityIndex(new Array(500).fill(0), new Array(500).fill(0.8))).toBeGreaterThan(3);
    // Equal samples of different sizes: only the pseudo-counts differ.
    expect(populationStabilityIndex(new Array(500).fill(0), new Array(300).fill(0))).toBeLessThan(0.001);
  });

  it('ignores NaN and is NaN without numbers', () => {
    expect(populationStabilityIndex([1, 2, Number.NaN, 3], [1, 2, 3])).toBeCloseTo(0, 12);
    expect(populationStabilityIndex([], [1])).toBeNaN();
    expect(populationStabilityIndex([1], [Number.NaN])).toBeNaN();
  });
});

describe('ksStatistic', () => {
  // Reference values from scipy 1.17: stats.ks_2samp(a, b).statistic.
  it('matches scipy on small samples, with ties', () => {
    expect(ksStatistic([0.1, 0.4, 0.7, 0.9, 1.3], [0.2, 0.5, 0.6, 1.5, 1.6, 2.0])).toBe(0.5);
    expect(ksStatistic([1, 1, 2, 3], [1, 2, 2, 3])).toBe(0.25);
  });

  it('is 0 for equal samples, 1 for disjoint ones, the shifted share for a shift', () => {
    expect(ksStatistic([3, 1, 2], [2, 3, 1])).toBe(0);
    expect(ksStatistic([1, 2, 3], [4, 5, 6])).toBe(1);
    expect(ksStatistic(range(0, 200), range(30, 230))).toBeCloseTo(0.15, 12);
    expect(ksStatistic([], [1])).toBeNaN();
  });
});

describe('ksPValue', () => {
  // Reference values from scipy 1.17: stats.kstwobign.sf(d * sqrt(n m / (n + m))).
  it('matches the Kolmogorov distribution on both sides of its two series', () => {
    expect(ksPValue(0.15, 200, 200)).toBeCloseTo(0.022217962616525127, 10); // λ = 1.5
    expect(ksPValue(0.1, 200, 200)).toBeCloseTo(0.26999967167735456, 10); // λ = 1
    expect(ksPValue(0.05, 200, 200)).toBeCloseTo(0.9639452436648751, 10); // λ = 0.5
    expect(ksPValue(0.1, 300, 500)).toBeCloseTo(0.04703487990738155, 10);
    expect(ksPValue(0.2, 200, 200)).toBeCloseTo(0.0006709252557796953, 12); // λ = 2
  });

  it('is 1 for d = 0, tiny for far-apart samples, NaN without samples', () => {
    expect(ksPValue(0, 10, 10)).toBe(1);
    expect(ksPValue(1, 1000, 1000)).toBeLessThan(1e-100);
    expect(ksPValue(0.5, 0, 10)).toBeNaN();
  });
});
