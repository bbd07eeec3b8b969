import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineFixture, startEngine } from './support/engine.js';
import { type LiveSeries, startLiveSeries } from './support/live-series.js';
import { freePort } from './support/process.js';
import { findBinary } from './support/prometheus-binary.js';

// Sources through the API on an in-process engine, pulling from a real Prometheus (a live series with history)
// and from loopback servers that misbehave.
const missing = findBinary('prometheus') && findBinary('promtool') ? null : 'prometheus';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NEVER = '0 0 1 1 *';

interface Summary {
  run_id: string | null;
  status: string;
  items: number;
  detections: number;
  detail: string | null;
  error: { code: string; message: string } | null;
}

/** A server that answers Prometheus's query_range too slowly (`/slow`) or with a broken body (`/garbage`). */
function misbehaving(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/slow/')) {
      setTimeout(() => {
        if (res.destroyed) return;
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"status":"success","data":{"resultType":"matrix","result":[]}}');
      }, 2500);
      return;
    }
    if (req.url?.startsWith('/garbage/')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success","data":{"resul');
      return;
    }
    res.writeHead(404).end('not found');
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }),
    ),
  );
}

describe.skipIf(missing !== null)('sources: API, runs, retraining and failures', () => {
  let live: LiveSeries;
  let engine: EngineFixture;
  let bad: { url: string; server: Server };

  beforeAll(async () => {
    [live, engine, bad] = await Promise.all([
      startLiveSeries({ historyMinutes: 10 }),
      startEngine(),
      misbehaving(),
    ]);
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    await live?.stop();
    bad?.server.closeAllConnections();
    bad?.server.close();
  });

  const send = (tenant: string, method: string, path: string, body?: unknown) =>
    engine.request(tenant, path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const json = async <T = Record<string, unknown>>(res: Response): Promise<T> => (await res.json()) as T;
  const run = async (tenant: string, id: string) => {
    const res = await send(tenant, 'POST', `/api/v1/sources/${id}/run`);
    expect(res.status).toBe(200);
    return json<Summary>(res);
  };
  const source = (over: Record<string, unknown> = {}) => ({
    id: 'latency',
    kind: 'prometheus',
    url: live.prometheus.url,
    queries: [live.query],
    step: '1s',
    schedule: NEVER,
    lookback: '10m',
    delay: '1s',
    max_range: '1m',
    ...over,
  });
  const metrics = async () => (await engine.request(null, '/metrics')).text();

  it('creates, lists, updates and deletes a tenant’s sources, naming what is wrong in a bad definition', async () => {
    const created = await send('acme', 'POST', '/api/v1/sources', source({ id: 'crud' }));
    expect(created.status).toBe(201);
    expect(await json(created)).toMatchObject({
      id: 'crud',
      tenant: 'acme',
      kind: 'prometheus',
      origin: 'api',
      definition: { step: '1s' },
      state: { watermark: null, model_version: null, runs_total: 0, running: false },
    });
    const again = await send('acme', 'POST', '/api/v1/sources', source({ id: 'crud' }));
    expect(again.status).toBe(409);
    expect((await json<{ error: { code: string } }>(again)).error.code).toBe('source_exists');

    const list = await json<{ items: { id: string }[] }>(await send('acme', 'GET', '/api/v1/sources'));
    expect(list.items.map((s) => s.id)).toContain('crud');
    const other = await json<{ items: unknown[] }>(await send('globex', 'GET', '/api/v1/sources'));
    expect(other.items).toEqual([]);
    expect((await send('globex', 'GET', '/api/v1/sources/crud')).status).toBe(404);
    expect((await send('globex', 'DELETE', '/api/v1/sources/crud')).status).toBe(404);

    const cases: [Record<string, unknown>, RegExp][] = [
      [source({ id: 'b1', schedule: 'every minute' }), /schedule/],
      [source({ id: 'Bad Id' }), /id/],
      [source({ id: 'b2', kind: 'influx' }), /kind/],
      [source({ id: 'b3', url: 'ftp://prometheus:9090' }), /url/],
      [source({ id: 'b4', queries: [] }), /queries/],
      [source({ id: 'b5', step: 'soon' }), /step/],
      [source({ id: 'b6', tenant: 'globex' }), /tenant/],
      [source({ id: 'b7', surprise: true }), /surprise/],
      [{ ...source({ id: 'b8' }), kind: 'loki', query: '' }, /query/],
    ];
    for (const [body, message] of cases) {
      const res = await send('acme', 'POST', '/api/v1/sources', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const err = (await json<{ error: { code: string; message: string } }>(res)).error;
      expect(err.message, JSON.stringify(body)).toMatch(message);
    }
    const notJson = await engine.request('acme', '/api/v1/sources', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"id":',
    });
    expect(notJson.status).toBe(400);

    const updated = await send('acme', 'PUT', '/api/v1/sources/crud', source({ id: 'crud', step: '2s' }));
    expect(updated.status).toBe(200);
    expect(await json(updated)).toMatchObject({ definition: { step: '2s' } });
    expect((await send('acme', 'PUT', '/api/v1/sources/crud', source({ id: 'other' }))).status).toBe(400);
    expect((await send('acme', 'DELETE', '/api/v1/sources/crud')).status).toBe(204);
    expect((await send('acme', 'GET', '/api/v1/sources/crud')).status).toBe(404);
  });

  it('warm-starts, scores only new points, retrains into a shadow candidate and rolls back', async () => {
    const def = source({ retrain: { max_anomalies: 0, shadow_runs: 1 } });
    expect((await send('acme', 'POST', '/api/v1/sources', def)).status).toBe(201);
    const warm = await run('acme', 'latency');
    expect(warm).toMatchObject({ status: 'succeeded', detections: 0, error: null });
    expect(warm.items).toBeGreaterThan(500);
    expect(warm.detail).toMatch(/warm start/);
    expect(await json(await send('acme', 'GET', '/api/v1/sources/latency/models'))).toEqual({
      items: [{ version: 1, active: true, candidate: false }],
    });

    await sleep(2500);
    const quiet = await run('acme', 'latency');
    expect(quiet).toMatchObject({ status: 'succeeded', detections: 0 });
    expect(quiet.items).toBeGreaterThan(0);
    expect(quiet.items).toBeLessThan(10);

    live.setLevel(2);
    await live.waitForLevel(1.5);
    await sleep(2000);
    const jump = await run('acme', 'latency');
    live.setLevel(0.2);
    expect(jump.status).toBe('succeeded');
    expect(jump.detections).toBe(1);
    expect(jump.detail).toMatch(/retraining .*candidate version 2 in shadow/);
    const state = await json<{ state: Record<string, unknown> }>(
      await send('acme', 'GET', '/api/v1/sources/latency'),
    );
    expect(state.state).toMatchObject({ model_version: 1, candidate_version: 2 });

    const anomalies = await json<{ items: Record<string, unknown>[] }>(
      await send('acme', 'GET', '/api/v1/anomalies?source=latency'),
    );
    expect(anomalies.items).toHaveLength(1);
    expect(anomalies.items[0]).toMatchObject({ kind: 'point', tenant: 'acme', source: 'latency' });
    expect(anomalies.items[0].observed as number).toBeGreaterThan(1.5);

    await sleep(1500);
    const judged = await run('acme', 'latency');
    expect(judged.detail).toMatch(/candidate version 2 (promoted|rejected)/);

    const unknown = await send('acme', 'POST', '/api/v1/sources/latency/rollback', { version: 7 });
    expect(unknown.status).toBe(400);
    const back = await send('acme', 'POST', '/api/v1/sources/latency/rollback', { version: 1 });
    expect(back.status).toBe(200);
    expect(await json(back)).toMatchObject({ state: { model_version: 1, candidate_version: null } });

    const text = await metrics();
    expect(text).toMatch(
      /outlier_anomaly_score\{tenant="acme",source="latency",series="(?:[^"\\]|\\.)*checkout(?:[^"\\]|\\.)*"\} 0/,
    );
    expect(text).toMatch(/outlier_expected_upper\{tenant="acme",source="latency",series=/);
    expect(text).toMatch(/outlier_models_trained_total\{tenant="acme",source="latency"\} 2/);
    expect(text).toMatch(/outlier_detections_total\{tenant="acme",source="latency",severity="\w+"\} 1/);

    // A backfill scores a past range with models fitted before it and leaves the live state alone.
    const second = Math.floor(Date.now() / 1000) * 1000;
    const from = new Date(second - 5 * 60_000).toISOString();
    const to = new Date(second - 4 * 60_000).toISOString();
    const backfill = await send('acme', 'POST', '/api/v1/sources/latency/backfill', { from, to });
    expect(backfill.status).toBe(200);
    expect(await json(backfill)).toMatchObject({ status: 'succeeded', items: 61 });
    const bad = await send('acme', 'POST', '/api/v1/sources/latency/backfill', { from: to, to: from });
    expect(bad.status).toBe(400);
    const after = await json<{ state: Record<string, unknown> }>(
      await send('acme', 'GET', '/api/v1/sources/latency'),
    );
    expect(after.state.model_version).toBe(1);
  }, 60_000);

  it('records every kind of failure on the source with a clear message, visible in the API and metrics', async () => {
    const closed = await freePort();
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      [
        'bad-promql',
        { queries: ['rate(shop_latency_seconds[5m]'] },
        'invalid_query',
        /parse error|unclosed/i,
      ],
      ['unreachable', { url: `http://127.0.0.1:${closed}`, retries: 0 }, 'unreachable', /127\.0\.0\.1/],
      ['slow', { url: `${bad.url}/slow`, timeout: '1s', retries: 0 }, 'timeout', /1000 ms|1 s|timed out/i],
      ['garbage', { url: `${bad.url}/garbage`, retries: 0 }, 'bad_response', /JSON|response/i],
      [
        'too-many',
        { queries: ['vector(1) or label_replace(vector(2), "copy", "b", "", "")'], max_series: 1 },
        'series_limit',
        /max_series \(1\)/,
      ],
    ];
    for (const [id, over, code, message] of cases) {
      expect((await send('acme', 'POST', '/api/v1/sources', source({ id, ...over }))).status).toBe(201);
      const summary = await run('acme', id);
      expect(summary.error?.code, id).toBe(code);
      expect(summary.error?.message, id).toMatch(message);
      const view = await json<{ state: { last_error: { code: string }; errors_total: number } }>(
        await send('acme', 'GET', `/api/v1/sources/${id}`),
      );
      expect(view.state.last_error.code, id).toBe(code);
      expect(view.state.errors_total, id).toBe(1);
      const runs = await json<{ items: { error: { code: string; message: string } | null }[] }>(
        await send('acme', 'GET', `/api/v1/sources/${id}/runs`),
      );
      expect(runs.items[0].error?.code, id).toBe(code);
    }
    const text = await metrics();
    for (const [id] of cases)
      expect(text).toContain(`outlier_source_errors_total{tenant="acme",source="${id}"} 1`);
    expect((await engine.request(null, '/healthz')).status).toBe(200);
  }, 60_000);

  it('bounds the series of a tenant across its sources by OUTLIER_TENANT_SERIES_LIMIT', async () => {
    const small = await startEngine({ OUTLIER_TENANT_SERIES_LIMIT: '1' });
    try {
      const post = (body: unknown) =>
        small.request('acme', '/api/v1/sources', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const runOn = async (id: string) =>
        (await (
          await small.request('acme', `/api/v1/sources/${id}/run`, { method: 'POST' })
        ).json()) as Summary;
      expect((await post(source({ id: 'first' }))).status).toBe(201);
      expect((await post(source({ id: 'second', queries: ['vector(1)'] }))).status).toBe(201);
      expect(await runOn('first')).toMatchObject({ status: 'succeeded', error: null });
      const second = await runOn('second');
      expect(second.error?.code).toBe('series_limit');
      expect(second.error?.message).toMatch(/tenant's series limit \(1, OUTLIER_TENANT_SERIES_LIMIT\)/);
    } finally {
      await small.close();
    }
  }, 30_000);

  it('skips an overlapping run of a slow source and never lets it delay another tenant’s source', async () => {
    expect(
      (await send('acme', 'POST', '/api/v1/sources', source({ id: 'sluggish', url: `${bad.url}/slow` })))
        .status,
    ).toBe(201);
    expect((await send('globex', 'POST', '/api/v1/sources', source({ id: 'quick' }))).status).toBe(201);
    const slow = run('acme', 'sluggish');
    await sleep(200);
    const overlap = await run('acme', 'sluggish');
    expect(overlap).toMatchObject({ status: 'skipped' });
    expect(overlap.detail).toMatch(/still going on/);
    const t0 = Date.now();
    const quick = await run('globex', 'quick');
    expect(quick.status).toBe('succeeded');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect((await slow).status).toBe('succeeded');
    const runs = await json<{ items: { status: string }[] }>(
      await send('acme', 'GET', '/api/v1/sources/sluggish/runs'),
    );
    expect(runs.items.map((r) => r.status).sort()).toEqual(['skipped', 'succeeded']);
  }, 30_000);
});
