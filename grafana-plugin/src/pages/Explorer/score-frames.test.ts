import type { AnomalyHistogram, HistogramBucket } from '../../api/engine-api';
import { histogramFrames, SERIES } from './score-frames';

const bucket = (t: number, over: Partial<HistogramBucket> = {}): HistogramBucket => ({
  t,
  count: 0,
  max_score: null,
  severity: { low: 0, medium: 0, high: 0, critical: 0 },
  observed: null,
  expected: null,
  lower: null,
  upper: null,
  ...over,
});

const histogram = (buckets: HistogramBucket[]): AnomalyHistogram => ({ from: 0, to: 2000, step_ms: 1000, buckets });

describe('histogramFrames', () => {
  test('plots the highest score per bucket against the 0.5 threshold, gaps left empty', () => {
    const [frame] = histogramFrames(histogram([bucket(0, { count: 3, max_score: 0.9 }), bucket(1000)]));
    expect(frame.fields.map((f) => f.name)).toEqual(['Time', SERIES.score]);
    expect(frame.fields[0].values).toEqual([0, 1000]);
    expect(frame.fields[1].values).toEqual([0.9, null]);
    expect(frame.fields[1].config.thresholds?.steps.map((s) => s.value)).toEqual([-Infinity, 0.5, 0.85]);
    expect(frame.fields[1].config.custom.thresholdsStyle).toEqual({ mode: 'dashed' });
  });

  test('adds observed and expected with the lower-upper band filled when the buckets have them', () => {
    const [frame] = histogramFrames(
      histogram([
        bucket(0, { count: 1, max_score: 0.7, observed: 120, expected: 40, lower: 20, upper: 60 }),
        bucket(1000),
      ])
    );
    expect(frame.fields.map((f) => f.name)).toEqual([
      'Time',
      SERIES.score,
      SERIES.observed,
      SERIES.expected,
      SERIES.lower,
      SERIES.upper,
    ]);
    const upper = frame.fields[5];
    expect(upper.values).toEqual([60, null]);
    expect(upper.config.custom.fillBelowTo).toBe(SERIES.lower);
    // On its own axis: the band is in the series' unit, the score in [0, 1].
    expect(frame.fields[2].config.unit).toBe('short');
    expect(frame.fields[1].config.max).toBe(1);
  });
});
