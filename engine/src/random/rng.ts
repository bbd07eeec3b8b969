/** A seeded pseudo-random generator (mulberry32 over a 32-bit state); every model takes one for determinism. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** The generator's state, to serialize and restore. */
  state(): number;
}

/** Default seed of every model, so that two runs on the same input are identical. */
export const DEFAULT_SEED = 0x5eed;

/** Creates a generator from a seed (or from a state returned by {@link Rng.state}). */
export function createRng(seed: number = DEFAULT_SEED): Rng {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    state: () => s,
  };
}
