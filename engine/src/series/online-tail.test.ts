import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { OnlineTailCalibrator } from './online-tail.js';

function exponentialSample(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => -Math.log(Math.max(rng.next(), 1e-12)));
}

describe('OnlineTailCalibrator', () => {
  it('estimates the tail of an exponential sample, inside and beyond what it has seen', () => {
    const cal = new OnlineTailCalibrator({ halfLife: 1e9 });
    for (const z of exponentialSample(20_000, 1)) cal.add(z);
    for (const z of [1, 2, 4, 8, 12]) {
      const p = cal.tailProbability(z);
      expect(Math.log10(p)).toBeGreaterThan(Math.log10(Math.exp(-z)) - 0.5);
      expect(Math.log10(p)).toBeLessThan(Math.log10(Math.exp(-z)) + 0.5);
    }
  });

  it('is monotone, gives 1 during warm-up and inverts to the band edge', () => {
    const cal = new OnlineTailCalibrator();
    expect(cal.tailProbability(100)).toBe(1);
    for (const z of exponentialSample(3000, 2)) cal.add(z);
    let prev = 1;
    for (let z = 0; z < 30; z += 0.25) {
      const p = cal.tailProbability(z);
      expect(p).toBeLessThanOrEqual(prev);
      prev = p;
    }
    const edge = cal.valueAtTailProbability(1e-4);
    expect(cal.tailProbability(edge * 1.01)).toBeLessThanOrEqual(1e-4 * 1.2);
    expect(cal.tailProbability(edge * 0.9)).toBeGreaterThan(1e-4);
  });

  it('trusts a value seen often, not one seen once', () => {
    const often = new OnlineTailCalibrator();
    const once = new OnlineTailCalibrator();
    const sample = exponentialSample(2000, 3);
    sample.forEach((z, i) => {
      often.add(i % 50 === 0 ? 40 : z);
      once.add(i === 1000 ? 40 : z);
    });
    expect(often.tailProbability(40)).toBeGreaterThan(0.002);
    expect(once.tailProbability(40)).toBeLessThan(1e-6);
  });

  it('learns down-weighted samples more slowly and forgets with its half-life', () => {
    const heavy = new OnlineTailCalibrator({ halfLife: 200 });
    const light = new OnlineTailCalibrator({ halfLife: 200 });
    for (const z of exponentialSample(1000, 4)) {
      heavy.add(z);
      light.add(z);
    }
    for (let i = 0; i < 20; i++) {
      heavy.add(20);
      light.add(20, 0.1);
    }
    expect(heavy.tailProbability(20)).toBeGreaterThan(light.tailProbability(20));
    for (const z of exponentialSample(2000, 5)) heavy.add(z);
    expect(heavy.tailProbability(20)).toBeLessThan(1e-4);
  });

  it('round-trips its state exactly', () => {
    const a = new OnlineTailCalibrator();
    const sample = exponentialSample(500, 6);
    for (const z of sample.subarray(0, 250)) a.add(z);
    const b = new OnlineTailCalibrator({}, JSON.parse(JSON.stringify(a.toJSON())));
    for (const z of sample.subarray(250)) {
      expect(b.tailProbability(z)).toBe(a.tailProbability(z));
      a.add(z);
      b.add(z);
    }
  });
});
