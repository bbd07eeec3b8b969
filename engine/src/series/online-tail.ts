import { decodeF64, type EncodedArray, encodeF64 } from './state-codec.js';

/** Options of {@link OnlineTailCalibrator}. */
export interface OnlineTailOptions {
  /**
   * Half-life of the memory, in samples: a sample this old weighs half as much as the newest.
   * @defaultValue 2000
   */
  halfLife?: number;
  /**
   * Upper-tail fraction modelled as exponential beyond its threshold u (peaks over threshold).
   * @defaultValue 0.05
   */
  tailFraction?: number;
  /**
   * Samples seen before any probability below 1 is given (warm-up).
   * @defaultValue 30
   */
  minSamples?: number;
  /**
   * Fewest (decayed) samples at or beyond a value before their empirical frequency is trusted over the
   * exponential tail: a value seen once or twice before is still rare.
   * @defaultValue 3
   */
  minTailCount?: number;
  /**
   * Consecutive samples that make one independent observation (about the span of a moving average): warm-up,
   * the empirical tail's trust and the tail fit's confidence count independent observations, not samples.
   * @defaultValue 1
   */
  correlation?: number;
  /**
   * Samples during which no probability below 1/(samples + 1) is given: a tail fitted on a handful of
   * exceedances does not extrapolate yet.
   * @defaultValue 0
   */
  burnIn?: number;
}

/** Serialized {@link OnlineTailCalibrator}. */
export interface OnlineTailState {
  hist: EncodedArray;
  /** The cumulative histogram as of the last refit. */
  suffix: EncodedArray;
  vars: EncodedArray;
}

const BINS = 96;
const Z_MIN = 0.01;
const Z_MAX = 1e5;
const RATIO = (Z_MAX / Z_MIN) ** (1 / (BINS - 1));
const LOG_RATIO = Math.log(RATIO);
const RESCALE_AT = 1e150;
const BETA_FLOOR = 0.02;
/** Standard errors added to β (its relative standard error is 1/√exceedances). */
const BETA_BOUND = 0.5;
/** The exponential tail is refitted after this many new samples (it moves slowly; refitting is O(bins)). */
const REFIT_EVERY = 16;

// Slots of `vars`.
const TOTAL = 0;
const WEIGHT = 1;
const COUNT = 2;
const U = 3;
const BETA = 4;
/** Samples added since the last refit. */
const DIRTY = 5;
const MAX_SEEN = 6;
/** The decay weight at the last refit. */
const REFIT_WEIGHT = 7;
const VARS = 8;

const LOWS = new Float64Array(BINS + 1);
for (let k = 1; k <= BINS; k++) LOWS[k] = Z_MIN * RATIO ** (k - 1);

/** Lower edge of bin k (bin 0 is [0, Z_MIN)); the last bin is open-ended. */
function binLow(k: number): number {
  return LOWS[k];
}

function binOf(z: number): number {
  if (z < Z_MIN) return 0;
  const k = 1 + Math.floor(Math.log(z / Z_MIN) / LOG_RATIO);
  return Math.min(k, BINS);
}

/**
 * An adaptive, online estimate of the upper-tail probability P(Z ≥ z) of a nonnegative statistic under its own
 * recent history: an exponentially decayed histogram on log-spaced bins (so memory is fixed, ~800 bytes), read
 * empirically where at least `minTailCount` samples back it, and beyond that by an exponential tail fitted to the
 * excesses over the `1 − tailFraction` quantile. Samples may carry a weight below 1, which is how a model learns
 * anomalies more slowly than normal behaviour. Deterministic; state round-trips exactly.
 *
 * @example
 * ```ts
 * const cal = new OnlineTailCalibrator();
 * for (const z of history) cal.add(z);
 * const p = cal.tailProbability(7.5); // e.g. 2e-5
 * ```
 */
export class OnlineTailCalibrator {
  private readonly hist: Float64Array;
  private readonly vars: Float64Array;
  /** Mass at or above each bin's lower edge, as of the last refit (O(1) empirical reads). */
  private readonly suffix: Float64Array;
  /** Memo of the last {@link valueAtTailProbability} query, cleared by every refit. */
  private bandP = Number.NaN;
  private bandZ = Number.NaN;
  private readonly growth: number;
  private readonly q: number;
  private readonly minSamples: number;
  private readonly minTailCount: number;
  private readonly correlation: number;
  private readonly burnIn: number;

  constructor(options: OnlineTailOptions = {}, state?: OnlineTailState) {
    const {
      halfLife = 2000,
      tailFraction = 0.05,
      minSamples = 30,
      minTailCount = 3,
      correlation = 1,
      burnIn = 0,
    } = options;
    this.burnIn = burnIn;
    this.growth = 2 ** (1 / halfLife);
    this.q = tailFraction;
    this.correlation = correlation;
    this.minSamples = minSamples * correlation;
    this.minTailCount = minTailCount * correlation;
    if (state) {
      this.hist = decodeF64(state.hist, 'hist', BINS + 1);
      this.suffix = decodeF64(state.suffix, 'suffix', BINS + 2);
      this.vars = decodeF64(state.vars, 'vars', VARS);
    } else {
      this.hist = new Float64Array(BINS + 1);
      this.suffix = new Float64Array(BINS + 2);
      this.vars = new Float64Array(VARS);
      this.vars[WEIGHT] = 1;
      this.vars[BETA] = 1;
      this.vars[DIRTY] = REFIT_EVERY;
    }
  }

  /** Samples seen (undecayed). */
  get count(): number {
    return this.vars[COUNT];
  }

  /** Learns one sample (NaN and negative values are ignored; +∞ counts as the largest value). */
  add(z: number, weight = 1): void {
    if (!(z >= 0) || !(weight > 0)) return;
    const v = this.vars;
    const x = Math.min(z, Z_MAX);
    v[WEIGHT] *= this.growth;
    const w = v[WEIGHT] * weight;
    this.hist[binOf(x)] += w;
    v[TOTAL] += w;
    v[COUNT]++;
    if (x > v[MAX_SEEN]) v[MAX_SEEN] = x;
    v[DIRTY]++;
    if (v[WEIGHT] > RESCALE_AT) {
      const s = v[WEIGHT];
      for (let k = 0; k <= BINS; k++) this.hist[k] /= s;
      for (let k = 0; k <= BINS; k++) this.suffix[k] /= s;
      v[REFIT_WEIGHT] /= s;
      v[TOTAL] /= s;
      v[WEIGHT] = 1;
      this.bandP = Number.NaN;
    }
  }

  /** Estimated P(Z ≥ z) under the recent history; 1 during warm-up or for NaN. */
  tailProbability(z: number): number {
    const v = this.vars;
    if (v[COUNT] < this.minSamples || Number.isNaN(z) || !(v[TOTAL] > 0)) return 1;
    if (v[DIRTY] >= REFIT_EVERY) this.refit();
    const emp = this.empirical(z);
    if (z <= v[U]) return emp > this.q ? Math.min(1, emp) : this.q;
    const expTail = this.q * Math.exp(-(z - v[U]) / v[BETA]);
    if (v[COUNT] < this.burnIn) return Math.max(emp, expTail, 1 / (v[COUNT] + 1));
    return Math.max(emp, expTail);
  }

  /**
   * The smallest z whose tail probability is at most `p` (for `p < tailFraction`): the edge of the normal band
   * at a given rarity. NaN during warm-up.
   */
  valueAtTailProbability(p: number): number {
    const v = this.vars;
    if (v[COUNT] < this.minSamples || !(v[TOTAL] > 0)) return Number.NaN;
    if (v[DIRTY] >= REFIT_EVERY) this.refit();
    if (p === this.bandP) return this.bandZ;
    const zExp = v[U] + v[BETA] * Math.log(this.q / Math.min(p, this.q));
    // The empirical tail (as of the refit) is trusted from minTailCount samples on.
    const sfx = this.suffix;
    const level = Math.max(p * sfx[0], this.minTailCount * v[REFIT_WEIGHT]);
    let z = zExp;
    for (let k = BINS; k > 0; k--) {
      const low = binLow(k);
      const high = k === BINS ? Math.max(v[MAX_SEEN], low) : binLow(k + 1);
      if (high <= zExp) break;
      if (sfx[k] >= level) {
        const mass = sfx[k] - sfx[k + 1];
        const zEmp = high - ((level - sfx[k + 1]) / mass) * (high - low);
        if (zEmp > z) z = zEmp;
        break;
      }
    }
    this.bandP = p;
    this.bandZ = z;
    return z;
  }

  /** Serializable state (the options are not stored: pass the same ones to restore). */
  toJSON(): OnlineTailState {
    return { hist: encodeF64(this.hist), suffix: encodeF64(this.suffix), vars: encodeF64(this.vars) };
  }

  /** Empirical P(Z ≥ z) as of the last refit, or 0 when fewer than `minTailCount` decayed samples lie beyond z. */
  private empirical(z: number): number {
    const v = this.vars;
    const k = binOf(z);
    const sfx = this.suffix;
    let acc = sfx[k + 1];
    const low = binLow(k);
    const high = k === BINS ? Math.max(v[MAX_SEEN], low) : binLow(k + 1);
    if (high > low && z < high) acc += (sfx[k] - sfx[k + 1]) * ((high - z) / (high - low));
    if (acc < this.minTailCount * v[REFIT_WEIGHT]) return 0;
    return acc / sfx[0];
  }

  /** Re-estimates the exponential tail: u at the (1 − q) quantile, β the mean excess over u. */
  private refit(): void {
    const v = this.vars;
    const sfx = this.suffix;
    let run = 0;
    for (let k = BINS; k >= 0; k--) {
      run += this.hist[k];
      sfx[k] = run;
    }
    v[REFIT_WEIGHT] = v[WEIGHT];
    this.bandP = Number.NaN;
    const target = this.q * v[TOTAL];
    let acc = 0;
    let k = BINS;
    for (; k > 0; k--) {
      if (acc + this.hist[k] >= target) break;
      acc += this.hist[k];
    }
    const frac = this.hist[k] > 0 ? Math.min(1, (target - acc) / this.hist[k]) : 0;
    const low = binLow(k);
    const high = k === BINS ? Math.max(v[MAX_SEEN], low) : binLow(k + 1);
    const u = high - frac * (high - low);
    let excess = 0;
    let mass = 0;
    for (let j = k; j <= BINS; j++) {
      const lo = Math.max(binLow(j), u);
      const hi = j === BINS ? Math.max(v[MAX_SEEN], binLow(j)) : binLow(j + 1);
      if (hi <= u) continue;
      const m = this.hist[j] * (j === k ? frac : 1);
      excess += m * ((lo + hi) / 2 - u);
      mass += m;
    }
    v[U] = u;
    const beta = Math.max(mass > 0 ? excess / mass : 0, BETA_FLOOR * Math.max(u, 0.5));
    // One standard error up on β: a tail fitted on few independent exceedances extrapolates conservatively.
    const exceedances = mass / v[WEIGHT] / this.correlation;
    v[BETA] = beta * (1 + BETA_BOUND / Math.sqrt(Math.max(exceedances, 1)));
    v[DIRTY] = 0;
  }
}
