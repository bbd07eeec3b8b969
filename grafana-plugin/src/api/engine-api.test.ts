import { EngineApi, EngineError } from './engine-api';
import { applyJobEvent } from './job-events';

function respond(status: number, body: unknown): Response {
  return {
    ok: status >= 200 && status < 300,
    status,
    json: async () => body,
    text: async () => (typeof body === 'string' ? body : JSON.stringify(body)),
  } as unknown as Response;
}

describe('EngineApi', () => {
  test('calls through the base URL with the connection headers', async () => {
    const calls: Array<[string, RequestInit]> = [];
    const api = new EngineApi({
      baseUrl: '/api/plugin-proxy/outlier-anomaly-app/engine',
      headers: { 'X-API-Key': 'k' },
      fetch: (async (url: string, init: RequestInit) => {
        calls.push([url, init]);
        return respond(200, { items: [], next_cursor: null });
      }) as typeof fetch,
    });
    expect(await api.listJobs('abc', 10)).toEqual({ items: [], next_cursor: null });
    expect(calls[0][0]).toBe('/api/plugin-proxy/outlier-anomaly-app/engine/api/v1/jobs?limit=10&cursor=abc');
    expect(calls[0][1].headers).toEqual({ 'X-API-Key': 'k' });
  });

  test("turns the engine's errors and a missing engine into words", async () => {
    const api = (r: () => Promise<Response>) => new EngineApi({ baseUrl: '', fetch: r as unknown as typeof fetch });
    await expect(
      api(async () => respond(404, { error: { code: 'not_found', message: 'job "x" does not exist' } })).getJob('x')
    ).rejects.toMatchObject({ message: 'job "x" does not exist', status: 404, code: 'not_found' });
    await expect(api(async () => respond(401, 'Unauthorized')).getJob('x')).rejects.toThrow(/refused the API key/);
    const down = api(async () => {
      throw new TypeError('Failed to fetch');
    }).getJob('x');
    await expect(down).rejects.toBeInstanceOf(EngineError);
    await expect(down).rejects.toThrow(/cannot be reached \(Failed to fetch\)/);
  });
});

describe('applyJobEvent', () => {
  const job = {
    job_id: 'j',
    status: 'processing' as const,
    source: 'app.log',
    progress: 0.1,
    declared_size: 100,
    bytes_received: 100,
    bytes_processed: 10,
    lines_processed: 5,
    anomalies_found: 0,
    estimated_remaining_time: 9,
    error_code: null,
    error_message: null,
    created_at: '2026-11-23T00:00:00Z',
    finished_at: null,
  };
  test('merges progress, then the end of the job', () => {
    const p = applyJobEvent(job, { id: '1', event: 'progress', data: '{"progress":0.5,"lines_processed":50}' });
    expect(p).toMatchObject({ progress: 0.5, lines_processed: 50, status: 'processing' });
    const f = applyJobEvent(p, {
      id: '2',
      event: 'failed',
      data: '{"status":"failed","error":{"code":"binary","message":"not a text file"}}',
    });
    expect(f).toMatchObject({ status: 'failed', error_code: 'binary', error_message: 'not a text file' });
    expect(applyJobEvent(p, { id: '3', event: 'completed', data: '{}' })).toMatchObject({
      status: 'completed',
      progress: 1,
    });
    expect(applyJobEvent(p, { id: '4', event: 'progress', data: 'not json' })).toBe(p);
  });
});
