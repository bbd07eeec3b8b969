import type { Rng } from '../random/rng.js';

/** Samples indices of a fixed discrete distribution in constant time (Walker's alias method). */
export interface AliasTable {
  /** Number of outcomes. */
  readonly size: number;
  /** Draws an index with probability proportional to its weight, using one random number. */
  pick(rng: Rng): number;
}

/** A set of weights that cannot form a distribution. */
export class InvalidWeightsError extends Error {
  override name = 'InvalidWeightsError';
}

/**
 * Builds an alias table from non-negative weights (they need not sum to 1; zero weights are never drawn).
 *
 * @example createAliasTable([3, 1]).pick(rng) // 0 three times out of four
 */
export function createAliasTable(weights: readonly number[]): AliasTable {
  const n = weights.length;
  let total = 0;
  for (const w of weights) {
    if (!(w >= 0) || !Number.isFinite(w))
      throw new InvalidWeightsError(`weight ${w} is not a finite number ≥ 0`);
    total += w;
  }
  if (n === 0 || total <= 0) throw new InvalidWeightsError('weights must contain a positive value');
  const prob = new Float64Array(n);
  const alias = new Int32Array(n);
  const scaled = weights.map((w) => (w * n) / total);
  const small: number[] = [];
  const large: number[] = [];
  for (let i = 0; i < n; i++) (scaled[i] < 1 ? small : large).push(i);
  for (;;) {
    const s = small.pop();
    const l = large.pop();
    if (s === undefined || l === undefined) {
      if (s !== undefined) prob[s] = 1;
      if (l !== undefined) prob[l] = 1;
      for (const i of small) prob[i] = 1;
      for (const i of large) prob[i] = 1;
      break;
    }
    prob[s] = scaled[s];
    alias[s] = l;
    scaled[l] += scaled[s] - 1;
    (scaled[l] < 1 ? small : large).push(l);
  }
  return {
    size: n,
    pick(rng) {
      const u = rng.next() * n;
      const i = u | 0;
      return u - i < prob[i] ? i : alias[i];
    },
  };
}
