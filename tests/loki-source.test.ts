import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryLokiRange } from '../engine/src/integrations/loki/loki-query.js';
import { type FakeLoki, startFakeLoki } from './fakes/loki-server.js';
import { type EngineFixture, startEngine } from './support/engine.js';

// A Loki source end to end on an in-process engine: lines pulled from a Loki that follows the documented API,
// scored by the log core, and the detections pushed back to Loki as a stream LogQL can read.
const EXPLORER = 'http://grafana.test:3000/a/outlier-anomaly-app/explorer';

function line(ms: number, i: number, message: string, level = 'info'): [bigint, string] {
  return [
    BigInt(ms) * 1_000_000n,
    JSON.stringify({
      time: new Date(ms).toISOString(),
      level,
      service: i % 3 === 0 ? 'db' : 'api',
      message,
      trace_id: `t${i % 200}`,
    }),
  ];
}

/** Normal traffic, one line a second from `fromMs`, with an error burst and a fatal line when asked. */
function traffic(fromMs: number, count: number, incidents: boolean): [bigint, string][] {
  const out: [bigint, string][] = [];
  for (let i = 0; i < count; i++) {
    const ms = fromMs + i * 1000;
    if (incidents && i === Math.floor(count / 2))
      out.push(line(ms, i, 'panic: segmentation fault in allocator', 'fatal'));
    else out.push(line(ms, i, `GET /orders/${i % 50} 200 in ${10 + (i % 7)} ms`));
  }
  return out;
}

describe('Loki source: pull, score, push back', () => {
  let loki: FakeLoki;
  let engine: EngineFixture;
  const now = Date.now();
  beforeAll(async () => {
    loki = await startFakeLoki();
    engine = await startEngine({ OUTLIER_LOKI_PUSH_URL: loki.url, OUTLIER_EXPLORER_URL: EXPLORER });
    loki.push('acme', [
      { labels: { app: 'shop', env: 'prod' }, entries: traffic(now - 50 * 60_000, 2400, false) },
    ]);
    loki.push('acme', [
      { labels: { app: 'shop', env: 'prod' }, entries: traffic(now - 9 * 60_000, 400, true) },
    ]);
  });
  afterAll(async () => {
    await engine?.close();
    await loki?.close();
  });

  const send = (method: string, path: string, body?: unknown) =>
    engine.request('acme', path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('trains on the first lines, scores every line once, and pushes each detection to Loki once', async () => {
    const created = await send('POST', '/api/v1/sources', {
      id: 'shop-logs',
      kind: 'loki',
      url: loki.url,
      org_id: 'acme',
      query: '{app="shop"}',
      schedule: '0 0 1 1 *',
      lookback: '1h',
      delay: '5s',
      train_lines: 2000,
    });
    expect(created.status).toBe(201);
    const first = (await (await send('POST', '/api/v1/sources/shop-logs/run')).json()) as {
      status: string;
      items: number;
      detections: number;
    };
    expect(first).toMatchObject({ status: 'succeeded', items: 2800 });
    expect(first.detections).toBeGreaterThanOrEqual(1);
    const pulls = loki.requests.filter((r) => r.path === '/loki/api/v1/query_range');
    expect(pulls.every((r) => r.orgId === 'acme')).toBe(true);

    const stored = (await (await send('GET', '/api/v1/anomalies?source=shop-logs&limit=500')).json()) as {
      items: { id: string; template: string; service: string }[];
    };
    expect(stored.items.some((d) => /segmentation fault/.test(d.template))).toBe(true);

    // The detections stream, read back with LogQL.
    const pushed: { line: string; labels: Record<string, string> }[] = [];
    for await (const page of queryLokiRange(
      { url: loki.url, orgId: 'acme' },
      {
        query: '{source="outlier", tenant="acme"}',
        start: BigInt(now - 3_600_000) * 1_000_000n,
        end: BigInt(now + 60_000) * 1_000_000n,
      },
    ))
      pushed.push(...page);
    expect(pushed.map((e) => (JSON.parse(e.line) as { id: string }).id).sort()).toEqual(
      stored.items.map((d) => d.id).sort(),
    );
    const fatal = pushed.find((e) => /segmentation fault/.test(e.line));
    expect(fatal?.labels).toMatchObject({ source: 'outlier', tenant: 'acme', kind: 'line' });
    expect(Object.keys(fatal?.labels ?? {}).sort()).toEqual([
      'kind',
      'service',
      'severity',
      'source',
      'tenant',
    ]);
    expect(JSON.parse(fatal?.line ?? '{}').explorer_url).toMatch(
      /^http:\/\/grafana\.test:3000\/.*tenant=acme/,
    );

    // Nothing new: nothing pulled twice. New lines: only those are scored.
    const again = (await (await send('POST', '/api/v1/sources/shop-logs/run')).json()) as { items: number };
    expect(again.items).toBe(0);
    // A line that arrived within `delay` of the last run's end is in the next run's range.
    await new Promise((r) => setTimeout(r, 1500));
    loki.push('acme', [
      {
        labels: { app: 'shop', env: 'prod' },
        entries: [line(Date.now() - 5600, 1, 'disk quota exceeded on volume /data/7 for tenant 12', 'error')],
      },
    ]);
    const next = (await (await send('POST', '/api/v1/sources/shop-logs/run')).json()) as {
      items: number;
      detections: number;
    };
    expect(next.items).toBe(1);
    const runs = (await (await send('GET', '/api/v1/sources/shop-logs/runs')).json()) as {
      items: { status: string; range_from: string | null; range_to: string | null }[];
    };
    const ranged = runs.items.filter((r) => r.range_from !== null).reverse();
    for (let i = 1; i < ranged.length; i++) expect(ranged[i].range_from).toBe(ranged[i - 1].range_to);
    const total = loki.entries('acme').filter((e) => e.labels.source === 'outlier').length;
    const all = (await (await send('GET', '/api/v1/anomalies?source=shop-logs&limit=500')).json()) as {
      items: unknown[];
    };
    expect(total).toBe(all.items.length);
  }, 60_000);

  it('records bad LogQL and an unreachable Loki as source errors', async () => {
    const bad = await send('POST', '/api/v1/sources', {
      id: 'bad-logql',
      kind: 'loki',
      url: loki.url,
      org_id: 'acme',
      query: '{app="shop"',
      schedule: '0 0 1 1 *',
    });
    expect(bad.status).toBe(201);
    const r = (await (await send('POST', '/api/v1/sources/bad-logql/run')).json()) as {
      error: { code: string; message: string };
    };
    expect(r.error.code).toBe('invalid_query');
    expect(r.error.message).toMatch(/parse error/);
    const metrics = await (await engine.request(null, '/metrics')).text();
    expect(metrics).toContain('outlier_source_errors_total{tenant="acme",source="bad-logql"} 1');
  });
});
