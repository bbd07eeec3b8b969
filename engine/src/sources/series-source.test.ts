import { describe, expect, it } from 'vitest';
import type { PromSeries } from '../integrations/prometheus/prometheus-query.js';
import { suppressionPattern } from '../jobs/suppression.js';
import { fitSeriesState, type SeriesSourceState, scoreSeriesRun } from './series-source.js';
import { type PrometheusSource, parseSourceDefinition } from './source-definition.js';

const STEP = 60_000;
const T0 = Date.UTC(2026, 0, 1);

function series(name: string, from: number, to: number, spikeAt = -1): PromSeries {
  const n = to - from;
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = from + i;
    timestamps[i] = T0 + k * STEP;
    // Deterministic noise: a daily wave plus a hash of k.
    const noise = (((k * 2654435761) >>> 0) % 1000) / 1000 - 0.5;
    values[i] = 100 + 20 * Math.sin((2 * Math.PI * k) / 1440) + 3 * noise + (k === spikeAt ? 400 : 0);
  }
  return {
    labels: { __name__: 'latency', instance: name },
    key: `latency{instance="${name}"}`,
    timestamps,
    values,
  };
}

function pulled(from: number, to: number, spikeAt = -1, names = ['a']): Map<string, PromSeries> {
  return new Map(names.map((n) => [`latency{instance="${n}"}`, series(n, from, to, spikeAt)]));
}

function def(over: Record<string, unknown> = {}): PrometheusSource {
  const d = parseSourceDefinition({
    id: 'lat',
    kind: 'prometheus',
    url: 'http://p:9090',
    queries: ['latency'],
    schedule: '* * * * *',
    ...over,
  });
  if (d.kind !== 'prometheus') throw new Error('not a prometheus source');
  return d;
}

describe('series sources', () => {
  it('warm-starts on history, then reports a spike once, with its series and band', () => {
    const { state } = fitSeriesState(def(), pulled(0, 2000));
    const r = scoreSeriesRun(def(), 'acme', state, pulled(2000, 2300, 2100), new Set());
    expect(r.points).toBe(300);
    expect(r.detections).toHaveLength(1);
    const [d] = r.detections;
    expect(d).toMatchObject({
      kind: 'point',
      tenant: 'acme',
      source: 'lat',
      service: 'latency{instance="a"}',
    });
    expect(d.timestamp).toBe(new Date(T0 + 2100 * STEP).toISOString());
    expect(d.id).toBe(`acme:lat:latency{instance="a"}:${T0 + 2100 * STEP}`);
    expect(d.score).toBeGreaterThanOrEqual(0.95);
    expect(d.observed).toBeGreaterThan(d.upper ?? Number.POSITIVE_INFINITY);
    expect(r.state.series['latency{instance="a"}'].latest?.time).toBe(T0 + 2299 * STEP);
  });

  it('scores a repeated range not at all, and two halves as one run (state round-trips through JSON)', () => {
    const { state } = fitSeriesState(def(), pulled(0, 2000));
    const whole = scoreSeriesRun(def(), 't', state, pulled(2000, 2300, 2100), new Set());
    const first = scoreSeriesRun(def(), 't', state, pulled(2000, 2150, 2100), new Set());
    const restored = JSON.parse(JSON.stringify(first.state)) as SeriesSourceState;
    const again = scoreSeriesRun(def(), 't', restored, pulled(2000, 2150, 2100), new Set());
    expect(again.points).toBe(0);
    expect(again.detections).toEqual([]);
    const second = scoreSeriesRun(def(), 't', restored, pulled(2150, 2300), new Set());
    expect([...first.scores, ...second.scores]).toEqual(whole.scores);
    expect([...first.detections, ...second.detections]).toEqual(whole.detections);
  });

  it('keeps to max_series and says so', () => {
    const { state, overLimit } = fitSeriesState(def({ max_series: 2 }), pulled(0, 500, -1, ['a', 'b', 'c']));
    expect(Object.keys(state.series)).toHaveLength(2);
    expect(overLimit?.message).toMatch(/1 series more than max_series \(2\)/);
    const r = scoreSeriesRun(
      def({ max_series: 2 }),
      't',
      state,
      pulled(500, 510, -1, ['a', 'b', 'c', 'd']),
      new Set(),
    );
    expect(r.series).toBe(2);
    expect(r.overLimit?.dropped).toBe(2);
  });

  it('honours "not an anomaly" feedback on the series pattern', () => {
    const { state } = fitSeriesState(def(), pulled(0, 2000));
    const r = scoreSeriesRun(def(), 't', state, pulled(2000, 2300, 2100), new Set());
    const pattern = suppressionPattern(r.detections[0]);
    const muted = scoreSeriesRun(def(), 't', state, pulled(2000, 2300, 2100), new Set([pattern]));
    expect(muted.detections).toEqual([]);
    expect(muted.scores).toEqual(r.scores);
    // The runner retrains on feedback: what users call normal becomes part of the refitted model.
    expect(muted.suppressed).toBe(1);
    expect(r.suppressed).toBe(0);
  });
});
