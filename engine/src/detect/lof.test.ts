import { describe, expect, it } from 'vitest';
import { aucRoc } from '../eval/metrics.js';
import { createRng } from '../random/rng.js';
import { LocalOutlierFactor } from './lof.js';

function gaussianRows(rows: number, cols: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    data[i] = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  }
  return data;
}

describe('LocalOutlierFactor', () => {
  it('scores planted far points above fresh points of the reference cloud', () => {
    const cols = 3;
    const lof = LocalOutlierFactor.fit(gaussianRows(1500, cols, 1), 1500, cols, { k: 20 });
    const fresh = gaussianRows(300, cols, 2);
    const scores: number[] = [];
    const labels: boolean[] = [];
    for (let r = 0; r < 300; r++) {
      scores.push(lof.score(fresh, r * cols));
      labels.push(false);
    }
    const rng = createRng(3);
    for (let r = 0; r < 15; r++) {
      const angle = 2 * Math.PI * rng.next();
      scores.push(lof.score([6 * Math.cos(angle), 6 * Math.sin(angle), 2 * rng.next() - 1]));
      labels.push(true);
    }
    expect(aucRoc(scores, labels)).toBeGreaterThanOrEqual(0.9);
    const inside = scores.slice(0, 300).sort((a, b) => a - b);
    expect(inside[150]).toBeGreaterThan(0.8);
    expect(inside[150]).toBeLessThan(1.3);
  });

  it('is robust to a feature scale: multiplying a column changes nothing', () => {
    const data = gaussianRows(400, 2, 4);
    const scaled = data.map((x, i) => (i % 2 === 0 ? x * 1000 : x));
    const a = LocalOutlierFactor.fit(data, 400, 2, { k: 10 });
    const b = LocalOutlierFactor.fit(scaled, 400, 2, { k: 10 });
    expect(b.score([3000, 1])).toBeCloseTo(a.score([3, 1]), 6);
  });

  it('keeps densities finite when a value repeats more than k times', () => {
    const data = new Float64Array(200);
    for (let r = 0; r < 100; r++) data[2 * r] = r < 60 ? 0 : r % 7;
    const lof = LocalOutlierFactor.fit(data, 100, 2, { k: 5, minScale: 1 });
    expect(lof.referenceSize).toBe(7);
    expect(lof.referenceScores()).toHaveLength(100);
    for (const s of lof.referenceScores()) expect(Number.isFinite(s)).toBe(true);
    expect(lof.score([0, 0])).toBeLessThan(lof.score([40, 0]));
  });

  it('bounds the reference sample and is deterministic for a seed', () => {
    const data = gaussianRows(3000, 2, 5);
    const a = LocalOutlierFactor.fit(data, 3000, 2, { maxReference: 500, seed: 7 });
    const b = LocalOutlierFactor.fit(data, 3000, 2, { maxReference: 500, seed: 7 });
    const c = LocalOutlierFactor.fit(data, 3000, 2, { maxReference: 500, seed: 8 });
    expect(a.referenceSize).toBe(500);
    expect(b.toJSON()).toEqual(a.toJSON());
    expect(c.score([2, 2])).not.toBe(a.score([2, 2]));
  });

  it('round-trips through JSON with identical scores', () => {
    const data = gaussianRows(300, 4, 6);
    const lof = LocalOutlierFactor.fit(data, 300, 4, { k: 15 });
    const copy = LocalOutlierFactor.fromJSON(JSON.parse(JSON.stringify(lof.toJSON())));
    for (const q of [
      [0, 0, 0, 0],
      [3, -2, 1, 0.5],
      [10, 10, 10, 10],
    ])
      expect(copy.score(q)).toBe(lof.score(q));
    expect(copy.referenceScores()).toEqual(lof.referenceScores());
  });

  it('handles a reference of one distinct row', () => {
    const lof = LocalOutlierFactor.fit(new Float64Array(10), 5, 2);
    expect(lof.referenceScores()).toEqual(new Float64Array(5).fill(1));
    expect(lof.score([0, 0])).toBe(1);
    expect(lof.score([1, 0])).toBeGreaterThan(1000);
  });
});
