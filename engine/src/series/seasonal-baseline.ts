import { TailCalibrator, type TailCalibratorState } from '../detect/calibration.js';
import { robustStats } from '../features/robust-stats.js';
import { SCORE_DECADES } from '../model/score.js';

const HOUR_MS = 3_600_000;
const DAY_HOURS = 24;
const WEEK_HOURS = 168;
/** Monday 00:00 UTC is 4 days after the epoch (a Thursday). */
const WEEK_SHIFT_MS = 4 * 24 * HOUR_MS;
/** Resolution of the z → score tables: steps per unit of z, and the largest z tabulated. */
const TABLE_STEPS = 64;
const TABLE_MAX_Z = 64;
const LOG10_2 = Math.log10(2);

/** The season a baseline profiles. */
export type BaselinePeriod = 'none' | 'day' | 'week';

/** Options of {@link SeasonalBaseline.fit}. */
export interface SeasonalBaselineOptions {
  /**
   * `auto`: the profile (none, hour of day, hour of week) that best predicts held-out days (two-fold
   * cross-validation over alternate days), a finer one only when it cuts the residual spread by at least 10 %
   * and the history covers two of its periods.
   * @defaultValue 'auto'
   */
  period?: BaselinePeriod | 'auto';
  /** Fewest points a bucket needs for its own statistics; thinner buckets use the next coarser profile. @defaultValue 3 */
  minBucketPoints?: number;
}

/** Per-bucket statistics: median, scaled MAD, mean and standard deviation, four per bucket. */
export interface SeasonalBaselineState {
  period: BaselinePeriod;
  stats: number[];
  madCalibrator: TailCalibratorState;
  sigmaCalibrator: TailCalibratorState;
}

function bucketOf(t: number, period: BaselinePeriod): number {
  if (period === 'none') return 0;
  if (period === 'day') return Math.floor((((t % 86_400_000) + 86_400_000) % 86_400_000) / HOUR_MS);
  const w = 7 * 86_400_000;
  return Math.floor(((((t + WEEK_SHIFT_MS) % w) + w) % w) / HOUR_MS);
}

function bucketCount(period: BaselinePeriod): number {
  return period === 'none' ? 1 : period === 'day' ? DAY_HOURS : WEEK_HOURS;
}

/** Median, scaled MAD, mean and σ of each bucket; buckets with too few points take `fallback`'s. */
function profile(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  period: BaselinePeriod,
  minPoints: number,
  fallback: (bucket: number) => [number, number, number, number],
): Float64Array {
  const n = bucketCount(period);
  const groups: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < times.length; i++)
    if (Number.isFinite(values[i])) groups[bucketOf(times[i], period)].push(values[i]);
  const out = new Float64Array(4 * n);
  for (let b = 0; b < n; b++) {
    const g = groups[b];
    let stats: [number, number, number, number];
    if (g.length < minPoints) stats = fallback(b);
    else {
      const r = robustStats(g);
      let mean = 0;
      for (const x of g) mean += x;
      mean /= g.length;
      let ss = 0;
      for (const x of g) ss += (x - mean) ** 2;
      stats = [r.median, r.sigma, mean, Math.max(Math.sqrt(ss / g.length), r.sigma * 1e-3, 1e-9)];
    }
    out.set(stats, 4 * b);
  }
  return out;
}

/**
 * The seasonal baseline model, fitted once on history: robust centre and spread (median / scaled MAD) and mean /
 * σ per hour of day or hour of week (chosen by how much each cuts the residual spread, or configured), thin
 * buckets falling back to the coarser profile; each point gets two residual scores, the MAD z and the classic 3σ
 * z, each calibrated to a tail probability on the training residuals with Outlier's `TailCalibrator`, combined by
 * Bonferroni. Scoring is a table lookup: millions of points per second. The streaming {@link SeriesModel} is the
 * full detector; this is the fast, explainable baseline (and the expected value Grafana panels draw).
 *
 * @example
 * ```ts
 * const baseline = SeasonalBaseline.fit(times, values);
 * const scores = new Float64Array(n);
 * baseline.scoreInto(newTimes, newValues, scores);
 * ```
 */
export class SeasonalBaseline {
  private readonly madTable: Float64Array;
  private readonly sigmaTable: Float64Array;

  private constructor(
    readonly period: BaselinePeriod,
    private readonly stats: Float64Array,
    private readonly madCal: TailCalibrator,
    private readonly sigmaCal: TailCalibrator,
  ) {
    this.madTable = scoreTable(madCal);
    this.sigmaTable = scoreTable(sigmaCal);
  }

  /** Fits the profile on history; non-finite values are skipped. */
  static fit(
    times: ArrayLike<number>,
    values: ArrayLike<number>,
    options: SeasonalBaselineOptions = {},
  ): SeasonalBaseline {
    const { period = 'auto', minBucketPoints = 3 } = options;
    if (times.length !== values.length) throw new RangeError('times and values differ in length');
    const all = profiles(times, values, () => true, minBucketPoints);
    let chosen: BaselinePeriod = period === 'auto' ? 'none' : period;
    if (period === 'auto') {
      // Two-fold cross-validation over alternate days: a finer profile must predict the other half better.
      const span = times.length > 1 ? times[times.length - 1] - times[0] : 0;
      const folds = [0, 1].map((f) => profiles(times, values, (t) => dayParity(t) === f, 2));
      const spread = (p: BaselinePeriod) => cvSpread(times, values, p, (t) => folds[1 - dayParity(t)][p]);
      let best = spread('none');
      for (const p of ['day', 'week'] as const) {
        if (span < 2 * (p === 'day' ? 86_400_000 : 7 * 86_400_000)) continue;
        const s = spread(p);
        if (s < 0.9 * best) {
          best = s;
          chosen = p;
        }
      }
    }
    const stats = all[chosen];
    const zMad: number[] = [];
    const zSigma: number[] = [];
    for (let i = 0; i < times.length; i++) {
      if (!Number.isFinite(values[i])) continue;
      const b = 4 * bucketOf(times[i], chosen);
      zMad.push(Math.abs(values[i] - stats[b]) / stats[b + 1]);
      zSigma.push(Math.abs(values[i] - stats[b + 2]) / stats[b + 3]);
    }
    return new SeasonalBaseline(chosen, stats, TailCalibrator.fit(zMad), TailCalibrator.fit(zSigma));
  }

  /** Restores a baseline from {@link SeasonalBaseline.toJSON}. */
  static fromJSON(state: SeasonalBaselineState): SeasonalBaseline {
    const n = 4 * bucketCount(state.period);
    if (state.stats.length !== n)
      throw new RangeError(`seasonal baseline state has ${state.stats.length} statistics, expected ${n}`);
    return new SeasonalBaseline(
      state.period,
      Float64Array.from(state.stats),
      TailCalibrator.fromJSON(state.madCalibrator),
      TailCalibrator.fromJSON(state.sigmaCalibrator),
    );
  }

  /** The expected (median) value at time `t`. */
  expected(t: number): number {
    return this.stats[4 * bucketOf(t, this.period)];
  }

  /** The robust spread (scaled MAD) at time `t`. */
  spread(t: number): number {
    return this.stats[4 * bucketOf(t, this.period) + 1];
  }

  /** The score of one point (see {@link SeasonalBaseline.scoreInto}). */
  score(t: number, x: number): number {
    const b = 4 * bucketOf(t, this.period);
    const s = this.stats;
    return this.combine(Math.abs(x - s[b]) / s[b + 1], Math.abs(x - s[b + 2]) / s[b + 3], x);
  }

  /**
   * Scores many points into `out`: MAD and 3σ residual z-scores, each through its calibration table, combined by
   * Bonferroni (`min(1, 2·min p)`) on Outlier's scale. NaN values score 0, ±Infinity 1.
   */
  scoreInto(times: ArrayLike<number>, values: ArrayLike<number>, out: Float64Array): void {
    const s = this.stats;
    const p = this.period;
    for (let i = 0; i < times.length; i++) {
      const x = values[i];
      const b = 4 * bucketOf(times[i], p);
      out[i] = this.combine(Math.abs(x - s[b]) / s[b + 1], Math.abs(x - s[b + 2]) / s[b + 3], x);
    }
  }

  /** Serializable state. */
  toJSON(): SeasonalBaselineState {
    return {
      period: this.period,
      stats: Array.from(this.stats),
      madCalibrator: this.madCal.toJSON(),
      sigmaCalibrator: this.sigmaCal.toJSON(),
    };
  }

  private combine(zMad: number, zSigma: number, x: number): number {
    if (Number.isNaN(x)) return 0;
    if (x === Number.POSITIVE_INFINITY || x === Number.NEGATIVE_INFINITY) return 1;
    const best = Math.max(lookup(this.madTable, zMad), lookup(this.sigmaTable, zSigma));
    const s = best - LOG10_2 / SCORE_DECADES;
    return Math.min(1, Math.max(0, s));
  }
}

function dayParity(t: number): number {
  return ((Math.floor(t / 86_400_000) % 2) + 2) % 2;
}

/** The three profiles on the points whose time passes `keep`, each falling back to the coarser one. */
function profiles(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  keep: (t: number) => boolean,
  minPoints: number,
): Record<BaselinePeriod, Float64Array> {
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < times.length; i++) {
    if (keep(times[i])) {
      t.push(times[i]);
      v.push(values[i]);
    }
  }
  const none = profile(t, v, 'none', 1, () => [0, 1, 0, 1]);
  const day = profile(t, v, 'day', minPoints, () => [none[0], none[1], none[2], none[3]]);
  const week = profile(t, v, 'week', minPoints, (b) => {
    const h = 4 * (b % DAY_HOURS);
    return [day[h], day[h + 1], day[h + 2], day[h + 3]];
  });
  return { none, day, week };
}

/** Spread (scaled MAD) of the residuals of each point against the profile `statsFor` gives for its time. */
function cvSpread(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  period: BaselinePeriod,
  statsFor: (t: number) => Float64Array,
): number {
  const r: number[] = [];
  for (let i = 0; i < times.length; i++) {
    if (Number.isFinite(values[i])) r.push(values[i] - statsFor(times[i])[4 * bucketOf(times[i], period)]);
  }
  return robustStats(r).sigma;
}

/** Outlier's score at z = i / TABLE_STEPS, uncapped up to 2 so that the Bonferroni step stays exact. */
function scoreTable(cal: TailCalibrator): Float64Array {
  const table = new Float64Array(TABLE_STEPS * TABLE_MAX_Z + 1);
  for (let i = 0; i < table.length; i++) {
    const p = cal.tailProbability(i / TABLE_STEPS);
    table[i] = p > 0 ? Math.min(-Math.log10(p) / SCORE_DECADES, 2) : 2;
  }
  return table;
}

/** Uncapped score at z, linearly interpolated in the table. */
function lookup(table: Float64Array, z: number): number {
  const pos = z * TABLE_STEPS;
  if (!(pos < table.length - 1)) return pos >= 0 ? table[table.length - 1] : 0;
  const i = pos | 0;
  return table[i] + (table[i + 1] - table[i]) * (pos - i);
}
