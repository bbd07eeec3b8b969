import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../random/rng.js';
import { scoreSeries } from './score-series.js';
import { SeriesModel, type SeriesModelOptions } from './series-model.js';

const STEP = 300_000;
const PER_DAY = 288;
const START = Date.UTC(2024, 0, 1);
const AT = 3000;

function gauss(rng: Rng): number {
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

type Plant = (i: number, x: number, rng: Rng) => number;

/** 14 days at 5-minute resolution: a daily sine plus a daytime plateau, Gaussian noise σ = 2, then `plant`. */
function series(
  seed: number,
  plant: Plant = (_, x) => x,
  days = 14,
): { times: Float64Array; values: Float64Array } {
  const rng = createRng(seed);
  const n = days * PER_DAY;
  const times = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const phase = (i % PER_DAY) / PER_DAY;
    const x =
      50 + 20 * Math.sin(2 * Math.PI * phase) + (phase > 0.375 && phase < 0.75 ? 15 : 0) + 2 * gauss(rng);
    times[i] = START + i * STEP;
    values[i] = plant(i, x, rng);
  }
  return { times, values };
}

function alerts(
  times: Float64Array,
  values: Float64Array,
  options: SeriesModelOptions = {},
  from = 2 * PER_DAY,
): number[] {
  const r = scoreSeries(times, values, options);
  const out: number[] = [];
  for (let i = from; i < times.length; i++) if (r.severity[i] !== null) out.push(i);
  return out;
}

const SEEDS = [1, 2, 3];

describe('SeriesModel on planted anomalies', () => {
  it('does not flag a pure seasonal pattern', () => {
    for (const seed of SEEDS) {
      const { times, values } = series(seed);
      expect(alerts(times, values), `seed ${seed}`).toEqual([]);
    }
  });

  it('flags a spike and a dip on the point itself', () => {
    for (const seed of SEEDS) {
      for (const sign of [1, -1]) {
        const { times, values } = series(seed, (i, x) => (i === AT ? x + sign * 25 : x));
        expect(alerts(times, values), `seed ${seed}, sign ${sign}`).toEqual([AT]);
      }
    }
  });

  it('flags a level shift within a few points, once', () => {
    for (const seed of SEEDS) {
      const { times, values } = series(seed, (i, x) => (i >= AT ? x + 10 : x));
      const found = alerts(times, values);
      expect(found.length, `seed ${seed}`).toBeGreaterThan(0);
      expect(found[0] - AT).toBeGreaterThanOrEqual(0);
      expect(found[0] - AT).toBeLessThanOrEqual(5);
      expect(found.length).toBeLessThanOrEqual(3);
    }
  });

  it('flags a variance change within a dozen points', () => {
    for (const seed of SEEDS) {
      const { times, values } = series(seed, (i, x, rng) => (i >= AT ? x + 8 * gauss(rng) : x));
      const found = alerts(times, values);
      expect(found[0] - AT, `seed ${seed}`).toBeGreaterThanOrEqual(0);
      expect(found[0] - AT).toBeLessThanOrEqual(12);
    }
  });

  it('flags a broken seasonal pattern and a stuck value', () => {
    for (const seed of SEEDS) {
      const shifted = series(seed, (i, x) =>
        i >= AT && i < AT + PER_DAY ? 50 + 20 * Math.sin(2 * Math.PI * ((i % PER_DAY) / PER_DAY + 0.5)) : x,
      );
      const a = alerts(shifted.times, shifted.values);
      expect(a[0] - AT, `seed ${seed}`).toBeLessThanOrEqual(60);
      expect(a[0]).toBeGreaterThanOrEqual(AT);
      const stuck = series(seed, (i, x) => (i >= AT && i < AT + 300 ? 50 : x));
      const b = alerts(stuck.times, stuck.values);
      expect(b[0] - AT, `seed ${seed}`).toBeLessThanOrEqual(30);
      expect(b[0]).toBeGreaterThanOrEqual(AT);
    }
  });

  it('finds the planted anomalies with the full ensemble too', () => {
    const spike = series(1, (i, x) => (i === AT ? x + 25 : x));
    expect(alerts(spike.times, spike.values, { ensemble: 'full' })).toContain(AT);
    const shift = series(2, (i, x) => (i >= AT ? x + 10 : x));
    const found = alerts(shift.times, shift.values, { ensemble: 'full' }).filter((i) => i >= AT);
    expect(found[0] - AT).toBeLessThanOrEqual(5);
  });

  it('reports a long anomaly once, not on every point', () => {
    const { times, values } = series(1, (i, x) => (i >= AT && i < AT + 60 ? x + 40 : x));
    const r = scoreSeries(times, values);
    let high = 0;
    for (let i = AT; i < AT + 60; i++) if (r.scores[i] >= 0.5) high++;
    expect(high).toBeGreaterThan(1);
    expect(alerts(times, values).filter((i) => i >= AT && i < AT + 60)).toEqual([AT]);
  });

  it('gives an expected value and a band around it for every point', () => {
    const { times, values } = series(4);
    const r = scoreSeries(times, values);
    for (let i = 1; i < times.length; i++) {
      expect(Number.isFinite(r.expected[i])).toBe(true);
      expect(r.lower[i]).toBeLessThanOrEqual(r.expected[i]);
      expect(r.upper[i]).toBeGreaterThanOrEqual(r.expected[i]);
    }
    let inside = 0;
    for (let i = 3 * PER_DAY; i < times.length; i++)
      if (values[i] >= r.lower[i] && values[i] <= r.upper[i]) inside++;
    expect(inside / (times.length - 3 * PER_DAY)).toBeGreaterThan(0.99);
  });
});

describe('SeriesModel guard rails', () => {
  const spike = (sign: number) => series(1, (i, x) => (i === AT ? x + sign * 25 : x));

  it('alerts only in the watched direction', () => {
    const up = spike(1);
    const down = spike(-1);
    expect(alerts(up.times, up.values, { direction: 'down' })).toEqual([]);
    expect(alerts(down.times, down.values, { direction: 'down' })).toEqual([AT]);
    expect(alerts(down.times, down.values, { direction: 'up' })).toEqual([]);
  });

  it('needs a minimum absolute and relative deviation', () => {
    const { times, values } = spike(1);
    expect(alerts(times, values, { minAbsoluteDeviation: 30 })).toEqual([]);
    expect(alerts(times, values, { minAbsoluteDeviation: 10 })).toEqual([AT]);
    expect(alerts(times, values, { minRelativeDeviation: 1 })).toEqual([]);
    expect(alerts(times, values, { minRelativeDeviation: 0.2 })).toEqual([AT]);
  });
});

describe('SeriesModel state', () => {
  for (const ensemble of ['fast', 'full'] as const) {
    it(`restores mid-stream to identical scores (${ensemble})`, () => {
      const { times, values } = series(5, (i, x) => (i === 3500 ? x + 30 : x));
      const cut = 2500;
      const original = new SeriesModel({ ensemble });
      for (let i = 0; i < cut; i++) original.update(times[i], values[i]);
      const restored = SeriesModel.fromJSON(JSON.parse(JSON.stringify(original.toJSON())));
      for (let i = cut; i < times.length; i++) {
        const a = original.update(times[i], values[i]);
        const b = restored.update(times[i], values[i]);
        expect(b, `point ${i}`).toEqual(a);
      }
      expect(JSON.stringify(restored.toJSON())).toBe(JSON.stringify(original.toJSON()));
    });
  }

  it('warm-starts from history exactly as if it had run live', () => {
    const { times, values } = series(6);
    const cut = 2000;
    const warm = SeriesModel.fit(times.subarray(0, cut), values.subarray(0, cut));
    const live = scoreSeries(times, values);
    for (let i = cut; i < times.length; i++)
      expect(warm.update(times[i], values[i]).score).toBe(live.scores[i]);
  });
});

describe('SeriesModel input handling', () => {
  it('treats NaN as missing and ±Infinity as anomalous, learning neither', () => {
    const { times, values } = series(7);
    const model = new SeriesModel();
    for (let i = 0; i < AT; i++) model.update(times[i], values[i]);
    const twin = SeriesModel.fromJSON(model.toJSON());
    const missing = model.update(times[AT], Number.NaN);
    expect(missing.score).toBe(0);
    expect(missing.alert).toBe(false);
    expect(Number.isFinite(missing.expected)).toBe(true);
    const inf = model.update(times[AT + 1], Number.POSITIVE_INFINITY);
    expect(inf.score).toBe(1);
    expect(inf.alert).toBe(true);
    expect(inf.severity).toBe('critical');
    const after = model.update(times[AT + 2], values[AT + 2]);
    expect(after.score).toBeCloseTo(twin.update(times[AT + 2], values[AT + 2]).score, 2);
  });

  it('keeps time monotone with repeated and backward timestamps', () => {
    const { times, values } = series(8, undefined, 4);
    const t = Float64Array.from(times);
    t[500] = t[499];
    t[501] = t[499];
    t[700] = t[650];
    const r = scoreSeries(t, values);
    for (let i = 0; i < t.length; i++) expect(Number.isFinite(r.scores[i])).toBe(true);
    expect(alerts(t, values)).toEqual([]);
  });

  it('does not alert on a gap alone', () => {
    const { times, values } = series(9);
    const hole = 72;
    const t = Float64Array.from([...times.subarray(0, AT), ...times.subarray(AT + hole)]);
    const v = Float64Array.from([...values.subarray(0, AT), ...values.subarray(AT + hole)]);
    expect(t[AT] - t[AT - 1]).toBe((hole + 1) * STEP);
    expect(alerts(t, v).filter((i) => i >= AT && i < AT + 10)).toEqual([]);
  });

  it('flags the first change of a constant series', () => {
    const n = 2000;
    const times = Float64Array.from({ length: n }, (_, i) => START + i * 60_000);
    const values = new Float64Array(n).fill(45);
    values[1500] = 46;
    expect(alerts(times, values, {}, 0)).toEqual([1500]);
  });

  it('scores a counter by its rate, so a reset is not an anomaly', () => {
    const rng = createRng(3);
    const n = 3000;
    const times = Float64Array.from({ length: n }, (_, i) => START + i * 60_000);
    const values = new Float64Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (i === 1200 || i === 2400) total = 0;
      total += 600 + 60 * gauss(rng);
      values[i] = total;
    }
    values.subarray(2700, 2701).set([values[2699] + 6000]);
    for (let i = 2701; i < n; i++) values[i] += 5400;
    const found = alerts(times, values, { counter: true }, 600);
    expect(found).toEqual([2700]);
  });
});
