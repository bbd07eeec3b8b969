import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { MultiSeriesModel } from './multi-series-model.js';

const STEP = 60_000;
const START = Date.UTC(2024, 0, 1);

/** CPU, memory and latency of one service: load drives CPU and latency together. */
function entity(n: number, seed: number, breakAt = -1): { times: number[]; rows: number[][] } {
  const rng = createRng(seed);
  const times: number[] = [];
  const rows: number[][] = [];
  let load = 0.5;
  for (let i = 0; i < n; i++) {
    load = Math.min(0.95, Math.max(0.05, load + (rng.next() - 0.5) * 0.05));
    const cpu = load * 100 + (rng.next() - 0.5) * 4;
    const memory = 60 + (rng.next() - 0.5) * 2;
    let latency = 50 + load * 200 + (rng.next() - 0.5) * 8;
    if (breakAt >= 0 && i >= breakAt && i < breakAt + 30) latency += 40;
    times.push(START + i * STEP);
    rows.push([cpu, memory, latency]);
  }
  return { times, rows };
}

describe('MultiSeriesModel', () => {
  it('stays quiet on a normal entity and alerts once when one series breaks away', () => {
    const quiet = entity(3000, 1);
    const a = new MultiSeriesModel(['cpu', 'memory', 'latency']);
    const alerts: number[] = [];
    quiet.times.forEach((t, i) => {
      if (a.update(t, quiet.rows[i]).alert && i > 300) alerts.push(i);
    });
    expect(alerts.length).toBeLessThanOrEqual(1);

    const broken = entity(3000, 1, 2500);
    const b = new MultiSeriesModel(['cpu', 'memory', 'latency']);
    const found: { i: number; strongest: string | null }[] = [];
    broken.times.forEach((t, i) => {
      const p = b.update(t, broken.rows[i]);
      if (p.alert && i >= 2500) found.push({ i, strongest: p.strongest });
      expect(p.points).toHaveLength(3);
    });
    expect(found[0].i - 2500).toBeLessThanOrEqual(2);
    expect(found[0].strongest === 'latency' || found[0].strongest === 'joint').toBe(true);
    expect(found.filter((f) => f.i < 2530)).toHaveLength(1);
  });

  it('restores mid-stream to identical scores', () => {
    const { times, rows } = entity(2000, 2, 1500);
    const a = new MultiSeriesModel(['cpu', 'memory', 'latency'], { threshold: 0.5 });
    for (let i = 0; i < 1000; i++) a.update(times[i], rows[i]);
    const b = MultiSeriesModel.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    for (let i = 1000; i < 2000; i++)
      expect(b.update(times[i], rows[i])).toEqual(a.update(times[i], rows[i]));
  });

  it('rejects a row of the wrong width', () => {
    expect(() => new MultiSeriesModel(['a', 'b']).update(START, [1])).toThrow(/expected 2 values/);
  });
});
