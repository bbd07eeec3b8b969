import { describe, expect, it } from 'vitest';
import { SourceError } from '../source-error.js';
import { promSeriesKey, queryPrometheusRange } from './prometheus-query.js';

interface Seen {
  url: string;
  headers: Headers;
  form: URLSearchParams;
}

/** A fetch that answers each query_range request with `answer(form)` and records what it was sent. */
function fakeFetch(answer: (form: URLSearchParams) => { status?: number; body: unknown }) {
  const seen: Seen[] = [];
  const fn: typeof fetch = async (input, init) => {
    const form = new URLSearchParams(String(init?.body ?? ''));
    seen.push({ url: String(input), headers: new Headers(init?.headers), form });
    const a = answer(form);
    return new Response(typeof a.body === 'string' ? a.body : JSON.stringify(a.body), {
      status: a.status ?? 200,
    });
  };
  return { fn, seen };
}

/** A matrix answer with one series holding every grid point of the request, valued t/1000. */
function gridAnswer(form: URLSearchParams) {
  const start = Number(form.get('start'));
  const end = Number(form.get('end'));
  const step = Number(form.get('step'));
  const values: [number, string][] = [];
  for (let t = start; t <= end + 1e-9; t += step) values.push([t, String(Math.round(t))]);
  return {
    body: {
      status: 'success',
      data: { resultType: 'matrix', result: [{ metric: { __name__: 'up', job: 'x' }, values }] },
    },
  };
}

async function failure(p: Promise<unknown>): Promise<SourceError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof SourceError)) throw new Error(`expected a SourceError, got ${String(err)}`);
  return err;
}

describe('promSeriesKey', () => {
  it('puts the name first and sorts and escapes the other labels', () => {
    expect(promSeriesKey({ job: 'b', __name__: 'up', instance: 'a' })).toBe('up{instance="a",job="b"}');
    expect(promSeriesKey({ path: 'a"b\\c\nd' })).toBe('{path="a\\"b\\\\c\\nd"}');
    expect(promSeriesKey({ __name__: 'up' })).toBe('up');
    expect(promSeriesKey({})).toBe('{}');
  });
});

describe('queryPrometheusRange', () => {
  it('never asks for more than 11,000 points per request, even when allowed more', async () => {
    const { fn, seen } = fakeFetch(gridAnswer);
    const [s] = await queryPrometheusRange(
      { url: 'http://p:9090/prom/', fetch: fn, maxPointsPerRequest: 50_000 },
      { query: 'up', startMs: 0, endMs: 25_000_000, stepSeconds: 1 },
    );
    expect(seen.map((r) => r.form.get('start'))).toEqual(['0', '11000', '22000']);
    expect(seen.map((r) => r.form.get('end'))).toEqual(['10999', '21999', '25000']);
    expect(seen[0].url).toBe('http://p:9090/prom/api/v1/query_range');
    expect(s.timestamps.length).toBe(25_001);
    expect(s.values[25_000]).toBe(25_000);
  });

  it('sends the caller headers and answers an empty range without a request', async () => {
    const { fn, seen } = fakeFetch(gridAnswer);
    await queryPrometheusRange(
      { url: 'http://p:9090', fetch: fn, headers: { authorization: 'Bearer t' } },
      { query: 'up', startMs: 1_000, endMs: 2_000, stepSeconds: 0.5 },
    );
    expect(seen[0].headers.get('authorization')).toBe('Bearer t');
    expect(seen[0].form.get('step')).toBe('0.5');
    expect(
      await queryPrometheusRange(
        { url: 'http://p:9090', fetch: fn },
        { query: 'up', startMs: 2, endMs: 1, stepSeconds: 1 },
      ),
    ).toEqual([]);
    expect(seen.length).toBe(1);
  });

  it('refuses a step below 1 ms before sending anything', async () => {
    const { fn, seen } = fakeFetch(gridAnswer);
    const err = await failure(
      queryPrometheusRange(
        { url: 'http://p:9090', fetch: fn },
        { query: 'up', startMs: 0, endMs: 1, stepSeconds: 0 },
      ),
    );
    expect(err.code).toBe('invalid_query');
    expect(seen.length).toBe(0);
  });

  it('retries a 429 and reports it as server_error when it persists', async () => {
    const { fn, seen } = fakeFetch(() => ({
      status: 429,
      body: { status: 'error', errorType: 'too_many_requests', error: 'slow down' },
    }));
    const err = await failure(
      queryPrometheusRange(
        { url: 'http://p:9090', fetch: fn, retries: 1, backoffMs: 1 },
        { query: 'up', startMs: 0, endMs: 1000, stepSeconds: 1 },
      ),
    );
    expect(seen.length).toBe(2);
    expect(err.code).toBe('server_error');
    expect(err.message).toContain('slow down');
  });

  it('reports other 4xx as rejected without retrying', async () => {
    const { fn, seen } = fakeFetch(() => ({ status: 401, body: 'Unauthorized' }));
    const err = await failure(
      queryPrometheusRange(
        { url: 'http://p:9090', fetch: fn },
        { query: 'up', startMs: 0, endMs: 1000, stepSeconds: 1 },
      ),
    );
    expect(seen.length).toBe(1);
    expect(err.code).toBe('rejected');
    expect(err.status).toBe(401);
    expect(err.message).toContain('Unauthorized');
  });

  it('reports a non-number value, an error status and native histograms as bad_response', async () => {
    const answers = [
      { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: [[1, 'abc']] }] } },
      { status: 'error', data: { resultType: 'matrix', result: [] } },
      { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, histograms: [[1, {}]] }] } },
      { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: [['1', '2']] }] } },
    ];
    const messages: string[] = [];
    for (const body of answers) {
      const { fn } = fakeFetch(() => ({ body }));
      const err = await failure(
        queryPrometheusRange(
          { url: 'http://p:9090', fetch: fn },
          { query: 'up', startMs: 0, endMs: 1000, stepSeconds: 1 },
        ),
      );
      expect(err.code).toBe('bad_response');
      messages.push(err.message);
    }
    expect(messages[0]).toContain('"abc"');
    expect(messages[1]).toContain('status is "error"');
    expect(messages[2]).toContain('native histograms');
    expect(messages[3]).toContain('malformed');
  });

  it('stops on the caller signal with its reason, also during a backoff', async () => {
    const controller = new AbortController();
    const { fn } = fakeFetch(() => {
      setTimeout(() => controller.abort(new Error('shutting down')), 5);
      return { status: 503, body: 'busy' };
    });
    const started = Date.now();
    await expect(
      queryPrometheusRange(
        { url: 'http://p:9090', fetch: fn, backoffMs: 10_000, signal: controller.signal },
        { query: 'up', startMs: 0, endMs: 1000, stepSeconds: 1 },
      ),
    ).rejects.toThrow('shutting down');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
