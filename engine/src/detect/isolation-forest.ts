import { createRng, DEFAULT_SEED } from '../random/rng.js';

const EULER_GAMMA = 0.5772156649;

/**
 * Average path length of an unsuccessful search in a binary search tree of `n` points, the normaliser of
 * Isolation Forest path lengths (Liu, Ting & Zhou): `c(n) = 2H(n−1) − 2(n−1)/n` with `H(i) = ln i + γ`;
 * `c(2) = 1` and `c(n) = 0` for `n ≤ 1`.
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/** Options of {@link IsolationForest.fit}. */
export interface IsolationForestOptions {
  /**
   * Number of isolation trees.
   * @defaultValue 100
   */
  trees?: number;
  /**
   * Subsample size ψ drawn without replacement for each tree (capped at the number of rows).
   * @defaultValue 256
   */
  sampleSize?: number;
  /**
   * Seed of the generator that draws subsamples, features and split values.
   * @defaultValue {@link DEFAULT_SEED}
   */
  seed?: number;
}

/** Serialized {@link IsolationForest}: every tree's nodes in flat arrays, trees back to back. */
export interface IsolationForestState {
  cols: number;
  /** Subsample size actually used per tree (ψ). */
  sampleSize: number;
  /** Index of each tree's root node. */
  roots: number[];
  /** Split feature of each node, −1 at an external node. */
  feature: number[];
  /** Split value of each internal node: right when `x ≥ value`, else (NaN too) left; 0 at external nodes. */
  value: number[];
  left: number[];
  right: number[];
  /** Training points that reached the node (external nodes use it for the `c(size)` adjustment). */
  size: number[];
}

/**
 * Isolation Forest (Liu, Ting & Zhou 2008) on row-major numeric data. Each tree isolates a random subsample
 * of ψ rows by random axis-parallel splits up to depth `ceil(log2 ψ)`; a point's raw score is
 * `2^(−E(h)/c(ψ))`, where `h` is its path length plus `c(size)` at the external node it reaches. Raw scores
 * lie in (0, 1]: about 0.5 for ordinary points, near 1 for points that are easy to isolate. Calibrate them
 * with a `TailCalibrator` before reporting.
 *
 * @example
 * ```ts
 * const forest = IsolationForest.fit(data, rows, cols, { seed: 7 });
 * const raw = forest.scoreAll(data, rows);
 * ```
 */
export class IsolationForest {
  /** Per node: depth + c(size) at external nodes, so that scoring needs one load per tree at the leaf. */
  private readonly leafPath: Float64Array;
  /** Scoring layout: left child (the node itself at an external node; the right child is `left + 1`). */
  private readonly next: Int32Array;
  /** Scoring layout: split feature (0 at an external node). */
  private readonly splitFeature: Int32Array;
  /** Scoring layout: split value (+∞ at an external node, so that traversal stays there). */
  private readonly splitValue: Float64Array;
  /** Depth of each tree's deepest node: the fixed number of traversal steps. */
  private readonly height: Int32Array;
  private readonly normaliser: number;

  private constructor(
    readonly cols: number,
    readonly sampleSize: number,
    private readonly roots: Int32Array,
    private readonly feature: Int32Array,
    private readonly value: Float64Array,
    private readonly left: Int32Array,
    private readonly right: Int32Array,
    private readonly size: Int32Array,
  ) {
    const n = size.length;
    this.leafPath = new Float64Array(n);
    this.next = new Int32Array(n);
    this.splitFeature = new Int32Array(n);
    this.splitValue = new Float64Array(n);
    this.height = new Int32Array(roots.length);
    for (let t = 0; t < roots.length; t++) {
      const pending = [roots[t], 0];
      while (pending.length > 0) {
        const depth = pending.pop() ?? 0;
        const node = pending.pop() ?? 0;
        if (depth > this.height[t]) this.height[t] = depth;
        if (feature[node] < 0) {
          this.leafPath[node] = depth + averagePathLength(size[node]);
          this.next[node] = node;
          this.splitValue[node] = Number.POSITIVE_INFINITY;
          continue;
        }
        if (right[node] !== left[node] + 1) throw new RangeError('IsolationForest children must be adjacent');
        this.next[node] = left[node];
        this.splitFeature[node] = feature[node];
        this.splitValue[node] = value[node];
        pending.push(left[node], depth + 1, right[node], depth + 1);
      }
    }
    this.normaliser = averagePathLength(sampleSize);
  }

  /** Grows the forest on `rows × cols` values stored row by row in `data`. */
  static fit(
    data: ArrayLike<number>,
    rows: number,
    cols: number,
    options: IsolationForestOptions = {},
  ): IsolationForest {
    return IsolationForest.grow(data, rows, cols, options, null);
  }

  /**
   * Grows the forest and also returns each training row's out-of-bag raw score: its mean path length over the
   * trees whose subsample did not contain it (over all trees when every tree saw it). These are honest scores
   * of the training rows, the sample to calibrate on.
   */
  static fitOutOfBag(
    data: ArrayLike<number>,
    rows: number,
    cols: number,
    options: IsolationForestOptions = {},
  ): { forest: IsolationForest; outOfBag: Float64Array } {
    const trees = options.trees ?? 100;
    const psi = Math.max(1, Math.min(options.sampleSize ?? 256, rows));
    const samples = new Int32Array(trees * psi);
    const forest = IsolationForest.grow(data, rows, cols, options, samples);
    return { forest, outOfBag: forest.outOfBagScores(data, rows, samples) };
  }

  private static grow(
    data: ArrayLike<number>,
    rows: number,
    cols: number,
    options: IsolationForestOptions,
    samples: Int32Array | null,
  ): IsolationForest {
    const { trees = 100, sampleSize = 256, seed = DEFAULT_SEED } = options;
    if (!(rows > 0 && cols > 0))
      throw new RangeError('IsolationForest needs at least one row and one column');
    if (data.length < rows * cols)
      throw new RangeError(`data has ${data.length} values, expected ${rows * cols}`);
    const rng = createRng(seed);
    const psi = Math.max(1, Math.min(sampleSize, rows));
    const heightLimit = Math.ceil(Math.log2(Math.max(psi, 2)));
    const maxNodes = trees * (2 * psi - 1);
    const feature = new Int32Array(maxNodes);
    const value = new Float64Array(maxNodes);
    const left = new Int32Array(maxNodes);
    const right = new Int32Array(maxNodes);
    const size = new Int32Array(maxNodes);
    const roots = new Int32Array(trees);
    const perm = new Int32Array(rows);
    for (let i = 0; i < rows; i++) perm[i] = i;
    const sample = new Int32Array(psi);
    const featureOrder = new Int32Array(cols);
    // Work stack of pending nodes: node index, start, end (in `sample`), depth.
    const stack = new Int32Array(4 * (2 * psi + 2));
    let nodes = 0;

    for (let t = 0; t < trees; t++) {
      // Partial Fisher–Yates: the first ψ entries of `perm` become a uniform sample without replacement.
      for (let i = 0; i < psi; i++) {
        const j = i + rng.int(rows - i);
        const tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
        sample[i] = perm[i];
      }
      if (samples) samples.set(sample, t * psi);
      roots[t] = nodes;
      let top = 0;
      stack[top++] = nodes++;
      stack[top++] = 0;
      stack[top++] = psi;
      stack[top++] = 0;
      while (top > 0) {
        const depth = stack[--top];
        const end = stack[--top];
        const start = stack[--top];
        const node = stack[--top];
        const n = end - start;
        size[node] = n;
        feature[node] = -1;
        if (depth >= heightLimit || n <= 1) continue;
        const split = chooseSplit(data, cols, sample, start, end, featureOrder, rng.next);
        if (split === null) continue;
        const [q, threshold] = split;
        let mid = start;
        for (let i = start; i < end; i++) {
          const r = sample[i];
          // Written as "not ≥" so that NaN goes left, as in the branch-free traversal.
          if (!(data[r * cols + q] >= threshold)) {
            sample[i] = sample[mid];
            sample[mid++] = r;
          }
        }
        const l = nodes++;
        const rt = nodes++;
        feature[node] = q;
        value[node] = threshold;
        left[node] = l;
        right[node] = rt;
        stack[top++] = rt;
        stack[top++] = mid;
        stack[top++] = end;
        stack[top++] = depth + 1;
        stack[top++] = l;
        stack[top++] = start;
        stack[top++] = mid;
        stack[top++] = depth + 1;
      }
    }
    return new IsolationForest(
      cols,
      psi,
      roots,
      feature.slice(0, nodes),
      value.slice(0, nodes),
      left.slice(0, nodes),
      right.slice(0, nodes),
      size.slice(0, nodes),
    );
  }

  /** Restores a forest from {@link IsolationForest.toJSON}; scores are identical to the original's. */
  static fromJSON(state: IsolationForestState): IsolationForest {
    const n = state.feature.length;
    if (
      state.value.length !== n ||
      state.left.length !== n ||
      state.right.length !== n ||
      state.size.length !== n
    ) {
      throw new RangeError('IsolationForest state has node arrays of different lengths');
    }
    return new IsolationForest(
      state.cols,
      state.sampleSize,
      Int32Array.from(state.roots),
      Int32Array.from(state.feature),
      Float64Array.from(state.value),
      Int32Array.from(state.left),
      Int32Array.from(state.right),
      Int32Array.from(state.size),
    );
  }

  /** Number of trees. */
  get trees(): number {
    return this.roots.length;
  }

  /** Mean path length `E(h)` of the row starting at `offset` in `row`. */
  meanPathLength(row: ArrayLike<number>, offset = 0): number {
    const { roots, height, next, splitFeature, splitValue, leafPath } = this;
    let total = 0;
    for (let t = 0; t < roots.length; t++) {
      let node = roots[t];
      for (let h = height[t]; h > 0; h--) {
        node = next[node] + +(row[offset + splitFeature[node]] >= splitValue[node]);
      }
      total += leafPath[node];
    }
    return total / roots.length;
  }

  /** Raw anomaly score `2^(−E(h)/c(ψ))` in (0, 1] of the row starting at `offset` in `row`. */
  scoreRow(row: ArrayLike<number>, offset = 0): number {
    return this.rawScore(this.meanPathLength(row, offset));
  }

  /**
   * Raw scores of `rows` rows stored row by row in `data`. Trees are outermost so that each stays in cache;
   * every row takes the same number of branch-free steps per tree (external nodes point to themselves, `+(x
   * >= v)` picks the child without a branch), and four rows walk together so that the processor overlaps
   * their loads.
   */
  scoreAll(data: ArrayLike<number>, rows: number): Float64Array {
    const { roots, height, next, splitFeature: f, splitValue: v, leafPath, cols } = this;
    if (data.length < rows * cols)
      throw new RangeError(`data has ${data.length} values, expected ${rows * cols}`);
    const sums = new Float64Array(rows);
    const blocked = rows - (rows % 4);
    for (let t = 0; t < roots.length; t++) {
      const root = roots[t];
      const steps = height[t];
      for (let r = 0; r < blocked; r += 4) {
        const o0 = r * cols;
        const o1 = o0 + cols;
        const o2 = o1 + cols;
        const o3 = o2 + cols;
        let a = root;
        let b = root;
        let c = root;
        let d = root;
        for (let h = steps; h > 0; h--) {
          a = next[a] + +(data[o0 + f[a]] >= v[a]);
          b = next[b] + +(data[o1 + f[b]] >= v[b]);
          c = next[c] + +(data[o2 + f[c]] >= v[c]);
          d = next[d] + +(data[o3 + f[d]] >= v[d]);
        }
        sums[r] += leafPath[a];
        sums[r + 1] += leafPath[b];
        sums[r + 2] += leafPath[c];
        sums[r + 3] += leafPath[d];
      }
      for (let r = blocked; r < rows; r++) {
        const o = r * cols;
        let a = root;
        for (let h = steps; h > 0; h--) a = next[a] + +(data[o + f[a]] >= v[a]);
        sums[r] += leafPath[a];
      }
    }
    for (let r = 0; r < rows; r++) sums[r] = this.rawScore(sums[r] / roots.length);
    return sums;
  }

  /** Out-of-bag raw scores of the training rows, given each tree's subsample (`trees × ψ` row indices). */
  private outOfBagScores(data: ArrayLike<number>, rows: number, samples: Int32Array): Float64Array {
    const { roots, height, next, splitFeature: f, splitValue: v, leafPath, cols, sampleSize: psi } = this;
    const sums = new Float64Array(rows);
    const counts = new Int32Array(rows);
    const inBag = new Uint8Array(rows);
    for (let t = 0; t < roots.length; t++) {
      for (let i = t * psi; i < (t + 1) * psi; i++) inBag[samples[i]] = 1;
      for (let r = 0; r < rows; r++) {
        if (inBag[r] === 1) continue;
        const o = r * cols;
        let a = roots[t];
        for (let h = height[t]; h > 0; h--) a = next[a] + +(data[o + f[a]] >= v[a]);
        sums[r] += leafPath[a];
        counts[r]++;
      }
      for (let i = t * psi; i < (t + 1) * psi; i++) inBag[samples[i]] = 0;
    }
    const out = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      out[r] = counts[r] > 0 ? this.rawScore(sums[r] / counts[r]) : this.scoreRow(data, r * cols);
    }
    return out;
  }

  /** Serializable state: the flat node arrays. */
  toJSON(): IsolationForestState {
    return {
      cols: this.cols,
      sampleSize: this.sampleSize,
      roots: Array.from(this.roots),
      feature: Array.from(this.feature),
      value: Array.from(this.value),
      left: Array.from(this.left),
      right: Array.from(this.right),
      size: Array.from(this.size),
    };
  }

  private rawScore(meanPath: number): number {
    return this.normaliser > 0 ? 2 ** (-meanPath / this.normaliser) : 0.5;
  }
}

/**
 * Picks a split for the rows `sample[start, end)`: features in random order until one is not constant there,
 * then a split value uniform in (min, max). Null when every feature is constant (the node stays external).
 */
function chooseSplit(
  data: ArrayLike<number>,
  cols: number,
  sample: Int32Array,
  start: number,
  end: number,
  order: Int32Array,
  random: () => number,
): [number, number] | null {
  for (let i = 0; i < cols; i++) order[i] = i;
  for (let tried = 0; tried < cols; tried++) {
    const pick = tried + Math.floor(random() * (cols - tried));
    const q = order[pick];
    order[pick] = order[tried];
    order[tried] = q;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = start; i < end; i++) {
      const x = data[sample[i] * cols + q];
      if (x < min) min = x;
      if (x > max) max = x;
    }
    if (max > min) {
      const threshold = min + random() * (max - min);
      // Guard against rounding onto `min`, which would leave the left child empty.
      return [q, threshold > min ? threshold : max];
    }
  }
  return null;
}
