import { OnlineTailCalibrator, type OnlineTailOptions, type OnlineTailState } from './online-tail.js';
import { decodeF64, type EncodedArray, encodeF64 } from './state-codec.js';

/** The detectors run on one residual stream, in the order their tail probabilities are reported. */
export const RESIDUAL_DETECTORS = ['residual', 'shift_short', 'shift_long', 'level', 'variance'] as const;

/** Name of a residual-stream detector. */
export type ResidualDetectorName = (typeof RESIDUAL_DETECTORS)[number];

/** Number of values {@link ResidualDetectors.features} writes. */
export const FEATURE_COUNT = 8;

/** Horizons (points) of the two level-shift detectors. */
const HORIZONS = [8, 64] as const;
/** The shift detectors compare a recent mean with a slower level this many times longer, taken a horizon ago. */
const SLOW_RATIO = 4;
/** Span (points) of the one-step level. */
const LEVEL_SPAN = 3;
/** Span (points) of the long-run level the `level` detector measures against. */
const LONG_SPAN = 3000;
const SCALE_ALPHA = 1 / 128;
const RAW_SCALE_ALPHA = 1 / 512;
/** Floor of every scale, as a fraction of the unwinsorized mean deviation, so that rare spikes keep a scale. */
const RAW_SCALE_FLOOR = 0.2;
/** Deviations are winsorized at this many scales before they update a scale. */
const CLIP = 5;
const VAR_SHORT = 16;
const VAR_LONG = 512;
const LEVEL_WARMUP = 50;
/** Samples per independent observation of each detector's statistic (its smoothing span). */
const CORRELATION = [1, 8, 64, 8, VAR_SHORT];
/** Points before the one-step residual may claim a probability below 1/(points + 1). */
const RESIDUAL_BURN_IN = 100;

// Slots of `v`.
const L1 = 0;
const L1_PREV = 1;
const S1 = 2;
const U1 = 3;
const LG = 4;
const SG = 5;
const D_SHORT = 6;
const D_LONG = 7;
const U_D = 8;
const PREV = 9;
const POS = 10;
const N = 11;
const VARS = 12;

/** Serialized {@link ResidualDetectors}. */
export interface ResidualDetectorsState {
  v: EncodedArray;
  /** Per horizon: recent mean, slow level, scale, raw scale (4 × horizons). */
  h: EncodedArray;
  /** Slow level of each horizon, one horizon back (ring buffers back to back). */
  ring: EncodedArray;
  calibrators: OnlineTailState[];
}

function ew(a: number, x: number, alpha: number): number {
  return Number.isNaN(a) ? x : a + (x - a) * alpha;
}

function floorScale(scale: number, level: number): number {
  return Math.max(scale, 1e-9 + 1e-6 * Math.abs(level));
}

/**
 * Robust prediction residuals of one stream (the raw series, or the series minus its seasonal baseline) over
 * several horizons, each turned into a tail probability by its own {@link OnlineTailCalibrator}:
 * - `residual`: the point against the one-step level (a MAD-style z on the prediction residual);
 * - `shift_short`, `shift_long`: the mean of the last 8 / 64 points against the slow level as it was 8 / 64
 *   points ago — a level shift shows there in full for a whole horizon, so evidence accumulates;
 * - `level`: the point against the long-run level (values never seen before);
 * - `variance`: the recent mean absolute first difference against its long-run value (noisier or flatter).
 * Scales are winsorized running means of absolute deviations, floored at a fraction of their unwinsorized value
 * so that a series that is flat between spikes keeps a stable scale.
 */
export class ResidualDetectors {
  /** z of each detector at the last {@link score} (NaN when unavailable). */
  readonly z = new Float64Array(RESIDUAL_DETECTORS.length);
  private readonly v: Float64Array;
  private readonly h: Float64Array;
  private readonly ring: Float64Array;
  private readonly cals: OnlineTailCalibrator[];

  constructor(tail: OnlineTailOptions, state?: ResidualDetectorsState) {
    const ringLength = HORIZONS.reduce((a, b) => a + b, 0);
    this.v = state ? decodeF64(state.v, 'v', VARS) : new Float64Array(VARS).fill(Number.NaN);
    this.h = state
      ? decodeF64(state.h, 'h', 4 * HORIZONS.length)
      : new Float64Array(4 * HORIZONS.length).fill(Number.NaN);
    this.ring = state
      ? decodeF64(state.ring, 'ring', ringLength)
      : new Float64Array(ringLength).fill(Number.NaN);
    if (!state) {
      this.v[POS] = 0;
      this.v[N] = 0;
    }
    this.cals = RESIDUAL_DETECTORS.map(
      (_, k) =>
        new OnlineTailCalibrator(
          { ...tail, correlation: CORRELATION[k], burnIn: k === 0 ? RESIDUAL_BURN_IN : 0 },
          state?.calibrators[k],
        ),
    );
    this.z.fill(Number.NaN);
  }

  /** Points learned. */
  get learned(): number {
    return this.v[N];
  }

  /** The one-step prediction of the stream (NaN before the first point). */
  get level(): number {
    return this.v[L1];
  }

  /** The one-step prediction made before the last {@link learn}, for comparing predictors. */
  get previousLevel(): number {
    return this.v[L1_PREV];
  }

  /** Scale of the one-step residual (before the time-of-day factor). */
  get residualScale(): number {
    const v = this.v;
    return Math.max(v[S1], RAW_SCALE_FLOOR * v[U1]);
  }

  /** z of the `residual` detector whose tail probability is `p`: the half-width of the band, in scales. */
  residualZAt(p: number): number {
    return this.cals[0].valueAtTailProbability(p);
  }

  /**
   * Scores `y` before learning it: writes each detector's tail probability into `out` (NaN where a detector has
   * no evidence yet). `scale` is the time-of-day spread factor of this point (1 when there is none). With `out`
   * null only the statistics are computed, for a stream that learns without being reported.
   */
  score(y: number, scale: number, out: Float64Array | null): void {
    const v = this.v;
    const z = this.z;
    z.fill(Number.NaN);
    if (!Number.isNaN(v[L1]) && !Number.isNaN(v[S1])) {
      z[0] = Math.abs(y - v[L1]) / floorScale(Math.max(v[S1], RAW_SCALE_FLOOR * v[U1]) * scale, v[L1]);
    }
    let offset = 0;
    for (let k = 0; k < HORIZONS.length; k++) {
      const hz = HORIZONS[k];
      const ref = this.ring[offset + (v[POS] % hz)];
      const sh = this.h[4 * k + 2];
      if (!Number.isNaN(ref) && !Number.isNaN(sh)) {
        const recent = ew(this.h[4 * k], y, 1 / hz);
        z[1 + k] =
          Math.abs(recent - ref) / floorScale(Math.max(sh, RAW_SCALE_FLOOR * this.h[4 * k + 3]), ref);
      }
      offset += hz;
    }
    if (!Number.isNaN(v[SG]) && v[N] > LEVEL_WARMUP) z[3] = Math.abs(y - v[LG]) / floorScale(v[SG], v[LG]);
    if (!Number.isNaN(v[D_LONG]) && !Number.isNaN(v[PREV])) {
      const recent = ew(v[D_SHORT], Math.abs(y - v[PREV]) / scale, 1 / VAR_SHORT);
      const eps = 1e-9 + 1e-6 * Math.abs(y);
      z[4] = Math.abs(Math.log((recent + eps) / (Math.max(v[D_LONG], RAW_SCALE_FLOOR * v[U_D]) + eps)));
    }
    if (out === null) return;
    for (let k = 0; k < z.length; k++)
      out[k] = Number.isNaN(z[k]) ? Number.NaN : this.cals[k].tailProbability(z[k]);
  }

  /**
   * Signed, scale-free windowed features of `y` for the feature detectors (call before {@link learn}): the
   * one-step residual, the two shift statistics, the distance from the long-run level, the log variance ratio,
   * the first difference, and the short and long rolling means relative to the long-run level. NaN becomes 0.
   */
  features(y: number, scale: number, out: Float64Array, offset: number): void {
    const v = this.v;
    const s1 = floorScale(Math.max(v[S1], RAW_SCALE_FLOOR * v[U1]) * scale, v[L1]);
    const sg = floorScale(v[SG], v[LG]);
    out[offset] = (y - v[L1]) / s1;
    let ring = 0;
    for (let k = 0; k < HORIZONS.length; k++) {
      const hz = HORIZONS[k];
      const ref = this.ring[ring + (v[POS] % hz)];
      const sh = floorScale(Math.max(this.h[4 * k + 2], RAW_SCALE_FLOOR * this.h[4 * k + 3]), ref);
      out[offset + 1 + k] = (ew(this.h[4 * k], y, 1 / hz) - ref) / sh;
      out[offset + 6 + k] = (ew(this.h[4 * k], y, 1 / hz) - v[LG]) / sg;
      ring += hz;
    }
    out[offset + 3] = (y - v[LG]) / sg;
    const recent = ew(v[D_SHORT], Math.abs(y - v[PREV]) / scale, 1 / VAR_SHORT);
    out[offset + 4] = Math.log((recent + 1e-9) / (Math.max(v[D_LONG], RAW_SCALE_FLOOR * v[U_D]) + 1e-9));
    out[offset + 5] = (y - v[PREV]) / s1;
    for (let k = offset; k < offset + FEATURE_COUNT; k++) if (!Number.isFinite(out[k])) out[k] = 0;
  }

  /**
   * Learns `y` (call after {@link score} with the same `y`); `weight` is how much the detectors' calibration
   * learns from it (below 1 for points judged anomalous).
   */
  learn(y: number, scale: number, weight: number): void {
    const v = this.v;
    // Running means at first, exponential later: a scale is right from the start, not after 1/α points.
    const warm = 1 / (v[N] + 2);
    const scaleAlpha = Math.max(SCALE_ALPHA, warm);
    const rawAlpha = Math.max(RAW_SCALE_ALPHA, warm);
    for (let k = 0; k < this.z.length; k++) if (!Number.isNaN(this.z[k])) this.cals[k].add(this.z[k], weight);
    if (!Number.isNaN(v[L1])) {
      const r = Math.abs(y - v[L1]) / scale;
      v[U1] = ew(v[U1], r, rawAlpha);
      v[S1] = Number.isNaN(v[S1]) ? r : v[S1] + (Math.min(r, CLIP * v[S1] + 1e-12) - v[S1]) * scaleAlpha;
    }
    v[L1_PREV] = v[L1];
    v[L1] = ew(v[L1], y, 2 / (LEVEL_SPAN + 1));
    let offset = 0;
    for (let k = 0; k < HORIZONS.length; k++) {
      const hz = HORIZONS[k];
      const b = 4 * k;
      const slot = offset + (v[POS] % hz);
      this.h[b] = ew(this.h[b], y, 1 / hz);
      const ref = this.ring[slot];
      if (!Number.isNaN(ref)) {
        const r = Math.abs(this.h[b] - ref);
        this.h[b + 3] = ew(this.h[b + 3], r, rawAlpha);
        const sh = this.h[b + 2];
        this.h[b + 2] = Number.isNaN(sh) ? r : sh + (Math.min(r, CLIP * sh + 1e-12) - sh) * scaleAlpha;
      }
      this.h[b + 1] = ew(this.h[b + 1], y, 1 / (hz * SLOW_RATIO));
      this.ring[slot] = this.h[b + 1];
      offset += hz;
    }
    const longAlpha = 1 / LONG_SPAN;
    if (!Number.isNaN(v[LG])) v[SG] = ew(v[SG], Math.abs(y - v[LG]), longAlpha);
    v[LG] = ew(v[LG], y, longAlpha);
    if (!Number.isNaN(v[PREV])) {
      const d = Math.abs(y - v[PREV]) / scale;
      v[U_D] = ew(v[U_D], d, rawAlpha);
      v[D_SHORT] = ew(v[D_SHORT], d, 1 / VAR_SHORT);
      const dl = v[D_LONG];
      v[D_LONG] = Number.isNaN(dl) ? d : dl + (Math.min(d, CLIP * dl + 1e-12) - dl) / VAR_LONG;
    }
    v[PREV] = y;
    v[POS]++;
    v[N]++;
  }

  /**
   * Forgets the short-term state after a gap in time, so that the first point after it is judged against the
   * long-run level only, not against a stale recent one.
   */
  resetShortTerm(): void {
    const v = this.v;
    v[L1] = Number.NaN;
    v[L1_PREV] = Number.NaN;
    v[PREV] = Number.NaN;
    v[D_SHORT] = Number.NaN;
    for (let k = 0; k < HORIZONS.length; k++) this.h[4 * k] = Number.NaN;
    this.ring.fill(Number.NaN);
  }

  /** Serializable state. */
  toJSON(): ResidualDetectorsState {
    return {
      v: encodeF64(this.v),
      h: encodeF64(this.h),
      ring: encodeF64(this.ring),
      calibrators: this.cals.map((c) => c.toJSON()),
    };
  }
}
