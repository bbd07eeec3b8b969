import { createRng, type Rng } from '../random/rng.js';
import { SeasonalBaseline } from './seasonal-baseline.js';
import { emptySeriesPoint, SeriesModel, type SeriesModelOptions } from './series-model.js';

/** Options of {@link benchSeries}; the defaults are the figures the issue asks for. */
export interface SeriesBenchOptions {
  /** Points scored by the seasonal baseline. @defaultValue 10_000_000 */
  baselinePoints?: number;
  /** Points of the single-series streaming runs (fast ensemble; the full one gets half). @defaultValue 1_000_000 */
  streamPoints?: number;
  /** Series of the fleet run. @defaultValue 10_000 */
  series?: number;
  /** Points per series of the fleet run (one day at one-minute resolution). @defaultValue 1440 */
  pointsPerSeries?: number;
}

/** What {@link benchSeries} measured, on one core. */
export interface SeriesBenchResult {
  /** Seasonal baseline (hour-of-week median/MAD and 3σ, calibrated) scoring. */
  baselinePointsPerSec: number;
  /** Streaming model, default (`fast`) ensemble: score then learn, per point. */
  fastPointsPerSec: number;
  /** Streaming model with the `full` ensemble (plus Isolation Forest and LOF). */
  fullPointsPerSec: number;
  fleet: {
    series: number;
    pointsPerSeries: number;
    /** Wall time to create, fit (warm up) and score every series, time-major as a scheduler would. */
    seconds: number;
    pointsPerSec: number;
    /** Growth of the JavaScript heap plus typed-array buffers, and of the resident set, over the run, in MB. */
    heapMb: number;
    rssMb: number;
    /** Size of one series' serialized state (JSON), in bytes. */
    stateBytesPerSeries: number;
    /** Alerts raised across the fleet (a sanity figure: the data is normal apart from one spike per 100 series). */
    alerts: number;
  };
}

const MINUTE = 60_000;
const START = Date.UTC(2024, 0, 1);

function gauss(rng: Rng): number {
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** A one-minute series: a daily cycle with a per-series level, amplitude and phase, plus noise. */
function fillSeries(rng: Rng, n: number, times: Float64Array, values: Float64Array, offset = 0): void {
  const level = 50 + rng.next() * 100;
  const amplitude = level * (0.1 + 0.3 * rng.next());
  const phase = rng.next() * 2 * Math.PI;
  const noise = amplitude * 0.05;
  for (let i = 0; i < n; i++) {
    const k = offset + i;
    times[i] = START + k * MINUTE;
    values[i] = level + amplitude * Math.sin((2 * Math.PI * k) / 1440 + phase) + noise * gauss(rng);
  }
}

function pointsPerSec(points: number, ms: number): number {
  return Math.round((points / Math.max(ms, 1e-3)) * 1000);
}

function streamRate(points: number, options: SeriesModelOptions): number {
  const rng = createRng(7);
  const times = new Float64Array(points);
  const values = new Float64Array(points);
  fillSeries(rng, points, times, values);
  const out = emptySeriesPoint();
  // Steady state, as in a long-running engine: a throwaway model first lets the JIT compile the hot paths.
  const warm = new SeriesModel(options);
  for (let i = 0; i < Math.min(points, 100_000); i++) warm.updateInto(times[i], values[i], out);
  const model = new SeriesModel(options);
  const t0 = performance.now();
  for (let i = 0; i < points; i++) model.updateInto(times[i], values[i], out);
  return pointsPerSec(points, performance.now() - t0);
}

function baselineRate(points: number): number {
  const rng = createRng(3);
  const week = 7 * 1440;
  const t = new Float64Array(week);
  const v = new Float64Array(week);
  fillSeries(rng, week, t, v);
  const baseline = SeasonalBaseline.fit(t, v, { period: 'week' });
  const chunk = 1 << 20;
  const times = new Float64Array(chunk);
  const values = new Float64Array(chunk);
  fillSeries(rng, chunk, times, values, week);
  const out = new Float64Array(chunk);
  baseline.scoreInto(times, values, out);
  const rounds = Math.max(1, Math.round(points / chunk));
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) baseline.scoreInto(times, values, out);
  return pointsPerSec(rounds * chunk, performance.now() - t0);
}

function fleet(series: number, perSeries: number): SeriesBenchResult['fleet'] {
  const rng = createRng(11);
  const times = new Float64Array(perSeries);
  const values = new Float64Array(series * perSeries);
  const row = new Float64Array(perSeries);
  for (let s = 0; s < series; s++) {
    fillSeries(rng, perSeries, times, row);
    if (s % 100 === 0) row[perSeries - 200] += 50;
    values.set(row, s * perSeries);
  }
  const before = process.memoryUsage();
  const t0 = performance.now();
  const models = Array.from({ length: series }, () => new SeriesModel());
  const out = emptySeriesPoint();
  let alerts = 0;
  for (let i = 0; i < perSeries; i++) {
    for (let s = 0; s < series; s++) {
      models[s].updateInto(times[i], values[s * perSeries + i], out);
      if (out.alert) alerts++;
    }
  }
  const ms = performance.now() - t0;
  const mem = process.memoryUsage();
  return {
    series,
    pointsPerSeries: perSeries,
    seconds: Math.round(ms) / 1000,
    pointsPerSec: pointsPerSec(series * perSeries, ms),
    heapMb: Math.round((mem.heapUsed + mem.arrayBuffers - before.heapUsed - before.arrayBuffers) / 1e5) / 10,
    rssMb: Math.round((mem.rss - before.rss) / 1e5) / 10,
    stateBytesPerSeries: JSON.stringify(models[0].toJSON()).length,
    alerts,
  };
}

/**
 * Series throughput and memory, one core: the seasonal baseline's scoring rate, the streaming model's rate with
 * the fast and the full ensemble, and a fleet of 10,000 one-minute series over one day, each warmed up and scored
 * point by point, with the memory it took. For `npm run bench`.
 *
 * @example
 * ```ts
 * const r = await benchSeries();
 * console.log(formatSeriesBench(r));
 * ```
 */
export async function benchSeries(options: SeriesBenchOptions = {}): Promise<SeriesBenchResult> {
  const {
    baselinePoints = 10_000_000,
    streamPoints = 1_000_000,
    series = 10_000,
    pointsPerSeries = 1440,
  } = options;
  const baselinePointsPerSec = baselineRate(baselinePoints);
  const fastPointsPerSec = streamRate(streamPoints, {});
  const fullPointsPerSec = streamRate(Math.max(1, streamPoints >> 1), { ensemble: 'full' });
  return { baselinePointsPerSec, fastPointsPerSec, fullPointsPerSec, fleet: fleet(series, pointsPerSeries) };
}

/** The result as a few readable lines. */
export function formatSeriesBench(r: SeriesBenchResult): string {
  const k = (n: number) => `${(n / 1000).toFixed(0)}k`;
  const f = r.fleet;
  return [
    `series baseline scoring: ${(r.baselinePointsPerSec / 1e6).toFixed(1)}M points/s`,
    `series model, fast ensemble: ${k(r.fastPointsPerSec)} points/s; full ensemble: ${k(r.fullPointsPerSec)} points/s`,
    `fleet: ${f.series.toLocaleString('en')} series × ${f.pointsPerSeries} points fitted and scored in ${f.seconds} s ` +
      `(${k(f.pointsPerSec)} points/s), heap and buffers +${f.heapMb} MB (${((f.heapMb * 1e6) / f.series / 1024).toFixed(1)} KB/series), RSS +${f.rssMb} MB, state ${(f.stateBytesPerSeries / 1024).toFixed(1)} KB/series, ${f.alerts} alerts`,
  ].join('\n');
}
