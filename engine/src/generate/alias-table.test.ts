import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { createAliasTable, InvalidWeightsError } from './alias-table.js';

describe('createAliasTable', () => {
  it('draws each outcome in proportion to its weight and never a zero weight', () => {
    const weights = [5, 0, 1, 3, 0.5, 0.5];
    const table = createAliasTable(weights);
    const rng = createRng(3);
    const counts = new Array(weights.length).fill(0);
    const n = 200_000;
    for (let i = 0; i < n; i++) counts[table.pick(rng)]++;
    const total = weights.reduce((a, b) => a + b, 0);
    weights.forEach((w, i) => {
      expect(counts[i] / n).toBeCloseTo(w / total, 2);
    });
    expect(counts[1]).toBe(0);
  });

  it('rejects weights that form no distribution', () => {
    expect(() => createAliasTable([])).toThrow(InvalidWeightsError);
    expect(() => createAliasTable([0, 0])).toThrow(InvalidWeightsError);
    expect(() => createAliasTable([1, -1])).toThrow(InvalidWeightsError);
    expect(() => createAliasTable([1, Number.NaN])).toThrow(InvalidWeightsError);
  });
});
