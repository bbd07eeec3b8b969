import { describe, expect, it } from 'vitest';
import { aucRoc } from '../eval/metrics.js';
import { createRng } from '../random/rng.js';
import { averagePathLength, IsolationForest } from './isolation-forest.js';

/** `rows` standard Gaussian rows of `cols` features, then `planted` rows at distance 6–8 σ. */
function cloudWithOutliers(rows: number, cols: number, planted: number, seed: number) {
  const rng = createRng(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const total = rows + planted;
  const data = new Float64Array(total * cols);
  const labels: boolean[] = [];
  for (let r = 0; r < total; r++) {
    const far = r >= rows;
    labels.push(far);
    for (let j = 0; j < cols; j++) data[r * cols + j] = normal();
    if (far) {
      let norm = 0;
      for (let j = 0; j < cols; j++) norm += data[r * cols + j] ** 2;
      const radius = 6 + 2 * rng.next();
      for (let j = 0; j < cols; j++) data[r * cols + j] *= radius / Math.sqrt(norm);
    }
  }
  return { data, rows: total, labels };
}

/** Depth of the deepest node of every tree, from the serialized node arrays. */
function treeHeights(forest: IsolationForest): number[] {
  const { roots, feature, left, right } = forest.toJSON();
  return roots.map((root) => {
    let deepest = 0;
    const pending: [number, number][] = [[root, 0]];
    for (let item = pending.pop(); item; item = pending.pop()) {
      const [node, depth] = item;
      deepest = Math.max(deepest, depth);
      if (feature[node] >= 0) pending.push([left[node], depth + 1], [right[node], depth + 1]);
    }
    return deepest;
  });
}

describe('averagePathLength', () => {
  it('follows c(n) = 2H(n−1) − 2(n−1)/n with c(1) = 0 and c(2) = 1', () => {
    expect(averagePathLength(0)).toBe(0);
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    expect(averagePathLength(3)).toBeCloseTo(1.2073923576, 9);
    expect(averagePathLength(256)).toBeCloseTo(10.2447709201, 9);
    expect(averagePathLength(100_000)).toBeCloseTo(22.1802822596, 9);
  });
});

describe('IsolationForest', () => {
  it('ranks planted far points above a Gaussian cloud', () => {
    const { data, rows, labels } = cloudWithOutliers(2000, 4, 20, 1);
    const scores = IsolationForest.fit(data, rows, 4, { seed: 3 }).scoreAll(data, rows);
    expect(aucRoc(scores, labels)).toBeGreaterThanOrEqual(0.9);
    for (const s of scores) {
      expect(s).toBeGreaterThan(0);
      expect(s).toBeLessThanOrEqual(1);
    }
  });

  it('grows each tree on a subsample of ψ rows, to depth ceil(log2 ψ) at most', () => {
    const { data, rows } = cloudWithOutliers(1000, 3, 0, 2);
    const forest = IsolationForest.fit(data, rows, 3, { trees: 20, sampleSize: 64, seed: 1 });
    const state = forest.toJSON();
    expect(forest.sampleSize).toBe(64);
    expect(state.roots.map((root) => state.size[root])).toEqual(new Array(20).fill(64));
    expect(Math.max(...treeHeights(forest))).toBeLessThanOrEqual(6);
    const small = IsolationForest.fit(data, 50, 3, { trees: 5, seed: 1 });
    expect(small.sampleSize).toBe(50);
  });

  it('scores every row alike through scoreAll and scoreRow', () => {
    const { data, rows } = cloudWithOutliers(203, 3, 4, 5);
    const forest = IsolationForest.fit(data, rows, 3, { seed: 9 });
    const all = forest.scoreAll(data, rows);
    for (let r = 0; r < rows; r++) expect(all[r]).toBe(forest.scoreRow(data, r * 3));
    expect(forest.scoreRow(Array.from(data.subarray(6, 9)))).toBe(all[2]);
  });

  it('round-trips through JSON with identical scores', () => {
    const { data, rows } = cloudWithOutliers(500, 5, 5, 7);
    const forest = IsolationForest.fit(data, rows, 5, { seed: 11 });
    const copy = IsolationForest.fromJSON(JSON.parse(JSON.stringify(forest.toJSON())));
    expect(copy.scoreAll(data, rows)).toEqual(forest.scoreAll(data, rows));
    expect(copy.toJSON()).toEqual(forest.toJSON());
  });

  it('is deterministic for a seed and changes with it', () => {
    const { data, rows } = cloudWithOutliers(500, 3, 0, 8);
    const a = IsolationForest.fit(data, rows, 3, { seed: 4 });
    const b = IsolationForest.fit(data, rows, 3, { seed: 4 });
    const c = IsolationForest.fit(data, rows, 3, { seed: 5 });
    expect(b.toJSON()).toEqual(a.toJSON());
    expect(c.scoreAll(data, rows)).not.toEqual(a.scoreAll(data, rows));
  });

  it('gives out-of-bag scores that also separate the planted points', () => {
    const { data, rows, labels } = cloudWithOutliers(1500, 3, 15, 12);
    const { forest, outOfBag } = IsolationForest.fitOutOfBag(data, rows, 3, { seed: 2 });
    expect(outOfBag).toHaveLength(rows);
    expect(aucRoc(outOfBag, labels)).toBeGreaterThanOrEqual(0.9);
    expect(forest.trees).toBe(100);
  });

  it('keeps constant data in one leaf per tree', () => {
    const data = new Float64Array(40).fill(3);
    const forest = IsolationForest.fit(data, 20, 2, { trees: 3 });
    expect(forest.toJSON().feature).toEqual([-1, -1, -1]);
    expect(forest.scoreRow([3, 3])).toBeCloseTo(0.5, 12);
  });

  it('rejects data shorter than rows × cols', () => {
    expect(() => IsolationForest.fit(new Float64Array(5), 3, 2)).toThrow(RangeError);
  });
});
