import { type RobustStats, robustStats } from '../features/robust-stats.js';
import { latencyQuantile, type WindowStats } from '../features/window-stats.js';
import type { Severity } from '../model/score.js';
import { DEFAULT_THRESHOLD, tailProbabilityFromScore } from '../model/score.js';
import { TailCalibrator, type TailCalibratorState } from './calibration.js';
import { countTailProbability, gaussianZForTail } from './count-tail.js';
import { combineVerdicts, type DetectorVerdict, type EnsembleResult } from './ensemble.js';
import { IsolationForest, type IsolationForestState } from './isolation-forest.js';

/** Features of a window, as the window model sees them. */
export const WINDOW_FEATURES = ['volume', 'error_ratio', 'template_mix', 'latency_p95'] as const;
type Feature = (typeof WINDOW_FEATURES)[number];

/** Options of {@link WindowModel.fit}. */
export interface WindowModelOptions {
  /**
   * Fewest windows of an hour of day, seen on at least two days, before that hour gets its own baseline.
   * @defaultValue 5
   */
  minHourWindows?: number;
  /** @defaultValue 0x5eed */
  seed?: number;
}

interface Baseline {
  overall: RobustStats;
  mean: number;
  std: number;
  byHour: (RobustStats | null)[];
}

interface ServiceModel {
  distribution: Record<string, number>;
  baselines: Record<Feature, Baseline>;
}

/** Serialized {@link WindowModel}. */
export interface WindowModelState {
  services: Record<string, ServiceModel>;
  calibrators: Record<string, TailCalibratorState>;
  forest: IsolationForestState | null;
  bandZ: number;
}

/** A scored window. */
export interface WindowScore extends EnsembleResult {
  feature: Feature | 'none';
  observed: number;
  expected: number;
  lower: number;
  upper: number;
  floor: Severity | null;
  explanation: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * The window-level model, per service and fixed window: volume, error ratio, template mix (Jensen–Shannon
 * divergence from the service's usual mix) and latency p95, each against an hour-of-day seasonal baseline
 * (volume as a count: the negative-binomial tail around the baseline, calibrated on the reference)
 * (median/MAD, with the classic 3σ rule beside it) when the reference covers that hour on two or more days, else
 * against the service's overall baseline; plus an Isolation Forest on the standardized feature vector.
 */
export class WindowModel {
  private readonly cals = new Map<string, TailCalibrator>();
  private readonly forest: IsolationForest | null;

  private constructor(
    private readonly s: WindowModelState,
    /**
     * Detector inputs of windows already seen, which only their services' models decide: a fitted model scores
     * the windows it was fitted on without reading their templates again. Kept with the window's line count, which
     * every change to a window raises.
     */
    private readonly inputs = new WeakMap<WindowStats, { lines: number; inputs: DetectorInputs }>(),
  ) {
    for (const [k, v] of Object.entries(s.calibrators)) this.cals.set(k, TailCalibrator.fromJSON(v));
    this.forest = s.forest ? IsolationForest.fromJSON(s.forest) : null;
  }

  /** Learns from reference windows (a service's missing windows should be passed as empty ones). */
  static fit(windows: readonly WindowStats[], options: WindowModelOptions = {}): WindowModel {
    const { minHourWindows = 5, seed = 0x5eed } = options;
    const byService = new Map<string, WindowStats[]>();
    const features = new Map<WindowStats, number[]>();
    for (const w of windows) {
      const list = byService.get(w.service);
      if (list) list.push(w);
      else byService.set(w.service, [w]);
    }
    const services: Record<string, ServiceModel> = {};
    for (const [service, list] of [...byService.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const distribution: Record<string, number> = {};
      for (const w of list)
        for (const [id, c] of Object.entries(w.templates)) distribution[id] = (distribution[id] ?? 0) + c;
      const partial: ServiceModel = { distribution, baselines: {} as Record<Feature, Baseline> };
      const values = list.map((w) => {
        const v = rawFeatures(w, partial);
        features.set(w, v);
        return v;
      });
      for (const [fi, f] of WINDOW_FEATURES.entries()) {
        partial.baselines[f] = fitBaseline(
          list.map((w) => w.start),
          values.map((v) => v[fi]),
          minHourWindows,
        );
      }
      services[service] = partial;
    }
    const state: WindowModelState = { services, calibrators: {}, forest: null, bandZ: 3 };
    const model = new WindowModel(state);
    const raw = new Map<string, number[]>();
    model.features = features;
    const rows: number[] = [];
    for (const w of windows) {
      const d = model.detectorInputs(w);
      if (!d) continue;
      for (const [k, v] of Object.entries(d.raw)) {
        if (!Number.isFinite(v)) continue;
        const list = raw.get(k);
        if (list) list.push(v);
        else raw.set(k, [v]);
      }
      rows.push(...d.vector);
    }
    for (const [k, v] of raw) state.calibrators[k] = TailCalibrator.fit(v).toJSON();
    const n = rows.length / WINDOW_FEATURES.length;
    if (n >= 32) {
      const forest = IsolationForest.fit(Float64Array.from(rows), n, WINDOW_FEATURES.length, { seed });
      state.forest = forest.toJSON();
      state.calibrators.isolation_forest = TailCalibrator.fit(
        forest.scoreAll(Float64Array.from(rows), n),
      ).toJSON();
    }
    const volumeCal = state.calibrators.volume;
    if (volumeCal)
      // Band half-width in σ: where the calibrated volume detector reaches θ, read back as a Gaussian z.
      state.bandZ = gaussianZForTail(
        10 **
          -TailCalibrator.fromJSON(volumeCal).valueAtTailProbability(
            tailProbabilityFromScore(DEFAULT_THRESHOLD),
          ),
      );
    return new WindowModel(state, model.inputs);
  }

  /** Features computed while fitting, read once more by the first {@link WindowModel.detectorInputs} pass. */
  private features: Map<WindowStats, number[]> | null = null;

  /** Restores a model from {@link WindowModel.toJSON}. */
  static fromJSON(state: WindowModelState): WindowModel {
    return new WindowModel(state);
  }

  /** Serializable state. */
  toJSON(): WindowModelState {
    return this.s;
  }

  /**
   * Scores a window of a known service; null for a service the model never saw. A `cut` window is one the input's
   * start or end fell in: it shows only part of its time, so its volume (and 3σ and Isolation Forest, which read the
   * volume) says nothing, and it is not taken for a silence. `widthMs`, the windows' width, is named in the
   * explanation when it is not a minute.
   */
  score(w: WindowStats, cut = false, widthMs = MINUTE_MS): WindowScore | null {
    const d = this.detectorInputs(w);
    if (!d) return null;
    const verdicts: DetectorVerdict[] = [];
    const features: (Feature | 'none')[] = [];
    for (const [name, value] of Object.entries(d.raw)) {
      const cal = this.cals.get(name);
      if (!cal || !Number.isFinite(value)) continue;
      if (cut && VOLUME_DETECTORS.has(name)) continue;
      verdicts.push({ name, p: cal.tailProbability(value) });
      features.push((WINDOW_FEATURES as readonly string[]).includes(name) ? (name as Feature) : 'none');
    }
    if (this.forest && !cut) {
      const cal = this.cals.get('isolation_forest');
      if (cal) {
        verdicts.push({ name: 'isolation_forest', p: cal.tailProbability(this.forest.scoreRow(d.vector)) });
        features.push('none');
      }
    }
    const result = combineVerdicts(verdicts);
    let feature: Feature | 'none' = result.strongest >= 0 ? features[result.strongest] : 'none';
    if (feature === 'none') feature = cut ? 'error_ratio' : 'volume';
    const fi = WINDOW_FEATURES.indexOf(feature);
    const base = d.baselines[fi];
    const observed = d.values[fi];
    const expected = base.median;
    // The volume band uses the count distribution's spread; the other features their robust σ.
    const half =
      feature === 'volume'
        ? this.s.bandZ * Math.sqrt(Math.max(expected, base.sigma ** 2))
        : this.s.bandZ * base.sigma;
    // Every feature is a count, a ratio, a divergence or a latency: none is negative, and a ratio is at most 1.
    const lower = Math.max(0, expected - half);
    const upper = feature === 'error_ratio' ? Math.min(1, expected + half) : expected + half;
    // Hard rule: a service falls silent when, by its own count distribution, an empty window is rarer than θ says.
    const volumeBase = d.baselines[0];
    const silent =
      !cut &&
      w.lines === 0 &&
      countTailProbability(0, volumeBase.median, Math.max(volumeBase.median, volumeBase.sigma ** 2)) <=
        tailProbabilityFromScore(DEFAULT_THRESHOLD);
    return {
      ...result,
      feature,
      observed,
      expected,
      lower,
      upper,
      floor: silent ? 'high' : null,
      explanation: explainWindow(w, feature, observed, expected, lower, upper, result.score, silent, widthMs),
    };
  }

  private detectorInputs(w: WindowStats): DetectorInputs | null {
    const known = this.inputs.get(w);
    if (known !== undefined && known.lines === w.lines) return known.inputs;
    const sm = this.s.services[w.service];
    if (!sm) return null;
    const values = this.features?.get(w) ?? rawFeatures(w, sm);
    const hour = Math.floor((w.start % DAY_MS) / HOUR_MS);
    const raw: Record<string, number> = {};
    const vector: number[] = [];
    const baselines: RobustStats[] = [];
    let sigma3 = 0;
    for (const [fi, f] of WINDOW_FEATURES.entries()) {
      const b = sm.baselines[f];
      const base = b.byHour[hour] ?? b.overall;
      baselines.push(base);
      const x = values[fi];
      if (!Number.isFinite(x)) {
        vector.push(0);
        continue;
      }
      const signed = (x - base.median) / base.sigma;
      vector.push(signed);
      // Volume is a count, two-sided (a flood or a silence): its raw surprise is −log10 of a negative-binomial
      // tail around the seasonal expectation, then calibrated on the reference like every other detector.
      raw[f] =
        f === 'volume'
          ? -Math.log10(
              Math.max(1e-300, countTailProbability(x, base.median, Math.max(base.median, base.sigma ** 2))),
            )
          : Math.max(0, signed);
      if (b.std > 0) sigma3 = Math.max(sigma3, Math.abs(x - b.mean) / b.std);
    }
    raw.three_sigma = sigma3;
    const inputs = { raw, vector, values, baselines };
    this.inputs.set(w, { lines: w.lines, inputs });
    return inputs;
  }
}

const MINUTE_MS = 60_000;

/** `window`, or `16-minute window`, `90-second window`, `2-hour window` for windows that are not a minute. */
function windowNoun(widthMs: number): string {
  if (widthMs === MINUTE_MS) return 'window';
  const s = widthMs / 1000;
  if (s % 3600 === 0) return `${s / 3600}-hour window`;
  if (s % 60 === 0) return `${s / 60}-minute window`;
  return `${s}-second window`;
}

/** Detectors that read a window's volume, which a window cut by the input's edges does not show whole. */
const VOLUME_DETECTORS: ReadonlySet<string> = new Set(['volume', 'three_sigma']);

/** What the detectors of a window read: raw surprises, the standardized vector, feature values, baselines. */
interface DetectorInputs {
  raw: Record<string, number>;
  vector: number[];
  values: number[];
  baselines: RobustStats[];
}

function rawFeatures(w: WindowStats, sm: ServiceModel): number[] {
  const errorRatio = w.lines > 0 ? w.errors / w.lines : 0;
  const mix = w.lines > 0 ? jsDivergence(w.templates, w.otherTemplates, sm.distribution) : 0;
  return [w.lines, errorRatio, mix, latencyQuantile(w.latencyBins, w.latencyCount, 0.95)];
}

function fitBaseline(starts: number[], xs: number[], minHourWindows: number): Baseline {
  const finite = xs.filter(Number.isFinite);
  const overall = finite.length > 0 ? robustStats(finite) : { median: 0, sigma: 1, n: 0 };
  let mean = 0;
  for (const x of finite) mean += x;
  mean /= Math.max(1, finite.length);
  let v = 0;
  for (const x of finite) v += (x - mean) ** 2;
  const std = Math.sqrt(v / Math.max(1, finite.length - 1));
  const byHourValues: number[][] = Array.from({ length: 24 }, () => []);
  const byHourDays: Set<number>[] = Array.from({ length: 24 }, () => new Set());
  for (let i = 0; i < starts.length; i++) {
    if (!Number.isFinite(xs[i])) continue;
    const h = Math.floor((starts[i] % DAY_MS) / HOUR_MS);
    byHourValues[h].push(xs[i]);
    byHourDays[h].add(Math.floor(starts[i] / DAY_MS));
  }
  const byHour = byHourValues.map((vals, h) =>
    vals.length >= minHourWindows && byHourDays[h].size >= 2 ? robustStats(vals) : null,
  );
  return { overall, mean, std, byHour };
}

/** Totals of service distributions, which every window of the service is compared with (thousands of keys). */
const distributionTotals = new WeakMap<Record<string, number>, number>();

function totalOf(distribution: Record<string, number>): number {
  let total = distributionTotals.get(distribution);
  if (total === undefined) {
    total = 0;
    for (const c of Object.values(distribution)) total += c;
    distributionTotals.set(distribution, total);
  }
  return total;
}

/** Jensen–Shannon divergence (bits, in [0, 1]) between a window's template counts and the service's. */
function jsDivergence(
  window: Record<string, number>,
  other: number,
  service: Record<string, number>,
): number {
  let wTotal = other;
  for (const c of Object.values(window)) wTotal += c;
  const sTotal = totalOf(service);
  if (wTotal === 0 || sTotal === 0) return 0;
  let js = 0;
  let sCovered = 0;
  for (const [id, c] of Object.entries(window)) {
    const p = c / wTotal;
    const q = (service[id] ?? 0) / sTotal;
    sCovered += q;
    const m = (p + q) / 2;
    js += p * Math.log2(p / m);
    if (q > 0) js += q * Math.log2(q / m);
  }
  // Templates of the service absent from the window: p = 0, each contributes q·log2(q/(q/2)) = q.
  js += Math.max(0, 1 - sCovered);
  if (other > 0) js += (other / wTotal) * 0.5;
  return Math.min(1, js / 2);
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3);
}

function explainWindow(
  w: WindowStats,
  feature: Feature,
  observed: number,
  expected: number,
  lower: number,
  upper: number,
  score: number,
  silent: boolean,
  widthMs: number,
): string {
  // Read by people: minutes in UTC, e.g. "2026-11-22 06:56 UTC".
  const at = `${new Date(w.start).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const windowText = windowNoun(widthMs);
  if (silent)
    return `${w.service} logged nothing in the ${windowText} from ${at}; about ${fmt(expected)} lines were expected.`;
  const range = `(normal ${fmt(lower)} to ${fmt(upper)})`;
  if (score < 0.3) return `${w.service} behaved as usual in the ${windowText} from ${at}.`;
  switch (feature) {
    case 'volume':
      return `${w.service} logged ${fmt(observed)} lines in the ${windowText} from ${at} against an expected ${fmt(expected)} ${range}.`;
    case 'error_ratio':
      return `${w.service} error ratio ${(observed * 100).toFixed(1)}% in the ${windowText} from ${at} against an expected ${(expected * 100).toFixed(1)}%.`;
    case 'template_mix':
      return `${w.service} logged an unusual mix of messages in the ${windowText} from ${at} (divergence ${fmt(observed)} against a usual ${fmt(expected)}).`;
    case 'latency_p95':
      return `${w.service} p95 latency ${fmt(observed)} ms in the ${windowText} from ${at} against an expected ${fmt(expected)} ms ${range}.`;
  }
}
