import { describe, expect, it } from 'vitest';
import { countTailProbability, gaussianZForTail, logGamma } from './count-tail.js';

describe('countTailProbability', () => {
  it('computes ln Γ', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });

  it('follows the Poisson distribution when the variance equals the mean', () => {
    expect(countTailProbability(0, 25, 25)).toBeCloseTo(2 * Math.exp(-25), 20);
    expect(countTailProbability(25, 25, 25)).toBe(1);
    const upper = countTailProbability(40, 25, 25);
    expect(upper).toBeGreaterThan(0.002);
    expect(upper).toBeLessThan(0.01);
  });

  it('uses the Gaussian limit for large counts', () => {
    expect(countTailProbability(10_000, 10_000, 10_000)).toBeGreaterThan(0.9);
    expect(countTailProbability(10_400, 10_000, 10_000)).toBeCloseTo(6.3e-5, 5);
    expect(gaussianZForTail(0.05)).toBeCloseTo(1.96, 2);
  });

  it('is less sure of itself when counts are overdispersed', () => {
    const poisson = countTailProbability(0, 25, 25);
    const negBin = countTailProbability(0, 25, 74);
    expect(negBin).toBeGreaterThan(poisson);
    expect(negBin).toBeLessThan(1e-5);
    expect(countTailProbability(3, 4, 40)).toBeGreaterThan(0.5);
  });
});
