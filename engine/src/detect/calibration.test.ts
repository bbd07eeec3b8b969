import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLD } from '../model/score.js';
import { createRng } from '../random/rng.js';
import { TailCalibrator } from './calibration.js';

function gaussian(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(rng.next(), 1e-12);
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  }
  return out;
}

describe('TailCalibrator', () => {
  it('flags about one in a thousand of its own training distribution at θ', () => {
    const cal = TailCalibrator.fit(gaussian(20_000, 1));
    const fresh = gaussian(200_000, 2);
    let over = 0;
    for (const x of fresh) if (cal.score(x) >= DEFAULT_THRESHOLD) over++;
    expect(over / fresh.length).toBeGreaterThan(0.0002);
    expect(over / fresh.length).toBeLessThan(0.004);
  });

  it('is monotone and reaches 1 far in the tail', () => {
    const cal = TailCalibrator.fit(gaussian(5_000, 3));
    let prev = -1;
    for (let x = -4; x <= 12; x += 0.25) {
      const s = cal.score(x);
      expect(s).toBeGreaterThanOrEqual(prev);
      prev = s;
    }
    expect(cal.score(-3)).toBeLessThan(0.1);
    expect(cal.score(12)).toBe(1);
  });

  it('round-trips through JSON', () => {
    const cal = TailCalibrator.fit(gaussian(1_000, 4));
    const copy = TailCalibrator.fromJSON(JSON.parse(JSON.stringify(cal.toJSON())));
    for (const x of [-2, 0, 1.5, 3, 6]) expect(copy.score(x)).toBe(cal.score(x));
  });

  it('copes with constant and empty training data', () => {
    const constant = TailCalibrator.fit(new Float64Array(100).fill(2));
    expect(constant.score(2)).toBeLessThan(DEFAULT_THRESHOLD);
    expect(constant.score(3)).toBe(1);
    expect(TailCalibrator.fit([]).score(5)).toBe(0);
  });
});
