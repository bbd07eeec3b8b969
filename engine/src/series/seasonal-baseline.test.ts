import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLD } from '../model/score.js';
import { createRng } from '../random/rng.js';
import { SeasonalBaseline } from './seasonal-baseline.js';

const HOUR = 3_600_000;
const START = Date.UTC(2024, 0, 1); // a Monday

/** Hourly data over `weeks` weeks: a daily shape, busier on weekdays, with noise. */
function hourly(weeks: number, weekly: boolean, seed = 1): { times: Float64Array; values: Float64Array } {
  const rng = createRng(seed);
  const n = weeks * 168;
  const times = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const hour = i % 24;
    const weekday = Math.floor(i / 24) % 7 < 5;
    times[i] = START + i * HOUR;
    values[i] =
      100 + 40 * Math.sin((2 * Math.PI * hour) / 24) + (weekly && weekday ? 60 : 0) + (rng.next() - 0.5) * 10;
  }
  return { times, values };
}

describe('SeasonalBaseline', () => {
  it('detects the daily and the weekly period', () => {
    const daily = hourly(4, false);
    expect(SeasonalBaseline.fit(daily.times, daily.values).period).toBe('day');
    const weekly = hourly(4, true);
    expect(SeasonalBaseline.fit(weekly.times, weekly.values).period).toBe('week');
    const rng = createRng(2);
    const noise = Float64Array.from({ length: 500 }, () => rng.next());
    expect(SeasonalBaseline.fit(daily.times.subarray(0, 500), noise).period).toBe('none');
  });

  it('expects the profile, flags spikes and dips, not the pattern', () => {
    const { times, values } = hourly(4, true);
    const baseline = SeasonalBaseline.fit(times, values);
    const scores = new Float64Array(times.length);
    baseline.scoreInto(times, values, scores);
    expect(scores.filter((s) => s >= DEFAULT_THRESHOLD).length).toBeLessThanOrEqual(2);
    const monday9 = START + 4 * 168 * HOUR + 9 * HOUR;
    expect(baseline.expected(monday9)).toBeGreaterThan(180);
    expect(baseline.score(monday9, baseline.expected(monday9) + 80)).toBeGreaterThanOrEqual(
      DEFAULT_THRESHOLD,
    );
    expect(baseline.score(monday9, baseline.expected(monday9) - 80)).toBeGreaterThanOrEqual(
      DEFAULT_THRESHOLD,
    );
    // A weekday level on a Sunday: normal for the hour of day, not for the hour of week.
    const sunday9 = START + 6 * 24 * HOUR + 9 * HOUR;
    expect(baseline.score(sunday9, baseline.expected(monday9))).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    expect(baseline.score(sunday9, Number.NaN)).toBe(0);
    expect(baseline.score(sunday9, Number.POSITIVE_INFINITY)).toBe(1);
  });

  it('round-trips its state', () => {
    const { times, values } = hourly(3, false);
    const a = SeasonalBaseline.fit(times, values);
    const b = SeasonalBaseline.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    for (let i = 0; i < 200; i++)
      expect(b.score(times[i], values[i] + i)).toBe(a.score(times[i], values[i] + i));
  });
});
