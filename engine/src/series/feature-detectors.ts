import { IsolationForest, type IsolationForestState } from '../detect/isolation-forest.js';
import { LocalOutlierFactor, type LocalOutlierFactorState } from '../detect/lof.js';
import { OnlineTailCalibrator, type OnlineTailState } from './online-tail.js';
import { FEATURE_COUNT, type ResidualDetectors } from './residual-detectors.js';
import { decodeF64, type EncodedArray, encodeF64 } from './state-codec.js';

/** The feature detectors, in the order their tail probabilities are reported. */
export const FEATURE_DETECTORS = ['isolation_forest', 'lof'] as const;

/** Options of {@link FeatureDetectors}. */
export interface FeatureDetectorsOptions {
  seed: number;
  /** Memory of the calibrations, in points. */
  halfLife: number;
}

/** Serialized {@link FeatureDetectors}. */
export interface FeatureDetectorsState {
  rows: EncodedArray;
  v: EncodedArray;
  forest: IsolationForestState | null;
  lof: LocalOutlierFactorState | null;
  calibrators: OnlineTailState[];
}

/** Windowed features per point: the residual stream's 8, plus where the point sits in its rolling quantiles. */
export const WINDOW_FEATURES = FEATURE_COUNT + 2;
/** Feature rows kept; the models are refitted on them. */
const HISTORY = 1024;
/** Points between refits. */
const REFIT_EVERY = 1024;
/** Rows needed before the first fit. */
const MIN_ROWS = 64;
const TREES = 28;
const SAMPLE = 128;
const LOF_K = 8;
const LOF_REFERENCE = 48;
const QUANTILE_RATE = 1 / 32;
const RESOLUTION = 0.1;
const FEATURE_BOUND = 50;
const LOF_MIN_SCALE = 0.5;
/** The forest's tail probability at or below which a point is also asked of LOF. */
const LOF_GATE = 0.2;
const GATE_ALPHA = 1 / 512;
/** Samples per independent observation of the feature scores (the features include rolling means). */
const FEATURE_CORRELATION = 8;

// Slots of `v`.
const COUNT = 0;
const NEXT = 1;
const SINCE_FIT = 2;
const Q10 = 3;
const Q90 = 4;
const PENDING = 5;
const PENDING_Y = 6;
const GATED = 7;
const GATE_RATE = 8;
const VARS = 9;

/**
 * The multivariate half of the full ensemble: Isolation Forest and LOF on windowed features of each point (the
 * residual, the shift statistics, the distance from the long-run level, the variance ratio, the first
 * difference, the short and long rolling means, and the position in the rolling 10 %–90 % quantile range), refit
 * every 128 points on the last 256 feature rows. A point is scored by models fitted on earlier points only;
 * their raw scores are calibrated online like every other detector's.
 */
export class FeatureDetectors {
  private readonly rows: Float64Array;
  private readonly v: Float64Array;
  private readonly row = new Float64Array(WINDOW_FEATURES);
  private forest: IsolationForest | null;
  private lof: LocalOutlierFactor | null;
  private readonly cals: OnlineTailCalibrator[];
  private readonly raw = new Float64Array(FEATURE_DETECTORS.length);

  constructor(
    private readonly o: FeatureDetectorsOptions,
    state?: FeatureDetectorsState,
  ) {
    this.rows = state
      ? decodeF64(state.rows, 'rows', HISTORY * WINDOW_FEATURES)
      : new Float64Array(HISTORY * WINDOW_FEATURES);
    this.v = state
      ? decodeF64(state.v, 'v', VARS)
      : Float64Array.from([0, 0, 0, Number.NaN, Number.NaN, 0, Number.NaN, 0, LOF_GATE]);
    this.forest = state?.forest ? IsolationForest.fromJSON(state.forest) : null;
    this.lof = state?.lof ? LocalOutlierFactor.fromJSON(state.lof) : null;
    this.cals = FEATURE_DETECTORS.map(
      (_, k) =>
        new OnlineTailCalibrator(
          { halfLife: o.halfLife, correlation: FEATURE_CORRELATION },
          state?.calibrators[k],
        ),
    );
    this.raw.fill(Number.NaN);
  }

  /** Scores the point `y` of `stream` (before either learns it); writes tail probabilities (NaN: no model yet). */
  score(stream: ResidualDetectors, y: number, spread: number, out: Float64Array): void {
    const v = this.v;
    const row = this.row;
    stream.features(y, spread, row, 0);
    const range = v[Q90] - v[Q10];
    const width = range > 0 ? range : 1e-9 + 1e-6 * Math.abs(y);
    row[FEATURE_COUNT] = Number.isNaN(range) ? 0 : (y - v[Q90]) / width;
    row[FEATURE_COUNT + 1] = Number.isNaN(range) ? 0 : (v[Q10] - y) / width;
    // Coarse, bounded features: splits and distances on numerical dust would make noise out of nothing.
    for (let k = 0; k < WINDOW_FEATURES; k++) {
      const c = Math.round(row[k] / RESOLUTION) * RESOLUTION;
      row[k] = Math.max(-FEATURE_BOUND, Math.min(FEATURE_BOUND, c));
    }
    v[PENDING] = 1;
    v[PENDING_Y] = y;
    this.raw[0] = this.forest ? 1 / Math.max(1 - this.forest.scoreRow(row), 1e-9) - 1 : Number.NaN;
    out[0] = Number.isNaN(this.raw[0]) ? Number.NaN : this.cals[0].tailProbability(this.raw[0]);
    // LOF (the costlier query) refines the forest's suspects: P(LOF ≥ x) = P(suspect) · P(LOF ≥ x | suspect).
    const suspect = this.lof !== null && out[0] <= LOF_GATE;
    this.raw[1] = suspect && this.lof ? Math.max(this.lof.score(row) - 1, 0) : Number.NaN;
    v[GATED] = suspect ? 1 : 0;
    out[1] = Number.isNaN(this.raw[1])
      ? Number.NaN
      : Math.min(1, v[GATE_RATE] * this.cals[1].tailProbability(this.raw[1]));
  }

  /** Learns the last scored point: its feature row joins the history, and the models refit when due. */
  learn(weight: number): void {
    const v = this.v;
    if (v[PENDING] !== 1) return;
    v[PENDING] = 0;
    this.updateQuantiles(v[PENDING_Y]);
    if (!Number.isNaN(this.raw[0])) v[GATE_RATE] += (v[GATED] - v[GATE_RATE]) * GATE_ALPHA;
    for (let k = 0; k < this.raw.length; k++)
      if (!Number.isNaN(this.raw[k])) this.cals[k].add(this.raw[k], weight);
    this.rows.set(this.row, v[NEXT] * WINDOW_FEATURES);
    v[NEXT] = (v[NEXT] + 1) % HISTORY;
    v[COUNT] = Math.min(v[COUNT] + 1, HISTORY);
    v[SINCE_FIT]++;
    const due = this.forest ? v[SINCE_FIT] >= REFIT_EVERY : v[COUNT] >= MIN_ROWS;
    if (!due) return;
    const n = v[COUNT];
    const data = this.rows.subarray(0, n * WINDOW_FEATURES);
    this.forest = IsolationForest.fit(data, n, WINDOW_FEATURES, {
      trees: TREES,
      sampleSize: SAMPLE,
      seed: this.o.seed,
    });
    this.lof = LocalOutlierFactor.fit(data, n, WINDOW_FEATURES, {
      k: LOF_K,
      maxReference: LOF_REFERENCE,
      minScale: LOF_MIN_SCALE,
      seed: this.o.seed,
    });
    v[SINCE_FIT] = 0;
  }

  /** Serializable state. */
  toJSON(): FeatureDetectorsState {
    return {
      rows: encodeF64(this.rows),
      v: encodeF64(this.v),
      forest: this.forest ? this.forest.toJSON() : null,
      lof: this.lof ? this.lof.toJSON() : null,
      calibrators: this.cals.map((c) => c.toJSON()),
    };
  }

  private updateQuantiles(y: number): void {
    const v = this.v;
    if (Number.isNaN(v[Q10])) {
      v[Q10] = y;
      v[Q90] = y;
      return;
    }
    const step = (v[Q90] - v[Q10] + 1e-9 + 1e-6 * Math.abs(y)) * QUANTILE_RATE;
    v[Q10] += step * (0.1 - (y < v[Q10] ? 1 : 0)) * 10;
    v[Q90] += step * ((y < v[Q90] ? 0 : 1) - 0.1) * 10;
    if (v[Q10] > v[Q90]) v[Q10] = v[Q90];
  }
}
