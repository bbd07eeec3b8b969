import { IsolationForest, type IsolationForestState } from '../detect/isolation-forest.js';
import {
  type Severity,
  scoreFromTailProbability,
  severityFor,
  tailProbabilityFromScore,
} from '../model/score.js';
import { AlertPolicy } from './alert-policy.js';
import { OnlineTailCalibrator, type OnlineTailState } from './online-tail.js';
import {
  emptySeriesPoint,
  resolveSeriesOptions,
  SeriesModel,
  type SeriesModelOptions,
  type SeriesModelState,
  type SeriesPoint,
} from './series-model.js';
import { decodeF64, type EncodedArray, encodeF64 } from './state-codec.js';

/** Serialized {@link MultiSeriesModel}. */
export interface MultiSeriesModelState {
  version: 1;
  names: string[];
  options: SeriesModelOptions;
  series: SeriesModelState[];
  rows: EncodedArray;
  v: EncodedArray;
  forest: IsolationForestState | null;
  calibrators: OnlineTailState[];
  policy: number[];
}

/** One scored instant of an entity. */
export interface MultiSeriesPoint {
  time: number;
  /** The entity's score in [0, 1]: Bonferroni over its series' scores and the joint detectors. */
  score: number;
  alert: boolean;
  incident: boolean;
  severity: Severity | null;
  /** The series that decided the score, or `joint` when the combination of series did. */
  strongest: string | null;
  /** Each series' own point, in the order of the names. */
  points: SeriesPoint[];
}

/** Joint detectors of the entity. */
export const JOINT_DETECTORS = ['joint_residual', 'joint_forest'] as const;

const HISTORY = 512;
const REFIT_EVERY = 512;
const MIN_ROWS = 64;
const TREES = 50;
const Z_BOUND = 50;

// Slots of `v`.
const COUNT = 0;
const NEXT = 1;
const SINCE_FIT = 2;
const VARS = 3;

/**
 * Multivariate mode: one model over several series of one entity (say CPU, memory and latency of a service),
 * sampled at the same instants. Each series keeps its own {@link SeriesModel}; their residuals, in band units
 * (|z| = 1 at the band edge), also feed two joint detectors that see what no single series shows: the joint
 * residual energy Σ z² (several series moderately off at once) and an Isolation Forest on the residual vector
 * (an unusual combination, e.g. latency up while CPU is idle). The entity's score is Bonferroni over every series
 * and both joint detectors; one alert per incident of the entity.
 *
 * @example
 * ```ts
 * const model = new MultiSeriesModel(['cpu', 'memory', 'latency']);
 * const point = model.update(t, [0.71, 0.42, 180]);
 * ```
 */
export class MultiSeriesModel {
  private readonly series: SeriesModel[];
  private readonly rows: Float64Array;
  private readonly v: Float64Array;
  private readonly row: Float64Array;
  private forest: IsolationForest | null;
  private readonly cals: OnlineTailCalibrator[];
  private readonly policy: AlertPolicy;
  private readonly raw = new Float64Array(JOINT_DETECTORS.length);
  private readonly threshold: number;
  private readonly seed: number;

  constructor(
    readonly names: readonly string[],
    private readonly options: SeriesModelOptions = {},
    state?: MultiSeriesModelState,
  ) {
    if (names.length === 0) throw new RangeError('a multivariate model needs at least one series');
    const o = resolveSeriesOptions(options);
    this.threshold = o.threshold;
    this.seed = o.seed;
    const k = names.length;
    this.series = names.map((_, i) =>
      state ? SeriesModel.fromJSON(state.series[i]) : new SeriesModel(options),
    );
    this.rows = state ? decodeF64(state.rows, 'rows', HISTORY * k) : new Float64Array(HISTORY * k);
    this.v = state ? decodeF64(state.v, 'v', VARS) : new Float64Array(VARS);
    this.row = new Float64Array(k);
    this.forest = state?.forest ? IsolationForest.fromJSON(state.forest) : null;
    this.cals = JOINT_DETECTORS.map(
      (_, j) => new OnlineTailCalibrator({ halfLife: o.halfLife }, state?.calibrators[j]),
    );
    this.policy = new AlertPolicy(o, state?.policy);
  }

  /** Restores a model from {@link MultiSeriesModel.toJSON}. */
  static fromJSON(state: MultiSeriesModelState): MultiSeriesModel {
    if (state.version !== 1)
      throw new RangeError(`unsupported multivariate state version ${String(state.version)}`);
    return new MultiSeriesModel(state.names, state.options, state);
  }

  /** Scores the entity at `time` (values in the order of the names), then learns it. */
  update(time: number, values: ArrayLike<number>): MultiSeriesPoint {
    const k = this.series.length;
    if (values.length !== k) throw new RangeError(`expected ${k} values, got ${values.length}`);
    const points = this.series.map((m, i) => m.updateInto(time, values[i], emptySeriesPoint()));
    let minP = 1;
    let strongest = -1;
    let m = 0;
    let energy = 0;
    for (let i = 0; i < k; i++) {
      const p = points[i];
      const half = (p.upper - p.lower) / 2;
      const z = half > 0 ? (p.value - p.expected) / half : 0;
      this.row[i] = Number.isFinite(z) ? Math.max(-Z_BOUND, Math.min(Z_BOUND, z)) : 0;
      energy += this.row[i] * this.row[i];
      m++;
      const pi = tailProbabilityFromScore(p.score);
      if (pi < minP) {
        minP = pi;
        strongest = i;
      }
    }
    this.raw[0] = energy / k;
    this.raw[1] = this.forest ? 1 / Math.max(1 - this.forest.scoreRow(this.row), 1e-9) - 1 : Number.NaN;
    for (let j = 0; j < this.raw.length; j++) {
      if (Number.isNaN(this.raw[j])) continue;
      const p = this.cals[j].tailProbability(this.raw[j]);
      m++;
      if (p < minP) {
        minP = p;
        strongest = k + j;
      }
    }
    const score = scoreFromTailProbability(Math.min(1, m * minP));
    const lead = strongest >= 0 && strongest < k ? points[strongest] : null;
    const decision = this.policy.decide(
      score,
      lead ? lead.value : Number.NaN,
      lead ? lead.expected : Number.NaN,
    );
    this.learn(score >= this.threshold ? resolveSeriesOptions(this.options).anomalyWeight : 1);
    return {
      time,
      score,
      alert: decision.alert,
      incident: decision.incident,
      severity: decision.alert
        ? severityFor({
            score,
            threshold: this.threshold,
            observed: lead?.value ?? null,
            expected: lead?.expected ?? null,
          })
        : null,
      strongest: strongest < 0 || score === 0 ? null : strongest < k ? this.names[strongest] : 'joint',
      points,
    };
  }

  /** Serializable state. */
  toJSON(): MultiSeriesModelState {
    return {
      version: 1,
      names: [...this.names],
      options: { ...this.options },
      series: this.series.map((s) => s.toJSON()),
      rows: encodeF64(this.rows),
      v: encodeF64(this.v),
      forest: this.forest ? this.forest.toJSON() : null,
      calibrators: this.cals.map((c) => c.toJSON()),
      policy: Array.from(this.policy.state),
    };
  }

  private learn(weight: number): void {
    const v = this.v;
    const k = this.series.length;
    for (let j = 0; j < this.raw.length; j++)
      if (!Number.isNaN(this.raw[j])) this.cals[j].add(this.raw[j], weight);
    this.rows.set(this.row, v[NEXT] * k);
    v[NEXT] = (v[NEXT] + 1) % HISTORY;
    v[COUNT] = Math.min(v[COUNT] + 1, HISTORY);
    v[SINCE_FIT]++;
    const due = this.forest ? v[SINCE_FIT] >= REFIT_EVERY : v[COUNT] >= MIN_ROWS;
    if (!due) return;
    const n = v[COUNT];
    this.forest = IsolationForest.fit(this.rows.subarray(0, n * k), n, k, { trees: TREES, seed: this.seed });
    v[SINCE_FIT] = 0;
  }
}
