import { median } from '../features/robust-stats.js';
import { createRng, DEFAULT_SEED } from '../random/rng.js';

/** Options of {@link LocalOutlierFactor.fit}. */
export interface LocalOutlierFactorOptions {
  /**
   * Neighbours per point (LOF's MinPts); capped at the reference size minus one.
   * @defaultValue 20
   */
  k?: number;
  /**
   * Largest reference sample kept; more rows are subsampled uniformly (seeded), since scoring is brute force.
   * @defaultValue 2000
   */
  maxReference?: number;
  /**
   * Smallest per-feature scale, in feature units: a feature that barely varies in the reference is divided by
   * this instead of its tiny spread.
   * @defaultValue 1e-6
   */
  minScale?: number;
  /**
   * Smallest reachability distance, in standardized units, so that duplicate reference points give a finite
   * density.
   * @defaultValue 1e-3
   */
  minDistance?: number;
  /**
   * Seed of the reference subsample.
   * @defaultValue {@link DEFAULT_SEED}
   */
  seed?: number;
}

/** Serialized {@link LocalOutlierFactor}. */
export interface LocalOutlierFactorState {
  k: number;
  cols: number;
  minDistance: number;
  /** Per-feature median and scale used to standardize. */
  center: number[];
  scale: number[];
  /** Distinct standardized reference rows, row by row. */
  reference: number[];
  /** How many sampled rows each distinct reference row stands for. */
  multiplicity: number[];
  /** Distance of each reference point to its k-th nearest other reference point. */
  kDistance: number[];
  /** Local reachability density of each reference point. */
  lrd: number[];
  /** LOF of each distinct reference point among the others, for calibration. */
  referenceLof: number[];
}

/**
 * Local Outlier Factor (Breunig et al. 2000) of new points against a bounded reference sample, with exact
 * k-nearest neighbours by brute force. Features are standardized by median and scaled MAD (robust to the
 * outliers being looked for); duplicate rows count once (the LOF paper's k-distinct-distance), so that
 * heavily repeated values keep a finite density. The raw score is the LOF: about 1 inside a cluster, well
 * above 1 for a point whose local density is lower than its neighbours'. Calibrate it (its logarithm has a
 * lighter tail) with a `TailCalibrator` fitted on {@link LocalOutlierFactor.referenceScores}.
 *
 * @example
 * ```ts
 * const lof = LocalOutlierFactor.fit(data, rows, cols, { k: 20 });
 * const raw = lof.score([1.2, 3.4]);
 * ```
 */
export class LocalOutlierFactor {
  private readonly distances: Float64Array;

  private constructor(
    readonly k: number,
    readonly cols: number,
    private readonly minDistance: number,
    private readonly center: Float64Array,
    private readonly scale: Float64Array,
    private readonly reference: Float64Array,
    private readonly multiplicity: Int32Array,
    private readonly kDistance: Float64Array,
    private readonly lrd: Float64Array,
    private readonly referenceLof: Float64Array,
  ) {
    this.distances = new Float64Array(kDistance.length);
  }

  /** Fits on `rows × cols` values stored row by row in `data`. */
  static fit(
    data: ArrayLike<number>,
    rows: number,
    cols: number,
    options: LocalOutlierFactorOptions = {},
  ): LocalOutlierFactor {
    const { k = 20, maxReference = 2000, minScale = 1e-6, minDistance = 1e-3, seed = DEFAULT_SEED } = options;
    if (!(rows >= 1 && cols > 0))
      throw new RangeError('LocalOutlierFactor needs at least one row and one column');
    if (data.length < rows * cols)
      throw new RangeError(`data has ${data.length} values, expected ${rows * cols}`);
    const picked = sampleRows(rows, Math.max(2, maxReference), seed);
    const center = new Float64Array(cols);
    const scale = new Float64Array(cols);
    const column = new Float64Array(picked.length);
    for (let j = 0; j < cols; j++) {
      for (let i = 0; i < picked.length; i++) column[i] = data[picked[i] * cols + j];
      const [median, mad] = medianAndMad(column);
      center[j] = median;
      scale[j] = Math.max(1.4826 * mad, minScale);
    }
    // Duplicates collapse into one reference point with a multiplicity (LOF's k-distinct-distance), so that a
    // value repeated more than k times does not get an infinite density.
    const seen = new Map<string, number>();
    const distinct: number[] = [];
    const counts: number[] = [];
    const values = new Float64Array(cols);
    for (let i = 0; i < picked.length; i++) {
      for (let j = 0; j < cols; j++) values[j] = (data[picked[i] * cols + j] - center[j]) / scale[j];
      const key = values.join(',');
      const at = seen.get(key);
      if (at !== undefined) counts[at]++;
      else {
        seen.set(key, counts.length);
        distinct.push(...values);
        counts.push(1);
      }
    }
    const n = counts.length;
    // A lone distinct point has k-distance 0 and LOF 1; queries then get reach-distance / minDistance.
    const kk = Math.max(1, Math.min(k, n - 1));
    const kRef = Math.min(kk, n - 1);
    const reference = Float64Array.from(distinct);
    const multiplicity = Int32Array.from(counts);

    // Neighbour lists of every reference point (excluding itself), then k-distances, densities and LOFs.
    const neighbours = new Int32Array(n * kk);
    const neighbourDistance = new Float64Array(n * kk);
    const kDistance = new Float64Array(n);
    const dist = new Float64Array(n);
    const heap = new KSmallest(kk);
    for (let i = 0; i < n; i++) {
      distancesTo(reference, i * cols, reference, n, cols, dist);
      heap.clear();
      for (let o = 0; o < n; o++) if (o !== i) heap.offer(dist[o], o);
      kDistance[i] = kRef > 0 ? heap.maxDistance() : 0;
      for (let m = 0; m < kk; m++) {
        neighbours[i * kk + m] = heap.index[m];
        neighbourDistance[i * kk + m] = heap.distance[m];
      }
    }
    const lrd = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let reach = 0;
      for (let m = 0; m < kk; m++) {
        const o = neighbours[i * kk + m];
        reach += Math.max(kDistance[o], neighbourDistance[i * kk + m], minDistance);
      }
      lrd[i] = kRef > 0 ? kRef / reach : 1 / minDistance;
    }
    const referenceLof = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let m = 0; m < kk; m++) sum += lrd[neighbours[i * kk + m]];
      referenceLof[i] = kRef > 0 ? sum / kRef / lrd[i] : 1;
    }
    return new LocalOutlierFactor(
      kk,
      cols,
      minDistance,
      center,
      scale,
      reference,
      multiplicity,
      kDistance,
      lrd,
      referenceLof,
    );
  }

  /** Restores a model from {@link LocalOutlierFactor.toJSON}; scores are identical to the original's. */
  static fromJSON(state: LocalOutlierFactorState): LocalOutlierFactor {
    const n = state.kDistance.length;
    const lengths = [state.multiplicity.length, state.lrd.length, state.referenceLof.length];
    if (state.reference.length !== n * state.cols || lengths.some((l) => l !== n)) {
      throw new RangeError('LocalOutlierFactor state has arrays of inconsistent lengths');
    }
    return new LocalOutlierFactor(
      state.k,
      state.cols,
      state.minDistance,
      Float64Array.from(state.center),
      Float64Array.from(state.scale),
      Float64Array.from(state.reference),
      Int32Array.from(state.multiplicity),
      Float64Array.from(state.kDistance),
      Float64Array.from(state.lrd),
      Float64Array.from(state.referenceLof),
    );
  }

  /** Number of distinct reference points. */
  get referenceSize(): number {
    return this.kDistance.length;
  }

  /**
   * LOF of every sampled reference row (its distinct point's LOF among the other distinct points, once per
   * row it stands for): the sample to calibrate {@link LocalOutlierFactor.score} on.
   */
  referenceScores(): Float64Array {
    let total = 0;
    for (const m of this.multiplicity) total += m;
    const out = new Float64Array(total);
    let at = 0;
    for (let i = 0; i < this.multiplicity.length; i++) {
      out.fill(this.referenceLof[i], at, at + this.multiplicity[i]);
      at += this.multiplicity[i];
    }
    return out;
  }

  /** LOF of the row starting at `offset` in `row`, against the reference sample. */
  score(row: ArrayLike<number>, offset = 0): number {
    const { cols, k, center, scale, reference, kDistance, lrd, minDistance, distances } = this;
    const n = kDistance.length;
    const query = new Float64Array(cols);
    for (let j = 0; j < cols; j++) query[j] = (row[offset + j] - center[j]) / scale[j];
    distancesTo(query, 0, reference, n, cols, distances);
    const heap = new KSmallest(k);
    for (let o = 0; o < n; o++) heap.offer(distances[o], o);
    let reach = 0;
    let neighbourLrd = 0;
    for (let m = 0; m < k; m++) {
      const o = heap.index[m];
      reach += Math.max(kDistance[o], heap.distance[m], minDistance);
      neighbourLrd += lrd[o];
    }
    const queryLrd = k / reach;
    return neighbourLrd / k / queryLrd;
  }

  /** Serializable state. */
  toJSON(): LocalOutlierFactorState {
    return {
      k: this.k,
      cols: this.cols,
      minDistance: this.minDistance,
      center: Array.from(this.center),
      scale: Array.from(this.scale),
      reference: Array.from(this.reference),
      multiplicity: Array.from(this.multiplicity),
      kDistance: Array.from(this.kDistance),
      lrd: Array.from(this.lrd),
      referenceLof: Array.from(this.referenceLof),
    };
  }
}

/** Euclidean distances from the point at `from[offset…]` to each of the `n` rows of `rows`. */
function distancesTo(
  from: Float64Array,
  offset: number,
  rows: Float64Array,
  n: number,
  cols: number,
  out: Float64Array,
): void {
  for (let o = 0, base = 0; o < n; o++, base += cols) {
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const d = from[offset + j] - rows[base + j];
      sum += d * d;
    }
    out[o] = Math.sqrt(sum);
  }
}

/** Whether (d1, i1) orders after (d2, i2): by distance, then index, for deterministic neighbour sets. */
function after(d1: number, i1: number, d2: number, i2: number): boolean {
  return d1 > d2 || (d1 === d2 && i1 > i2);
}

/** The k smallest (distance, index) pairs offered, kept as a max-heap. */
class KSmallest {
  readonly distance: Float64Array;
  readonly index: Int32Array;
  private size = 0;

  constructor(private readonly k: number) {
    this.distance = new Float64Array(k);
    this.index = new Int32Array(k);
  }

  clear(): void {
    this.size = 0;
  }

  /** The largest distance kept: the k-distance once k values were offered. */
  maxDistance(): number {
    return this.size > 0 ? this.distance[0] : Number.POSITIVE_INFINITY;
  }

  offer(d: number, i: number): void {
    const { distance, index, k } = this;
    if (this.size < k) {
      let c = this.size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!after(d, i, distance[p], index[p])) break;
        distance[c] = distance[p];
        index[c] = index[p];
        c = p;
      }
      distance[c] = d;
      index[c] = i;
      return;
    }
    if (!after(distance[0], index[0], d, i)) return;
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= k) break;
      const r = l + 1;
      const big = r < k && after(distance[r], index[r], distance[l], index[l]) ? r : l;
      if (!after(distance[big], index[big], d, i)) break;
      distance[c] = distance[big];
      index[c] = index[big];
      c = big;
    }
    distance[c] = d;
    index[c] = i;
  }
}

/** Up to `max` distinct row indices out of `rows`, ascending; all of them when `rows ≤ max`. */
function sampleRows(rows: number, max: number, seed: number): Int32Array {
  const all = new Int32Array(rows);
  for (let i = 0; i < rows; i++) all[i] = i;
  if (rows <= max) return all;
  const rng = createRng(seed);
  for (let i = 0; i < max; i++) {
    const j = i + rng.int(rows - i);
    const tmp = all[i];
    all[i] = all[j];
    all[j] = tmp;
  }
  return all.slice(0, max).sort();
}

/** Median and median absolute deviation of a sample. */
function medianAndMad(values: Float64Array): [number, number] {
  const center = median(values);
  const dev = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) dev[i] = Math.abs(values[i] - center);
  return [center, median(dev)];
}
