import { describe, expect, it } from 'vitest';
import { AlertPolicy, type AlertPolicyOptions } from './alert-policy.js';

const base: AlertPolicyOptions = {
  threshold: 0.5,
  quietPoints: 3,
  minAbsoluteDeviation: 0,
  minRelativeDeviation: 0,
  direction: 'both',
};

describe('AlertPolicy', () => {
  it('alerts once per incident and again after the incident has calmed down', () => {
    const policy = new AlertPolicy(base);
    const scores = [0.1, 0.9, 0.8, 0.2, 0.7, 0.1, 0.1, 0.1, 0.6];
    expect(scores.map((s) => policy.decide(s, 10, 5).alert)).toEqual([
      false,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
  });

  it('applies the direction and deviation rails, and swallows the echo of a filtered anomaly', () => {
    const up = new AlertPolicy({ ...base, direction: 'up' });
    expect(up.decide(0.9, 4, 5).alert).toBe(false);
    expect(up.decide(0.9, 6, 5)).toEqual({ alert: false, incident: true });
    const big = new AlertPolicy({ ...base, minAbsoluteDeviation: 2, minRelativeDeviation: 0.5 });
    expect(big.passes(8, 5)).toBe(true);
    expect(big.passes(6, 5)).toBe(false);
    expect(big.passes(7, 5)).toBe(false);
    expect(big.passes(Number.NaN, 5)).toBe(false);
    expect(new AlertPolicy(base).passes(1, Number.NaN)).toBe(true);
  });
});
