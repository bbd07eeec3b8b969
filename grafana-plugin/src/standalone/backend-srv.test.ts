/**
 * @jest-environment ./src/standalone/jsdom-with-fetch.js
 */
import { lastValueFrom } from 'rxjs';
import { FetchBackendSrv, requestUrl } from './backend-srv';

type Call = { url: string; init: RequestInit };

function fakeFetch(respond: (call: Call) => Response): { calls: Call[]; fetch: typeof fetch } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: async (input, init = {}) => {
      const call = { url: String(input), init };
      calls.push(call);
      return respond(call);
    },
  };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('FetchBackendSrv', () => {
  it('serializes params as Grafana does', () => {
    expect(requestUrl({ url: '/api/x', params: { a: 1, b: ['p', 'q'], c: 'x y' } })).toBe('/api/x?a=1&b=p&b=q&c=x%20y');
    expect(requestUrl({ url: '/api/x?z=1', params: { a: 1 } })).toBe('/api/x?z=1&a=1');
    expect(requestUrl({ url: '/api/x' })).toBe('/api/x');
  });

  it('gets JSON with the session cookie and posts JSON bodies', async () => {
    const f = fakeFetch(() => json({ items: [1] }));
    const srv = new FetchBackendSrv(f.fetch);
    await expect(srv.get('/api/plugin-proxy/outlier-anomaly-app/engine/api/v1/jobs', { limit: 5 })).resolves.toEqual({
      items: [1],
    });
    expect(f.calls[0].url).toBe('/api/plugin-proxy/outlier-anomaly-app/engine/api/v1/jobs?limit=5');
    expect(f.calls[0].init.credentials).toBe('same-origin');
    await srv.post('/api/x', { verdict: 'confirmed' });
    const headers = new Headers(f.calls[1].init.headers);
    expect(f.calls[1].init.method).toBe('POST');
    expect(f.calls[1].init.body).toBe('{"verdict":"confirmed"}');
    expect(headers.get('Content-Type')).toBe('application/json');
  });

  it("rejects with Grafana's error shape, carrying the engine's message", async () => {
    const f = fakeFetch(() => json({ error: { code: 'not_found', message: 'job "x" not found' } }, 404));
    const srv = new FetchBackendSrv(f.fetch);
    await expect(srv.get('/api/x')).rejects.toMatchObject({
      status: 404,
      message: 'job "x" not found',
      data: { message: 'job "x" not found', error: { code: 'not_found' } },
    });
  });

  it('says in words when the engine cannot be reached', async () => {
    const srv = new FetchBackendSrv(async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(srv.get('/api/x')).rejects.toMatchObject({
      status: 0,
      data: { message: 'The engine cannot be reached. Is it running?' },
    });
  });

  it('gives the whole response through fetch(), and text when asked', async () => {
    const f = fakeFetch(() => new Response('plain', { status: 200 }));
    const res = await lastValueFrom(new FetchBackendSrv(f.fetch).fetch<string>({ url: '/x', responseType: 'text' }));
    expect(res).toMatchObject({ data: 'plain', status: 200, ok: true });
  });

  it('streams chunks with chunked()', async () => {
    const f = fakeFetch(() => new Response('abc'));
    const chunks: string[] = [];
    await new Promise<void>((resolve, reject) =>
      new FetchBackendSrv(f.fetch).chunked({ url: '/x' }).subscribe({
        next: (r) => chunks.push(new TextDecoder().decode(r.data)),
        complete: resolve,
        error: reject,
      })
    );
    expect(chunks.join('')).toBe('abc');
  });
});
