import { describe, expect, it } from 'vitest';
import { aucPr, aucRoc, confusion, f1, fpr, precision, recall } from './metrics.js';

describe('confusion-based metrics', () => {
  const scores = [0.9, 0.8, 0.6, 0.4, 0.3, 0.1];
  const labels = [true, false, true, true, false, false];

  it('counts score ≥ threshold against the labels', () => {
    expect(confusion(scores, labels, 0.6)).toEqual({ tp: 2, fp: 1, tn: 2, fn: 1 });
    expect(confusion(scores, labels, 0.95)).toEqual({ tp: 0, fp: 0, tn: 3, fn: 3 });
  });

  it('computes precision, recall, F1 and FPR', () => {
    const c = confusion(scores, labels, 0.6);
    expect(precision(c)).toBeCloseTo(2 / 3, 12);
    expect(recall(c)).toBeCloseTo(2 / 3, 12);
    expect(fpr(c)).toBeCloseTo(1 / 3, 12);
    expect(f1(precision(c), recall(c))).toBeCloseTo(2 / 3, 12);
    expect(f1(1, 0.5)).toBeCloseTo(2 / 3, 12);
  });

  it('gives 0 instead of dividing by zero', () => {
    expect(precision({ tp: 0, fp: 0 })).toBe(0);
    expect(recall({ tp: 0, fn: 0 })).toBe(0);
    expect(fpr({ fp: 0, tn: 0 })).toBe(0);
    expect(f1(0, 0)).toBe(0);
  });

  it('rejects scores and labels of different lengths', () => {
    expect(() => confusion([1, 2], [true], 0.5)).toThrow(RangeError);
  });
});

describe('aucPr', () => {
  it('is average precision over the ranking', () => {
    // Positives at ranks 1 and 3: AP = (1/2)(1/1) + (1/2)(2/3).
    expect(aucPr([0.9, 0.8, 0.7, 0.6], [true, false, true, false])).toBeCloseTo(5 / 6, 12);
  });

  it('is 1 for a perfect ranking and the positive share for a constant score', () => {
    expect(aucPr([4, 3, 2, 1], [true, true, false, false])).toBe(1);
    expect(aucPr([1, 1, 1, 1], [true, false, false, false])).toBeCloseTo(0.25, 12);
  });

  it('does not depend on the order of tied scores', () => {
    const a = aucPr([0.5, 0.5, 0.2], [true, false, true]);
    const b = aucPr([0.5, 0.5, 0.2], [false, true, true]);
    expect(a).toBeCloseTo(b, 12);
    expect(a).toBeCloseTo(0.5 * 0.5 + 0.5 * (2 / 3), 12);
  });

  it('ranks NaN last and is 0 without positives', () => {
    expect(aucPr([Number.NaN, 0.1], [false, true])).toBe(1);
    expect(aucPr([0.3, 0.2], [false, false])).toBe(0);
  });
});

describe('aucRoc', () => {
  it('is the probability that a positive outranks a negative, ties counting one half', () => {
    expect(aucRoc([0.9, 0.8, 0.7, 0.6], [true, false, true, false])).toBeCloseTo(0.75, 12);
    expect(aucRoc([1, 1], [true, false])).toBe(0.5);
    expect(aucRoc([3, 2, 1], [true, true, false])).toBe(1);
    expect(aucRoc([1, 2], [true, true])).toBe(0.5);
  });
});
