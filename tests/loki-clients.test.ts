import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LokiPusher } from '../engine/src/integrations/loki/loki-push.js';
import { type LokiEntry, queryLokiRange } from '../engine/src/integrations/loki/loki-query.js';
import { SourceError } from '../engine/src/integrations/source-error.js';
import type { Detection } from '../engine/src/model/detection.js';
import { type FakeLoki, startFakeLoki } from './fakes/loki-server.js';
import { lineDetection } from './support/detections.js';
import { freePort } from './support/process.js';

const T0 = 1_790_000_000_000_000_000n;
const S = 1_000_000_000n;

async function readAll(
  options: Parameters<typeof queryLokiRange>[0],
  q: Parameters<typeof queryLokiRange>[1],
): Promise<LokiEntry[]> {
  const out: LokiEntry[] = [];
  for await (const page of queryLokiRange(options, q)) out.push(...page);
  return out;
}

async function failure(p: Promise<unknown>): Promise<SourceError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SourceError) return err;
    throw err;
  }
  throw new Error('expected a SourceError');
}

function detection(i: number, over: Partial<Detection> = {}): Detection {
  return lineDetection(`acme:app:${i}`, 'acme', {
    source: 'app',
    service: i % 2 ? 'api' : 'db',
    timestamp: new Date(Date.UTC(2026, 10, 23, 6, 0, i)).toISOString(),
    template: 'upstream timeout after <*> ms',
    samples: [`upstream timeout after ${i} ms`],
    ...over,
  });
}

describe('Loki query client against a Loki that follows the documented API', () => {
  let loki: FakeLoki;
  beforeAll(async () => {
    loki = await startFakeLoki();
    // 12,000 entries over two streams, many sharing a timestamp (8 per nanosecond: 7 on stream a, 1 on b).
    const a: [bigint, string][] = [];
    const b: [bigint, string][] = [];
    for (let i = 0; i < 7000; i++) a.push([T0 + BigInt(Math.floor(i / 7)) * S, `a line ${i}`]);
    for (let i = 0; i < 5000; i++) b.push([T0 + BigInt(i) * 500_000_000n, `b line ${i}`]);
    loki.push('acme', [
      { labels: { app: 'shop', stream: 'a' }, entries: a },
      { labels: { app: 'shop', stream: 'b' }, entries: b },
    ]);
    loki.push('globex', [{ labels: { app: 'shop' }, entries: [[T0, 'globex only']] }]);
  });
  afterAll(() => loki.close());

  it('pages forward past the entry limit and through shared timestamps, losing and repeating nothing', async () => {
    for (const pageLimit of [5000, 333, 8]) {
      const got = await readAll(
        { url: loki.url, orgId: 'acme', pageLimit },
        { query: '{app="shop"}', start: T0, end: T0 + 10_000n * S },
      );
      expect(got).toHaveLength(12_000);
      expect(new Set(got.map((e) => e.line)).size).toBe(12_000);
      for (let i = 1; i < got.length; i++) expect(got[i].ts >= got[i - 1].ts).toBe(true);
    }
    const queries = loki.requests.filter((r) => r.path === '/loki/api/v1/query_range');
    expect(queries.every((r) => r.orgId === 'acme' && r.query.get('direction') === 'forward')).toBe(true);
    expect(queries.every((r) => /^\d{19}$/.test(r.query.get('start') ?? ''))).toBe(true);
    expect(Math.max(...queries.map((r) => Number(r.query.get('limit'))))).toBeLessThanOrEqual(5000);
  });

  it('is refused what real Loki refuses: numeric timestamps and limits over 5000 (the clients send neither)', async () => {
    const numeric = await fetch(`${loki.url}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Scope-OrgID': 'acme' },
      body: JSON.stringify({
        streams: [{ stream: { app: 'x' }, values: [[1790000000000000000, 'a line']] }],
      }),
    });
    expect(numeric.status).toBe(400);
    const tooMany = await fetch(
      `${loki.url}/loki/api/v1/query_range?query=${encodeURIComponent('{app="shop"}')}&limit=5001`,
      { headers: { 'X-Scope-OrgID': 'acme' } },
    );
    expect(tooMany.status).toBe(400);
    expect(await tooMany.text()).toMatch(/max entries limit/);
    const asked = await readAll(
      { url: loki.url, orgId: 'globex', pageLimit: 20_000 },
      { query: '{app="shop"}', start: T0, end: T0 + S },
    );
    expect(asked).toHaveLength(1);
    expect(loki.requests.at(-1)?.query.get('limit')).toBe('5000');
  });

  it('keeps tenants apart, applies line filters, and splits ranges longer than the server accepts', async () => {
    const globex = await readAll(
      { url: loki.url, orgId: 'globex' },
      { query: '{app="shop"}', start: T0, end: T0 + S },
    );
    expect(globex.map((e) => e.line)).toEqual(['globex only']);
    const filtered = await readAll(
      { url: loki.url, orgId: 'acme' },
      { query: '{app="shop", stream="b"} |= "line 499"', start: T0, end: T0 + 10_000n * S },
    );
    expect(filtered.map((e) => e.line)).toEqual([
      'b line 499',
      ...Array.from({ length: 10 }, (_, i) => `b line 499${i}`),
    ]);
    loki.setMaxRange(600_000);
    const before = loki.requests.length;
    const split = await readAll(
      { url: loki.url, orgId: 'acme', maxRangeMs: 600_000 },
      { query: '{stream="b"}', start: T0, end: T0 + 3000n * S },
    );
    expect(split).toHaveLength(5000);
    expect(loki.requests.length - before).toBeGreaterThanOrEqual(5);
    const tooLong = await failure(
      readAll(
        { url: loki.url, orgId: 'acme', maxRangeMs: 3_600_000 },
        { query: '{stream="b"}', start: T0, end: T0 + 3000n * S },
      ),
    );
    expect(tooLong.code).toBe('rejected');
    expect(tooLong.message).toMatch(/time range exceeds the limit/);
    loki.setMaxRange(721 * 3_600_000);
  });

  it('names what went wrong: bad LogQL, a metric query, a missing org id, unreachable, slow, malformed', async () => {
    const bad = await failure(
      readAll({ url: loki.url, orgId: 'acme' }, { query: '{app="shop"', start: T0, end: T0 + S }),
    );
    expect(bad).toMatchObject({ code: 'invalid_query', status: 400 });
    expect(bad.message).toMatch(
      /Loki at http:\/\/127\.0\.0\.1:\d+ rejected the query "\{app="shop"": parse error/,
    );
    const metric = await failure(
      readAll({ url: loki.url, orgId: 'acme' }, { query: 'rate({app="shop"}[5m])', start: T0, end: T0 + S }),
    );
    expect(metric.code).toBe('invalid_query');
    expect(metric.message).toMatch(/metric query/);
    const noOrg = await failure(
      readAll({ url: loki.url }, { query: '{app="shop"}', start: T0, end: T0 + S }),
    );
    expect(noOrg).toMatchObject({ code: 'rejected', status: 401 });
    expect(noOrg.message).toMatch(/no org id/);

    const closed = await freePort();
    const down = await failure(
      readAll(
        { url: `http://127.0.0.1:${closed}`, retries: 1, backoffMs: 10 },
        { query: '{a="b"}', start: T0, end: T0 + S },
      ),
    );
    expect(down.code).toBe('unreachable');
    expect(down.message).toMatch(/ECONNREFUSED.*after 2 attempts/);

    loki.setDelay(400);
    const slow = await failure(
      readAll(
        { url: loki.url, orgId: 'acme', timeoutMs: 100, retries: 0 },
        { query: '{a="b"}', start: T0, end: T0 + S },
      ),
    );
    loki.setDelay(0);
    expect(slow.code).toBe('timeout');
    expect(slow.message).toMatch(/within 100 ms/);

    loki.failNext(
      1,
      200,
      '{"status":"success","data":{"resultType":"streams","result":[{"stream":{},"values":[[1,"x"]]}]}}',
    );
    const malformed = await failure(
      readAll({ url: loki.url, orgId: 'acme', retries: 0 }, { query: '{a="b"}', start: T0, end: T0 + S }),
    );
    expect(malformed.code).toBe('bad_response');
    expect(malformed.message).toMatch(/not \["<ns timestamp>", "<line>"\]/);
  });

  it('retries 5xx and 429 with backoff, then succeeds', async () => {
    loki.failNext(2, 503, 'ingester not ready');
    const got = await readAll(
      { url: loki.url, orgId: 'globex', retries: 2, backoffMs: 10 },
      { query: '{app="shop"}', start: T0, end: T0 + S },
    );
    expect(got).toHaveLength(1);
    loki.failNext(3, 429, 'too many outstanding requests');
    const gaveUp = await failure(
      readAll(
        { url: loki.url, orgId: 'globex', retries: 2, backoffMs: 10 },
        { query: '{app="shop"}', start: T0, end: T0 + S },
      ),
    );
    expect(gaveUp).toMatchObject({ code: 'server_error', status: 429 });
    expect(gaveUp.message).toMatch(/too many outstanding requests \(after 3 attempts\)/);
  });
});

describe('Loki push client', () => {
  let loki: FakeLoki;
  beforeAll(async () => {
    loki = await startFakeLoki();
  });
  afterAll(() => loki.close());

  it('pushes one JSON line per detection with low-cardinality labels, the org id and the explorer link', async () => {
    const pushed: number[] = [];
    const pusher = new LokiPusher({
      url: loki.url,
      explorerUrl: 'http://grafana:3000/a/outlier-anomaly-app/explorer',
      batchSize: 4,
      onPushed: (_t, n) => pushed.push(n),
    });
    const items = Array.from({ length: 10 }, (_, i) => detection(9 - i));
    expect(await pusher.send('acme', items)).toBe(true);
    expect(pushed).toEqual([4, 4, 2]);
    const streams = loki.streams('acme');
    expect(streams.map((s) => s.labels).sort((a, b) => a.service.localeCompare(b.service))).toEqual([
      { source: 'outlier', tenant: 'acme', service: 'api', severity: 'high', kind: 'line' },
      { source: 'outlier', tenant: 'acme', service: 'db', severity: 'high', kind: 'line' },
    ]);
    const entries = loki.entries('acme');
    expect(entries).toHaveLength(10);
    const first = JSON.parse(entries[0].line) as Record<string, unknown>;
    expect(first).toMatchObject({ id: 'acme:app:0', score: 0.9, template: 'upstream timeout after <*> ms' });
    expect(first.explorer_url).toMatch(
      /^http:\/\/grafana:3000\/a\/outlier-anomaly-app\/explorer\?tenant=acme&source=app&series=db&anomaly=acme%3Aapp%3A0&from=\d+&to=\d+$/,
    );
    expect(entries[0].ts).toBe(BigInt(Date.UTC(2026, 10, 23, 6, 0, 0)) * 1_000_000n);
    expect(loki.requests.every((r) => r.orgId === 'acme')).toBe(true);

    // A repeated push (after a crash) adds nothing: Loki drops exact duplicates.
    expect(await pusher.send('acme', items)).toBe(true);
    expect(loki.entries('acme')).toHaveLength(10);
    expect(loki.pushedLines('acme')).toBe(20);
    await pusher.close();
  });

  it('speaks snappy protobuf and gzip JSON as well', async () => {
    for (const options of [{ encoding: 'protobuf' as const }, { gzip: true }]) {
      const tenant = options.gzip ? 'gz' : 'pb';
      const pusher = new LokiPusher({ url: loki.url, ...options });
      expect(await pusher.send(tenant, [detection(1, { tenant }), detection(2, { tenant })])).toBe(true);
      const entries = loki.entries(tenant);
      expect(entries.map((e) => (JSON.parse(e.line) as Detection).id)).toEqual(['acme:app:1', 'acme:app:2']);
      expect(entries[0].labels).toMatchObject({ source: 'outlier', tenant, service: 'api' });
    }
    const last = loki.requests.filter((r) => r.path === '/loki/api/v1/push');
    expect(last.some((r) => r.contentType === 'application/x-protobuf' && r.status === 204)).toBe(true);
  });

  it('retries 429 and 5xx, drops what Loki rejects and counts it, and bounds what it holds', async () => {
    const dropped: [string, number, string][] = [];
    const pusher = new LokiPusher({
      url: loki.url,
      retries: 3,
      backoffMs: 5,
      maxBufferLines: 5,
      onDropped: (t, n, reason) => dropped.push([t, n, reason]),
    });
    loki.failNext(2, 429, 'ingestion rate limit exceeded');
    expect(await pusher.send('retry', [detection(1)])).toBe(true);
    expect(loki.entries('retry')).toHaveLength(1);

    loki.failNext(1, 400, 'entry too far behind');
    expect(await pusher.send('retry', [detection(2)])).toBe(false);
    expect(dropped).toEqual([['retry', 1, 'rejected']]);

    expect(
      await pusher.send(
        'retry',
        Array.from({ length: 6 }, (_, i) => detection(i)),
      ),
    ).toBe(false);
    expect(dropped.at(-1)).toEqual(['retry', 6, 'buffer_full']);

    loki.failNext(4, 503, 'unavailable');
    expect(await pusher.send('retry', [detection(3)])).toBe(false);
    expect(dropped.at(-1)).toEqual(['retry', 1, 'unavailable']);
    expect(pusher.pending).toBe(0);
    await pusher.close();
    expect(await pusher.send('retry', [detection(4)])).toBe(false);
  });
});
