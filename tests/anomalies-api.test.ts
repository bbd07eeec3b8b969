import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from '../engine/src/model/detection.js';
import { severityFromScore } from '../engine/src/model/score.js';
import { DEFAULT_FAKE_REPLY, type FakeOllama, startFakeOllama } from './fakes/ollama-server.js';
import { lineDetection } from './support/detections.js';
import { type EngineFixture, startEngine } from './support/engine.js';

const T0 = Date.UTC(2026, 2, 1);
const MINUTE = 60_000;

const detection = (id: string, tenant: string, over: Partial<Detection> = {}): Detection =>
  lineDetection(id, tenant, { timestamp: new Date(T0).toISOString(), ...over });

/** 30 detections of `acme` over 10 minutes with tied scores and times, windows with a band. */
function acmeSet(): Detection[] {
  return Array.from({ length: 30 }, (_, i) => {
    const score = [0.6, 0.8, 0.8, 0.9, 0.97][i % 5];
    const window = i % 3 === 0;
    return detection(`a${String(i).padStart(3, '0')}`, 'acme', {
      timestamp: new Date(T0 + (i % 10) * MINUTE).toISOString(),
      score,
      severity: severityFromScore(score),
      service: i % 2 ? 'db' : 'api',
      kind: window ? 'window' : 'line',
      observed: window ? 100 + i : null,
      expected: window ? 40 : null,
      lower: window ? 30 : null,
      upper: window ? 50 : null,
      explanation: i === 7 ? 'Connection refused by payments' : 'A rare template.',
    });
  });
}

type Page = {
  items: (Detection & { llm_explanation: unknown; job_id: string | null })[];
  next_cursor: string | null;
};

async function json<T>(res: Response, status = 200): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}

async function errorOf(res: Response, status: number): Promise<{ code: string; message: string }> {
  const body = await json<{ error: { code: string; message: string } }>(res, status);
  expect(body.error.message).not.toMatch(/\n\s+at |undefined|NaN/);
  return body.error;
}

describe('the explorer API', () => {
  let engine: EngineFixture;
  const set = acmeSet();
  beforeAll(async () => {
    engine = await startEngine();
    await engine.runtime.store.insertDetections('job-1', set);
    await engine.runtime.store.insertDetections('job-g', [
      detection('g1', 'globex', { service: 'billing', score: 0.99, severity: 'critical' }),
    ]);
  });
  afterAll(async () => {
    await engine?.close();
  });
  const get = (path: string, tenant = 'acme') => engine.request(tenant, path);

  it('sorts by score with ties broken by id and pages exactly with a cursor bound to its sort', async () => {
    const want = [...set].sort((x, y) => y.score - x.score || (x.id < y.id ? 1 : -1)).map((d) => d.id);
    const got: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await json(
        await get(`/api/v1/anomalies?sort=score_desc&limit=4${cursor ? `&cursor=${cursor}` : ''}`),
      );
      got.push(...page.items.map((d) => d.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(got).toEqual(want);

    const asc: Page = await json(await get('/api/v1/anomalies?sort=score_asc&limit=3&service=db'));
    expect(asc.items.map((d) => [d.score, d.service])).toEqual([
      [0.6, 'db'],
      [0.6, 'db'],
      [0.6, 'db'],
    ]);
    expect(asc.items[0].id < asc.items[1].id).toBe(true);
    const wrong = await errorOf(await get(`/api/v1/anomalies?sort=time_desc&cursor=${asc.next_cursor}`), 400);
    expect(wrong.code).toBe('invalid_cursor');
    expect(wrong.message).toContain('score_asc');

    const byDefault: Page = await json(await get('/api/v1/anomalies?limit=50'));
    const byTime: Page = await json(await get('/api/v1/anomalies?limit=50&sort=time_desc'));
    expect(byDefault.items.map((d) => d.id)).toEqual(byTime.items.map((d) => d.id));
    const oldest: Page = await json(await get('/api/v1/anomalies?limit=1&sort=time_asc'));
    expect(oldest.items[0].id).toBe('a000');
  });

  it('keeps list results per sort in the cache, and per tenant', async () => {
    const q = `/api/v1/anomalies?limit=2&from=${T0}&to=${T0 + 10 * MINUTE}`;
    const desc: Page = await json(await get(`${q}&sort=score_desc`));
    const asc: Page = await json(await get(`${q}&sort=score_asc`));
    expect(desc.items[0].score).toBe(0.97);
    expect(asc.items[0].score).toBe(0.6);
    const theirs: Page = await json(await get(`${q}&sort=score_desc`, 'globex'));
    expect(theirs.items.map((d) => d.id)).toEqual(['g1']);
  });

  it('counts anomalies per bucket with severities, the top score and the band', async () => {
    type Histogram = {
      from: number;
      to: number;
      step_ms: number;
      buckets: {
        t: number;
        count: number;
        max_score: number | null;
        severity: Record<string, number>;
        observed: number | null;
        expected: number | null;
        lower: number | null;
        upper: number | null;
      }[];
    };
    const h: Histogram = await json(
      await get(
        `/api/v1/anomalies/histogram?from=${T0}&to=${new Date(T0 + 20 * MINUTE).toISOString()}&buckets=20`,
      ),
    );
    expect(h).toMatchObject({ from: T0, to: T0 + 20 * MINUTE, step_ms: MINUTE });
    expect(h.buckets).toHaveLength(20);
    expect(h.buckets.map((b) => b.count)).toEqual([...Array(10).fill(3), ...Array(10).fill(0)]);
    // Minute 0 holds i = 0 (a window), 10 and 20 (lines), all scored 0.6: the band is the window's.
    expect(h.buckets[0]).toMatchObject({ max_score: 0.6, observed: 100, expected: 40, lower: 30, upper: 50 });
    // Minute 3 holds i = 3 (window, 0.9), 13 (line, 0.9), 23 (line, 0.9).
    expect(h.buckets[3]).toMatchObject({ max_score: 0.9, observed: 103, severity: { high: 3 } });
    expect(h.buckets[19]).toMatchObject({ count: 0, max_score: null, observed: null, expected: null });

    const own: Histogram = await json(await get('/api/v1/anomalies/histogram?severity=critical'));
    expect(own.from).toBe(T0 + 4 * MINUTE);
    expect(own.to).toBe(T0 + 9 * MINUTE + 1);
    expect(own.buckets).toHaveLength(120);
    expect(own.buckets.reduce((n, b) => n + b.count, 0)).toBe(6);
    expect(own.buckets.reduce((n, b) => n + b.severity.critical, 0)).toBe(6);

    const text: Histogram = await json(await get('/api/v1/anomalies/histogram?q=REFUSED&buckets=10'));
    expect(text.buckets.reduce((n, b) => n + b.count, 0)).toBe(1);
    const theirs: Histogram = await json(
      await get(`/api/v1/anomalies/histogram?from=${T0}&to=${T0 + 60_000}`, 'globex'),
    );
    expect(theirs.buckets.reduce((n, b) => n + b.count, 0)).toBe(1);
  });

  it('lists services, sources and jobs for the pickers, per tenant', async () => {
    expect(await json(await get('/api/v1/anomalies/facets'))).toEqual({
      services: ['api', 'db'],
      sources: ['app.log'],
      jobs: [{ id: 'job-1', source: 'app.log' }],
    });
    expect(await json(await get(`/api/v1/anomalies/facets?from=${T0 + 60 * MINUTE}`))).toEqual({
      services: [],
      sources: [],
      jobs: [],
    });
    expect(await json(await get('/api/v1/anomalies/facets', 'globex'))).toEqual({
      services: ['billing'],
      sources: ['app.log'],
      jobs: [{ id: 'job-g', source: 'app.log' }],
    });
  });

  it('tells pages the tenant, version, store and that no LLM is configured', async () => {
    expect(await json(await get('/api/v1/info'))).toEqual({
      tenant: 'acme',
      version: '0.1.0',
      llm: { enabled: false, model: null },
      store: 'sqlite',
    });
    expect((await engine.request(null, '/api/v1/info')).status).toBe(401);
  });

  it('refuses to explain without an LLM (409, naming the settings), and hides other tenants’ anomalies', async () => {
    const err = await errorOf(
      await engine.request('acme', '/api/v1/anomalies/a001/explain', { method: 'POST' }),
      409,
    );
    expect(err.code).toBe('llm_not_configured');
    expect(err.message).toContain('OLLAMA_HOST');
    expect(err.message).toContain('OLLAMA_MODEL');
    expect(
      (await engine.request('globex', '/api/v1/anomalies/a001/explain', { method: 'POST' })).status,
    ).toBe(404);
    expect((await engine.request('acme', '/api/v1/anomalies/nope/explain', { method: 'POST' })).status).toBe(
      404,
    );
  });

  it('answers bad parameters with a 400 naming the parameter', async () => {
    const cases: [string, string][] = [
      ['/api/v1/anomalies?sort=worst', 'sort'],
      ['/api/v1/anomalies?limit=0', 'limit'],
      ['/api/v1/anomalies?limit=ten', 'limit'],
      [`/api/v1/anomalies?from=${T0}&to=${T0}`, 'to'],
      ['/api/v1/anomalies?severity=high,huge', 'severity'],
      ['/api/v1/anomalies/histogram?buckets=9', 'buckets'],
      ['/api/v1/anomalies/histogram?buckets=501', 'buckets'],
      ['/api/v1/anomalies/histogram?buckets=many', 'buckets'],
      ['/api/v1/anomalies/histogram?kind=row', 'kind'],
      ['/api/v1/anomalies/histogram?from=yesterday', 'from'],
      [`/api/v1/anomalies/histogram?from=${T0 + 1}&to=${T0}`, 'to'],
      ['/api/v1/anomalies/facets?to=soon', 'to'],
      [`/api/v1/anomalies/facets?from=${T0}&to=${T0 - 1}`, 'to'],
    ];
    for (const [path, param] of cases) {
      const err = await errorOf(await get(path), 400);
      expect(err.code, path).toBe('invalid_request');
      expect(err.message, path).toMatch(new RegExp(`^${param}: `));
    }
    const refresh = await errorOf(
      await engine.request('acme', '/api/v1/anomalies/a001/explain?refresh=maybe', { method: 'POST' }),
      400,
    );
    expect(refresh.message).toMatch(/^refresh: /);
    expect((await errorOf(await get('/api/v1/anomalies?cursor=garbage&sort=score_desc'), 400)).code).toBe(
      'invalid_cursor',
    );
  });

  it('documents the new routes and parameters in OpenAPI', async () => {
    const doc = await json<{ paths: Record<string, Record<string, { parameters?: { name: string }[] }>> }>(
      await engine.request(null, '/api/openapi.json'),
    );
    expect(doc.paths['/api/v1/anomalies/histogram']?.get).toBeDefined();
    expect(doc.paths['/api/v1/anomalies/facets']?.get).toBeDefined();
    expect(doc.paths['/api/v1/anomalies/{id}/explain']?.post).toBeDefined();
    expect(doc.paths['/api/v1/info']?.get).toBeDefined();
    const names = (path: string, method: string) =>
      (doc.paths[path]?.[method]?.parameters ?? []).map((p) => p.name).sort();
    expect(names('/api/v1/anomalies', 'get')).toContain('sort');
    expect(names('/api/v1/anomalies/histogram', 'get')).toEqual(
      ['buckets', 'from', 'job', 'kind', 'q', 'service', 'severity', 'source', 'to'].sort(),
    );
    expect(names('/api/v1/anomalies/{id}/explain', 'post')).toEqual(['id', 'refresh']);
  });
});

describe('explaining an anomaly with the LLM on demand', () => {
  let engine: EngineFixture;
  let ollama: FakeOllama;
  beforeAll(async () => {
    ollama = await startFakeOllama({ models: ['llama3.2'] });
    engine = await startEngine({
      OLLAMA_HOST: ollama.url,
      OLLAMA_MODEL: 'llama3.2',
      OLLAMA_TIMEOUT_MS: '1500',
    });
    await engine.runtime.store.insertDetections(
      null,
      ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7'].map((id, i) =>
        // Each its own template, so no answer is shared through the explanation cache.
        detection(id, 'acme', { template: `step ${i} failed`, template_id: `t${i}`, severity: 'critical' }),
      ),
    );
  });
  afterAll(async () => {
    await engine?.close();
    await ollama?.close();
  });
  const explain = (id: string, query = '') =>
    engine.request('acme', `/api/v1/anomalies/${id}/explain${query}`, { method: 'POST' });

  it('tells pages which model explains', async () => {
    const info = await json<{ llm: unknown; store: string }>(await engine.request('acme', '/api/v1/info'));
    expect(info.llm).toEqual({ enabled: true, model: 'llama3.2' });
  });

  it('asks once, stores the answer, returns it afterwards without asking, and asks again on refresh', async () => {
    const reply = JSON.parse(DEFAULT_FAKE_REPLY) as { explanation: string; likely_cause: string };
    const before = ollama.requests;
    const first = await json<{ id: string; llm_explanation: unknown }>(await explain('e1'));
    expect(first.id).toBe('e1');
    expect(first.llm_explanation).toEqual({
      text: reply.explanation,
      likely_cause: reply.likely_cause,
      model: 'llama3.2',
    });
    expect(ollama.requests).toBe(before + 1);
    expect(ollama.lastRequest?.messages.map((m) => m.content).join('\n')).toContain('step 0 failed');

    const stored = await json<{ llm_explanation: unknown }>(
      await engine.request('acme', '/api/v1/anomalies/e1'),
    );
    expect(stored.llm_explanation).toEqual(first.llm_explanation);
    const listed = await json<Page>(
      await engine.request('acme', '/api/v1/anomalies?sort=score_desc&limit=50'),
    );
    expect(listed.items.find((d) => d.id === 'e1')?.llm_explanation).toEqual(first.llm_explanation);

    await json(await explain('e1'));
    expect(ollama.requests).toBe(before + 1);

    ollama.reply = JSON.stringify({ explanation: 'Step 0 failed after a deploy.', likely_cause: 'unknown' });
    try {
      const again = await json<{ llm_explanation: unknown }>(await explain('e1', '?refresh=true'));
      expect(again.llm_explanation).toEqual({
        text: 'Step 0 failed after a deploy.',
        likely_cause: null,
        model: 'llama3.2',
      });
      expect(ollama.requests).toBe(before + 2);
    } finally {
      ollama.reply = DEFAULT_FAKE_REPLY;
    }
    expect((await engine.request('globex', '/api/v1/anomalies/e1/explain', { method: 'POST' })).status).toBe(
      404,
    );
  });

  it('answers 502 with words when the model answers badly, and stores nothing', async () => {
    ollama.reply = 'I think the service is sad.';
    try {
      const err = await errorOf(await explain('e2'), 502);
      expect(err.code).toBe('llm_invalid_answer');
      expect(err.message).toContain('llama3.2');
    } finally {
      ollama.reply = DEFAULT_FAKE_REPLY;
    }
    const d = await json<{ llm_explanation: unknown }>(await engine.request('acme', '/api/v1/anomalies/e2'));
    expect(d.llm_explanation).toBeNull();
  });

  it('answers 504 when the model takes longer than OLLAMA_TIMEOUT_MS', async () => {
    ollama.delayMs = 4_000;
    try {
      const started = Date.now();
      const err = await errorOf(await explain('e3'), 504);
      expect(Date.now() - started).toBeLessThan(3_500);
      expect(err.code).toBe('llm_timeout');
      expect(err.message).toContain('1.5 s');
      expect(err.message).toContain('OLLAMA_TIMEOUT_MS');
    } finally {
      ollama.delayMs = 0;
    }
  });

  it('refuses a third explanation at once as busy (503 with Retry-After)', async () => {
    ollama.delayMs = 600;
    try {
      const answers = await Promise.all(['e4', 'e5', 'e6'].map((id) => explain(id)));
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 503]);
      for (const busy of answers.filter((r) => r.status === 503)) {
        expect(busy.headers.get('Retry-After')).toBe('5');
        expect((await errorOf(busy, 503)).code).toBe('llm_busy');
      }
    } finally {
      ollama.delayMs = 0;
    }
  });

  it('answers 502 when Ollama cannot be reached', async () => {
    await ollama.close();
    const err = await errorOf(await explain('e7'), 502);
    expect(err.code).toBe('llm_unreachable');
    expect(err.message).toContain('OLLAMA_HOST');
  });
});

describe('the explorer’s first page of 100,000 stored anomalies (SQLite, bench-style: printed, not asserted)', () => {
  let engine: EngineFixture;
  const N = 100_000;
  const start = Date.UTC(2026, 3, 1);
  beforeAll(async () => {
    engine = await startEngine();
    const services = ['api', 'db', 'auth', 'cart', 'payments', 'search'];
    const started = performance.now();
    for (let from = 0; from < N; from += 10_000) {
      const batch = Array.from({ length: 10_000 }, (_, k) => {
        const i = from + k;
        // A spread of scores with many ties, ids unrelated to score or time.
        const score = 0.5 + ((i * 7919) % 5000) / 10_000;
        const window = i % 5 === 0;
        return detection(`d${((i * 2654435761) % 2 ** 32).toString(36)}-${i}`, 'acme', {
          timestamp: new Date(start + i * 6_000).toISOString(),
          score,
          severity: severityFromScore(score),
          service: services[i % services.length],
          kind: window ? 'window' : 'line',
          observed: window ? 100 + (i % 40) : null,
          expected: window ? 60 : null,
          lower: window ? 45 : null,
          upper: window ? 75 : null,
          template: `GET /orders/<*> failed with status <*> after <*> ms (${i % 300})`,
          explanation: `This line's template was seen ${i % 9} times in the reference; rarer than 1 in ${1000 + i}.`,
          samples: [`ERROR GET /orders/${i} failed with status 503 after ${i % 3000} ms: upstream reset`],
        });
      });
      await engine.runtime.store.insertDetections(`job-${from / 10_000}`, batch);
    }
    console.log(
      `[bench] Store.insertDetections: ${N} detections in ${Math.round(performance.now() - started)} ms`,
    );
  }, 300_000);
  afterAll(async () => {
    await engine?.close();
  });

  it('serves the first score_desc page from the score index', async () => {
    const range = `from=${new Date(start - 86_400_000).toISOString()}&to=${new Date(start + 30 * 86_400_000).toISOString()}`;
    const timed = async <T>(label: string, path: string): Promise<T> => {
      const t = performance.now();
      const res = await engine.request('acme', path);
      const body = (await res.json()) as T;
      console.log(`[bench] ${label}: ${(performance.now() - t).toFixed(1)} ms (${res.status})`);
      expect(res.status).toBe(200);
      return body;
    };
    const first = await timed<Page>(
      'first page, 100 by score_desc over 30 days, through app.request',
      `/api/v1/anomalies?sort=score_desc&limit=100&${range}`,
    );
    expect(first.items).toHaveLength(100);
    expect(first.items[0].score).toBe(0.9999);
    const scores = first.items.map((d) => d.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    await timed(
      'second page (cursor)',
      `/api/v1/anomalies?sort=score_desc&limit=100&${range}&cursor=${first.next_cursor}`,
    );
    await timed(
      'score_asc, severity=high,critical',
      `/api/v1/anomalies?sort=score_asc&limit=100&${range}&severity=high,critical`,
    );
    await timed('score_desc, service=db', `/api/v1/anomalies?sort=score_desc&limit=100&${range}&service=db`);
    const h = await timed<{ buckets: { count: number }[] }>(
      'histogram, 120 buckets',
      `/api/v1/anomalies/histogram?${range}`,
    );
    expect(h.buckets.reduce((n, b) => n + b.count, 0)).toBe(N);
    await timed('histogram, own range, severity=critical', '/api/v1/anomalies/histogram?severity=critical');
    await timed('facets', `/api/v1/anomalies/facets?${range}`);
  });
});
