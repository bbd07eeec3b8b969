import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from '../engine/src/model/detection.js';
import { type EngineFixture, startEngine, waitForJob } from './support/engine.js';

let engine: EngineFixture;
beforeAll(async () => {
  engine = await startEngine({ OUTLIER_MAX_JOB_SESSIONS: '2000' });
});
afterAll(async () => {
  await engine?.close();
});

describe('a job with more sessions than OUTLIER_MAX_JOB_SESSIONS', () => {
  it('scores the first sessions, counts the rest in its summary, and still scores every line', async () => {
    // 3000 requests of 3 steps, two in flight at a time; r1000 and r2500 fail alike.
    const lines: string[] = [];
    const start = Date.UTC(2026, 0, 1);
    for (let r = 0; r < 3000; r++) {
      const steps = [
        'request received',
        r === 1000 || r === 2500 ? 'card vault unreachable' : 'stock reserved',
        'request answered',
      ];
      for (const [k, message] of steps.entries()) {
        const time = new Date(start + r * 2000 + k * 500).toISOString();
        lines.push(JSON.stringify({ time, service: 'shop', message, trace_id: `r${r}` }));
      }
    }
    const res = await engine.request('acme', '/api/v2/process?source=capped.log&session_key=trace_id', {
      method: 'POST',
      body: `${lines.join('\n')}\n`,
    });
    expect(res.status).toBe(202);
    const job = (await res.json()) as { job_id: string };
    const done = await waitForJob(engine, 'acme', job.job_id);
    expect(done.status).toBe('completed');
    expect(done.summary).toMatchObject({
      lines: 9000,
      sessions: 2000,
      sessions_not_scored: 1000,
      session_lines_not_scored: 3000,
    });
    // Only the first 2000 requests were scored as sessions: the failing one among them is an anomaly, the other not.
    const page = await engine.request('acme', `/api/v1/anomalies?job=${job.job_id}&kind=session&limit=100`);
    const sessions = ((await page.json()) as { items: Detection[] }).items;
    expect(sessions.map((d) => d.session_id)).toEqual(['r1000']);
  });
});
