import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PromSeries,
  queryPrometheusRange,
} from '../engine/src/integrations/prometheus/prometheus-query.js';
import { SourceError } from '../engine/src/integrations/source-error.js';
import { freePort } from './support/process.js';
import { type PrometheusProcess, prometheusMissing, startPrometheus } from './support/prometheus-binary.js';

const HOUR_S = 3600;
// Six hours at 1 s ending over an hour ago: 21,601 points per series, so a 1 s query needs two requests, and
// every point lies in blocks written by promtool (no scrapes, so the head stays empty).
const END_S = Math.floor(Date.now() / 1000 / HOUR_S) * HOUR_S - 2 * HOUR_S;
const START_S = END_S - 6 * HOUR_S;
const C_FROM_S = START_S + 4 * HOUR_S;
const POINTS = 6 * HOUR_S + 1;

/** Series a: a smooth wave; b: a sawtooth with NaN, +Inf and -Inf; c: only in the last two hours. */
function history(): string {
  const lines = ['# HELP outlier_test_value Test gauge.', '# TYPE outlier_test_value gauge'];
  for (let t = START_S; t <= END_S; t++) {
    lines.push(`outlier_test_value{instance="a",job="demo"} ${(100 * Math.sin(t / 600)).toFixed(3)} ${t}`);
  }
  for (let t = START_S; t <= END_S; t++)
    lines.push(`outlier_test_value{instance="b",job="demo"} ${bValue(t)} ${t}`);
  for (let t = C_FROM_S; t <= END_S; t++)
    lines.push(`outlier_test_value{instance="c",job="demo"} ${t % 97} ${t}`);
  lines.push('# EOF', '');
  return lines.join('\n');
}

function bValue(t: number): string {
  if (t % 1000 === 0) return 'NaN';
  if (t % 1000 === 500) return '+Inf';
  if (t % 1000 === 750) return '-Inf';
  return String(t % 13);
}

/** What a plain GET of query_range answers, converted by hand, for comparing with the client. */
async function manualRange(base: string, query: string, startS: number, endS: number, stepS: number) {
  const u = new URL('/api/v1/query_range', base);
  u.search = new URLSearchParams({
    query,
    start: String(startS),
    end: String(endS),
    step: String(stepS),
  }).toString();
  const body = (await (await fetch(u)).json()) as {
    data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
  };
  return body.data.result.map((s) => ({
    instance: s.metric.instance,
    points: s.values.map(([t, v]): [number, number] => [
      t * 1000,
      v === '+Inf' ? Number.POSITIVE_INFINITY : v === '-Inf' ? Number.NEGATIVE_INFINITY : Number(v),
    ]),
  }));
}

function pointsOf(s: PromSeries): [number, number][] {
  return Array.from(s.timestamps, (t, i): [number, number] => [t, s.values[i]]);
}

async function sourceError(p: Promise<unknown>): Promise<SourceError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof SourceError)) throw new Error(`expected a SourceError, got ${String(err)}`);
  return err;
}

/** A loopback HTTP server in front of Prometheus whose behaviour a test sets. */
interface Proxy {
  url: string;
  requests: number;
  /** Answers 503 to this many requests before passing them on. */
  failFirst: number;
  mode: 'pass' | 'hang' | 'html' | 'instant';
  close(): Promise<void>;
}

async function startProxy(target: string): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const proxy: Proxy = {
    url: '',
    requests: 0,
    failFirst: 0,
    mode: 'pass',
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    proxy.requests++;
    let body = '';
    for await (const chunk of req) body += String(chunk);
    if (proxy.mode === 'hang') return;
    if (proxy.failFirst > 0) {
      proxy.failFirst--;
      res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      return;
    }
    if (proxy.mode === 'html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome to nginx!</body></html>');
      return;
    }
    let path = req.url ?? '/';
    if (proxy.mode === 'instant') {
      // The instant-query endpoint answers a scalar expression with resultType "scalar".
      const form = new URLSearchParams(body);
      path = `/api/v1/query?${new URLSearchParams({ query: form.get('query') ?? '', time: form.get('end') ?? '' })}`;
      body = '';
    }
    const answer = await fetch(new URL(path, target), {
      method: body ? 'POST' : 'GET',
      headers: body ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
      body: body || undefined,
    });
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => res.writeHead(502).end(String(err)));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

const missing = prometheusMissing();

describe.skipIf(missing !== null)(
  `queryPrometheusRange against the real Prometheus${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    let prom: PrometheusProcess;
    let proxy: Proxy;
    const QUERY = 'outlier_test_value';

    beforeAll(async () => {
      prom = await startPrometheus({ openMetrics: history() });
      proxy = await startProxy(prom.url);
    });

    afterAll(async () => {
      await proxy?.close();
      await prom?.stop();
    });

    it('splits a 6 h query at 1 s into requests of at most 11,000 points with no gap or duplicate', async () => {
      let requests = 0;
      const counting: typeof fetch = (input, init) => {
        requests++;
        return fetch(input, init);
      };
      const series = await queryPrometheusRange(
        { url: prom.url, fetch: counting },
        { query: QUERY, startMs: START_S * 1000, endMs: END_S * 1000, stepSeconds: 1 },
      );
      expect(requests).toBe(2);
      expect(series.map((s) => s.key)).toEqual([
        'outlier_test_value{instance="a",job="demo"}',
        'outlier_test_value{instance="b",job="demo"}',
        'outlier_test_value{instance="c",job="demo"}',
      ]);
      expect(series[0].labels).toEqual({ __name__: QUERY, instance: 'a', job: 'demo' });
      expect(series[0].timestamps.length).toBe(POINTS);
      expect(series[0].timestamps[0]).toBe(START_S * 1000);
      expect(series[0].timestamps[POINTS - 1]).toBe(END_S * 1000);
      for (const s of series) {
        for (let i = 1; i < s.timestamps.length; i++)
          expect(s.timestamps[i] - s.timestamps[i - 1]).toBe(1000);
      }
      // Series c starts at 4 h: the first request does not return it.
      expect(series[2].timestamps[0]).toBe(C_FROM_S * 1000);

      // The same points as hourly manual queries whose windows touch without overlapping.
      const manual = new Map<string, [number, number][]>();
      for (let from = START_S; from <= END_S; from += HOUR_S) {
        for (const s of await manualRange(prom.url, QUERY, from, Math.min(END_S, from + HOUR_S - 1), 1)) {
          manual.set(s.instance, [...(manual.get(s.instance) ?? []), ...s.points]);
        }
      }
      expect(pointsOf(series[0])).toEqual(manual.get('a'));
      expect(pointsOf(series[1])).toEqual(manual.get('b'));
      expect(pointsOf(series[2])).toEqual(manual.get('c'));
    });

    it('gives the same answer split into many small requests on an odd step as in one request', async () => {
      const q = { query: QUERY, startMs: START_S * 1000 + 250, endMs: END_S * 1000, stepSeconds: 7 };
      let requests = 0;
      const counting: typeof fetch = (input, init) => {
        requests++;
        return fetch(input, init);
      };
      const whole = await queryPrometheusRange({ url: prom.url }, q);
      const split = await queryPrometheusRange(
        { url: prom.url, maxPointsPerRequest: 500, fetch: counting },
        q,
      );
      const points = Math.floor((q.endMs - q.startMs) / 7000) + 1;
      expect(requests).toBe(Math.ceil(points / 500));
      expect(whole[0].timestamps.length).toBe(points);
      expect(split.map(pointsOf)).toEqual(whole.map(pointsOf));
    });

    it('reads NaN, +Inf and -Inf as numbers', async () => {
      const t0 = Math.ceil(START_S / 1000) * 1000;
      const [b] = await queryPrometheusRange(
        { url: prom.url },
        { query: `${QUERY}{instance="b"}`, startMs: t0 * 1000, endMs: (t0 + 999) * 1000, stepSeconds: 1 },
      );
      expect(b.values[0]).toBeNaN();
      expect(b.values[500]).toBe(Number.POSITIVE_INFINITY);
      expect(b.values[750]).toBe(Number.NEGATIVE_INFINITY);
      expect(b.values[1]).toBe((t0 + 1) % 13);
    });

    it('reports a PromQL syntax error as invalid_query with Prometheus message', async () => {
      const err = await sourceError(
        queryPrometheusRange(
          { url: prom.url },
          { query: 'sum(outlier_test_value{', startMs: START_S * 1000, endMs: END_S * 1000, stepSeconds: 60 },
        ),
      );
      expect(err.code).toBe('invalid_query');
      expect(err.status).toBe(400);
      expect(err.retryable).toBe(false);
      expect(err.message).toContain(prom.url);
      expect(err.message).toContain('sum(outlier_test_value{');
      expect(err.message).toMatch(/parse error: unexpected end of input/);
    });

    it('reports an execution error (422) as rejected', async () => {
      const err = await sourceError(
        queryPrometheusRange(
          { url: prom.url },
          {
            query: `${QUERY} / on(job) ${QUERY}`,
            startMs: START_S * 1000,
            endMs: START_S * 1000 + 60_000,
            stepSeconds: 1,
          },
        ),
      );
      expect(err.code).toBe('rejected');
      expect(err.status).toBe(422);
      expect(err.message).toMatch(/many-to-many matching not allowed/);
    });

    it('reports a closed port as unreachable after its retries', async () => {
      const url = `http://127.0.0.1:${await freePort()}`;
      let attempts = 0;
      const counting: typeof fetch = (input, init) => {
        attempts++;
        return fetch(input, init);
      };
      const err = await sourceError(
        queryPrometheusRange(
          { url, retries: 2, backoffMs: 5, fetch: counting },
          { query: QUERY, startMs: 0, endMs: 60_000, stepSeconds: 15 },
        ),
      );
      expect(err.code).toBe('unreachable');
      expect(attempts).toBe(3);
      expect(err.message).toContain(url);
      expect(err.message).toContain('ECONNREFUSED');
      expect(err.message).toContain(QUERY);
    });

    it('gives up on a server that does not answer within the timeout', async () => {
      proxy.mode = 'hang';
      try {
        const started = Date.now();
        const err = await sourceError(
          queryPrometheusRange(
            { url: proxy.url, timeoutMs: 300, retries: 0 },
            { query: QUERY, startMs: START_S * 1000, endMs: END_S * 1000, stepSeconds: 60 },
          ),
        );
        expect(err.code).toBe('timeout');
        expect(err.message).toContain('300 ms');
        expect(err.message).toContain(proxy.url);
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        proxy.mode = 'pass';
      }
    });

    it('retries a 503 with backoff and then succeeds', async () => {
      const q = { query: QUERY, startMs: START_S * 1000, endMs: START_S * 1000 + 600_000, stepSeconds: 1 };
      proxy.failFirst = 2;
      proxy.requests = 0;
      const through = await queryPrometheusRange({ url: proxy.url, backoffMs: 10 }, q);
      expect(proxy.requests).toBe(3);
      const direct = await queryPrometheusRange({ url: prom.url }, q);
      expect(through.map(pointsOf)).toEqual(direct.map(pointsOf));
      expect(through[0].timestamps.length).toBe(601);
    });

    it('reports 503 after every retry as server_error', async () => {
      proxy.failFirst = 3;
      proxy.requests = 0;
      const err = await sourceError(
        queryPrometheusRange(
          { url: proxy.url, retries: 2, backoffMs: 5 },
          { query: QUERY, startMs: START_S * 1000, endMs: END_S * 1000, stepSeconds: 60 },
        ),
      );
      expect(proxy.requests).toBe(3);
      expect(err.code).toBe('server_error');
      expect(err.status).toBe(503);
      expect(err.message).toMatch(/HTTP 503 .*after 3 attempts/);
    });

    it('reports a scalar result as bad_response naming it', async () => {
      proxy.mode = 'instant';
      try {
        const err = await sourceError(
          queryPrometheusRange(
            { url: proxy.url },
            { query: '1', startMs: START_S * 1000, endMs: START_S * 1000 + 60_000, stepSeconds: 15 },
          ),
        );
        expect(err.code).toBe('bad_response');
        expect(err.message).toContain('resultType is "scalar", expected "matrix"');
      } finally {
        proxy.mode = 'pass';
      }
    });

    it('reports an answer that is not JSON as bad_response', async () => {
      proxy.mode = 'html';
      try {
        const err = await sourceError(
          queryPrometheusRange(
            { url: proxy.url },
            { query: QUERY, startMs: START_S * 1000, endMs: START_S * 1000 + 60_000, stepSeconds: 15 },
          ),
        );
        expect(err.code).toBe('bad_response');
        expect(err.message).toMatch(/not JSON: <html>/);
      } finally {
        proxy.mode = 'pass';
      }
    });
  },
);
