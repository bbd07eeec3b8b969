import type { DetectorScore } from '../model/detection.js';
import { scoreFromTailProbability, severityFor, tailProbabilityFromScore } from '../model/score.js';
import { AlertPolicy } from './alert-policy.js';
import { DailyBaseline, type DailyBaselineState, MAX_SLOTS, MIN_SLOTS } from './daily-baseline.js';
import { FEATURE_DETECTORS, FeatureDetectors, type FeatureDetectorsState } from './feature-detectors.js';
import { RESIDUAL_DETECTORS, ResidualDetectors, type ResidualDetectorsState } from './residual-detectors.js';
import {
  emptySeriesPoint,
  type ResolvedSeriesOptions,
  resolveSeriesOptions,
  SERIES_DETECTORS,
  type SeriesModelOptions,
  type SeriesPoint,
} from './series-options.js';
import { decodeF64, type EncodedArray, encodeF64 } from './state-codec.js';

// The types and defaults of the model, importable from here as well.
export {
  DAY_MS,
  emptySeriesPoint,
  type ResolvedSeriesOptions,
  resolveSeriesOptions,
  SERIES_DETECTORS,
  type SeriesDetectorName,
  type SeriesModelOptions,
  type SeriesPoint,
} from './series-options.js';

/** Serialized {@link SeriesModel}. */
export interface SeriesModelState {
  version: 1;
  options: ResolvedSeriesOptions;
  v: EncodedArray;
  steps: EncodedArray;
  plain: ResidualDetectorsState;
  seasonal: ResidualDetectorsState;
  baseline: DailyBaselineState | null;
  policy: number[];
  features: FeatureDetectorsState | null;
}

const STEP_SAMPLES = 5;
const VOTES = 5;
const VOTE_MARGIN = 0.8;
/** Band half-width, in scales, before the residual calibration has warmed up. */
const WARMUP_BAND = 4;

// Slots of `v`.
const LAST_T = 0;
const STEP = 1;
const STEPS_SEEN = 2;
const PREV_RAW = 3;
const PREV_RAW_T = 4;
const POINTS = 5;
const VARS = 6;

/**
 * Outlier's streaming model of one metric series. Each point is scored before it is learned:
 * 1. a seasonal baseline (median of the same time of day over the last days, with an hour-of-day spread profile)
 *    is used when it has been predicting better than the plain series (detected period), or as configured;
 * 2. residual detectors on that stream — one-step residual, level shifts over 8 and 64 points, distance from the
 *    long-run level, variance change — each give a tail probability calibrated online on the stream's own
 *    recent history, normal points weighing more than anomalous ones;
 * 3. (ensemble `full`) Isolation Forest and LOF on windowed features add theirs;
 * 4. the ensemble is Outlier's rule: Bonferroni over the detectors, then −log10(p)/6;
 * 5. the alert policy applies the guard rails and reports one alert per incident.
 * Gaps reset the short-term state, repeated or backward timestamps keep the clock monotone, NaN is a missing
 * point (score 0, not learned), ±Infinity scores 1 and is not learned, a counter is scored as its rate. The whole
 * state serializes exactly: a restored model continues with identical scores.
 *
 * @example
 * ```ts
 * const model = new SeriesModel({ threshold: 0.5 });
 * model.learnHistory(pastTimes, pastValues);
 * const point = model.update(Date.now(), 42.1);
 * if (point.alert) console.log(point.severity, point.expected, point.lower, point.upper);
 * ```
 */
export class SeriesModel {
  readonly options: ResolvedSeriesOptions;
  private readonly v: Float64Array;
  private readonly steps: Float64Array;
  private readonly plain: ResidualDetectors;
  private readonly seasonal: ResidualDetectors;
  private baseline: DailyBaseline | null;
  private readonly policy: AlertPolicy;
  private readonly features: FeatureDetectors | null;
  private readonly pPlain = new Float64Array(RESIDUAL_DETECTORS.length);
  private readonly pSeasonal = new Float64Array(RESIDUAL_DETECTORS.length);
  private readonly pFeatures = new Float64Array(FEATURE_DETECTORS.length);
  /** Tail probabilities of the last point, per {@link SERIES_DETECTORS} (NaN: not evaluated). */
  private readonly last = new Float64Array(SERIES_DETECTORS.length);

  constructor(options: SeriesModelOptions = {}, state?: SeriesModelState) {
    const o = state ? state.options : resolveSeriesOptions(options);
    this.options = o;
    const tail = { halfLife: o.halfLife };
    this.v = state
      ? decodeF64(state.v, 'v', VARS)
      : Float64Array.from([Number.NEGATIVE_INFINITY, Number.NaN, 0, Number.NaN, Number.NaN, 0]);
    this.steps = state ? decodeF64(state.steps, 'steps', STEP_SAMPLES) : new Float64Array(STEP_SAMPLES);
    this.plain = new ResidualDetectors(tail, state?.plain);
    this.seasonal = new ResidualDetectors(tail, state?.seasonal);
    this.baseline = state?.baseline
      ? new DailyBaseline(this.baselineOptions(this.v[STEP]), state.baseline)
      : null;
    this.policy = new AlertPolicy(o, state?.policy);
    this.features =
      o.ensemble === 'full'
        ? new FeatureDetectors({ seed: o.seed, halfLife: o.halfLife }, state?.features ?? undefined)
        : null;
    this.last.fill(Number.NaN);
  }

  /** Restores a model from {@link SeriesModel.toJSON}. */
  static fromJSON(state: SeriesModelState): SeriesModel {
    if (state.version !== 1)
      throw new RangeError(`unsupported series model state version ${String(state.version)}`);
    return new SeriesModel(state.options, state);
  }

  /** A model warm-started on history (points in time order; see {@link SeriesModel.learnHistory}). */
  static fit(
    times: ArrayLike<number>,
    values: ArrayLike<number>,
    options: SeriesModelOptions = {},
  ): SeriesModel {
    const model = new SeriesModel(options);
    model.learnHistory(times, values);
    return model;
  }

  /** Points seen so far. */
  get points(): number {
    return this.v[POINTS];
  }

  /** Sampling interval in milliseconds, once known (NaN before). */
  get step(): number {
    return this.v[STEP];
  }

  /** Whether the seasonal baseline is in use for the next point. */
  get seasonalInUse(): boolean {
    return this.useSeasonal();
  }

  /**
   * Warm start: runs the history through the model exactly as {@link SeriesModel.update} would (so a warm-started
   * model and one fed the same points live are identical), without returning the points.
   */
  learnHistory(times: ArrayLike<number>, values: ArrayLike<number>): void {
    if (times.length !== values.length) throw new RangeError('times and values differ in length');
    for (let i = 0; i < times.length; i++) this.update(times[i], values[i]);
  }

  /** Scores the point at `time` (epoch ms) with value `raw`, then learns it. */
  update(time: number, raw: number): SeriesPoint {
    return this.updateInto(time, raw, emptySeriesPoint());
  }

  /** {@link SeriesModel.update} writing into `out` instead of allocating: for hot loops over many points. */
  updateInto(time: number, raw: number, out: SeriesPoint): SeriesPoint {
    const o = this.options;
    const v = this.v;
    const t = Number.isNaN(time) ? v[LAST_T] : Math.max(time, v[LAST_T]);
    const dt = t - v[LAST_T];
    const x = o.counter ? this.rate(time, raw) : raw;
    v[POINTS]++;
    if (dt > 0 && Number.isFinite(dt)) this.observeStep(dt);
    const gap = dt > o.gapPoints * v[STEP];
    v[LAST_T] = t;
    if (!Number.isFinite(x)) return this.nonFinite(t, x, out);
    if (gap) {
      this.plain.resetShortTerm();
      this.seasonal.resetShortTerm();
    }

    const base = this.baseline;
    let y = Number.NaN;
    let spread = 1;
    let seasonalValue = Number.NaN;
    if (base) {
      base.begin(t);
      seasonalValue = base.expected(t);
      spread = base.spreadFactor(t);
      y = x - seasonalValue;
    }
    const useSeasonal = !Number.isNaN(y) && this.useSeasonal();
    this.plain.score(x, 1, useSeasonal ? null : this.pPlain);
    if (!Number.isNaN(y)) this.seasonal.score(y, spread, useSeasonal ? this.pSeasonal : null);
    const chosen = useSeasonal ? this.pSeasonal : this.pPlain;
    const last = this.last;
    last.set(chosen, 0);
    if (this.features) {
      this.features.score(
        useSeasonal ? this.seasonal : this.plain,
        useSeasonal ? y : x,
        useSeasonal ? spread : 1,
        this.pFeatures,
      );
      last.set(this.pFeatures, RESIDUAL_DETECTORS.length);
    } else {
      for (let k = RESIDUAL_DETECTORS.length; k < last.length; k++) last[k] = Number.NaN;
    }
    let m = 0;
    let minP = 1;
    let strongest = -1;
    for (let k = 0; k < last.length; k++) {
      const p = last[k];
      if (Number.isNaN(p)) continue;
      m++;
      if (p < minP) {
        minP = p;
        strongest = k;
      }
    }
    const score = m > 0 ? scoreFromTailProbability(Math.min(1, m * minP)) : 0;

    const stream = useSeasonal ? this.seasonal : this.plain;
    const level = stream.level;
    const expected = Number.isNaN(level) ? x : useSeasonal ? seasonalValue + level : level;
    const scale = stream.residualScale * (useSeasonal ? spread : 1);
    let half = stream.residualZAt(tailProbabilityFromScore(o.threshold) / Math.max(m, 1));
    if (Number.isNaN(half)) half = WARMUP_BAND;
    const width = Number.isNaN(scale) ? 0 : half * Math.max(scale, 1e-9 + 1e-6 * Math.abs(expected));

    const decision = this.policy.decide(score, x, expected);
    const weight = score >= o.threshold ? o.anomalyWeight : 1;
    this.learn(t, x, y, spread, weight);
    out.time = t;
    out.value = x;
    out.score = score;
    out.alertScore = decision.alert ? score : decision.incident || score >= o.threshold ? 0 : score;
    out.expected = expected;
    out.lower = expected - width;
    out.upper = expected + width;
    out.alert = decision.alert;
    out.incident = decision.incident;
    out.severity = decision.alert
      ? severityFor({ score, threshold: o.threshold, observed: x, expected })
      : null;
    out.strongest = strongest >= 0 && score > 0 ? SERIES_DETECTORS[strongest] : null;
    return out;
  }

  /** Each detector's score for the last point (detectors not evaluated are left out). */
  detectorScores(): DetectorScore[] {
    const out: DetectorScore[] = [];
    for (let k = 0; k < this.last.length; k++) {
      const p = this.last[k];
      if (!Number.isNaN(p))
        out.push({ name: SERIES_DETECTORS[k], score: Math.round(scoreFromTailProbability(p) * 1e4) / 1e4 });
    }
    return out;
  }

  /** Serializable state; `JSON.stringify` it as is. */
  toJSON(): SeriesModelState {
    return {
      version: 1,
      options: { ...this.options },
      v: encodeF64(this.v),
      steps: encodeF64(this.steps),
      plain: this.plain.toJSON(),
      seasonal: this.seasonal.toJSON(),
      baseline: this.baseline ? this.baseline.toJSON() : null,
      policy: Array.from(this.policy.state),
      features: this.features ? this.features.toJSON() : null,
    };
  }

  private useSeasonal(): boolean {
    const mode = this.options.seasonality;
    if (!this.baseline || mode === 'off') return false;
    return mode === 'on' || this.baseline.seasonal;
  }

  private learn(t: number, x: number, y: number, spread: number, weight: number): void {
    const plainLevel = this.plain.level;
    const seasonalLevel = this.seasonal.level;
    this.plain.learn(x, 1, weight);
    if (this.features) this.features.learn(weight);
    const base = this.baseline;
    if (!base) return;
    if (!Number.isNaN(y)) {
      this.seasonal.learn(y, spread, weight);
      if (!Number.isNaN(seasonalLevel)) {
        base.learnSpread(t, Math.abs(y - seasonalLevel));
        if (!Number.isNaN(plainLevel)) base.compare(y - seasonalLevel, x - plainLevel);
      }
    }
    base.record(t, x);
  }

  private observeStep(dt: number): void {
    const v = this.v;
    if (!Number.isNaN(v[STEP])) return;
    this.steps[v[STEPS_SEEN]++] = dt;
    if (v[STEPS_SEEN] < STEP_SAMPLES) return;
    const sorted = Float64Array.from(this.steps).sort();
    v[STEP] = sorted[STEP_SAMPLES >> 1];
    if (this.options.seasonality === 'off') return;
    const slots = Math.min(Math.round(this.options.period / v[STEP]), MAX_SLOTS);
    if (slots >= MIN_SLOTS) this.baseline = new DailyBaseline(this.baselineOptions(v[STEP]));
  }

  private baselineOptions(step: number) {
    const o = this.options;
    return { period: o.period, step, days: o.days, votes: VOTES, margin: VOTE_MARGIN };
  }

  private rate(time: number, raw: number): number {
    const v = this.v;
    if (!Number.isFinite(raw)) return raw;
    const prev = v[PREV_RAW];
    const dt = time - v[PREV_RAW_T];
    v[PREV_RAW] = raw;
    v[PREV_RAW_T] = time;
    if (Number.isNaN(prev) || !(dt > 0)) return Number.NaN;
    return ((raw >= prev ? raw - prev : raw) * 1000) / dt;
  }

  private nonFinite(t: number, x: number, out: SeriesPoint): SeriesPoint {
    const level = this.plain.level;
    this.last.fill(Number.NaN);
    const missing = Number.isNaN(x);
    const decision = missing ? null : this.policy.decide(1, x, level);
    out.time = t;
    out.value = x;
    out.score = missing ? 0 : 1;
    out.alertScore = decision?.alert ? 1 : 0;
    out.expected = level;
    out.lower = level;
    out.upper = level;
    out.alert = decision?.alert ?? false;
    out.incident = decision ? decision.incident : this.policy.state[0] === 1;
    out.severity = decision?.alert ? 'critical' : null;
    out.strongest = null;
    return out;
  }
}
