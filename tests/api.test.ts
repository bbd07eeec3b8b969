import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from '../engine/src/model/detection.js';
import {
  type EngineFixture,
  sampleLog,
  sha256,
  startEngine,
  tusMetadata,
  waitForJob,
} from './support/engine.js';

let engine: EngineFixture;
beforeAll(async () => {
  engine = await startEngine();
});
afterAll(async () => {
  await engine?.close();
});

const TUS = { 'Tus-Resumable': '1.0.0' };

async function createUpload(
  tenant: string,
  size: number,
  meta: Record<string, string> = { filename: 'app.log' },
) {
  const res = await engine.request(tenant, '/api/v1/uploads', {
    method: 'POST',
    headers: { ...TUS, 'Upload-Length': String(size), 'Upload-Metadata': tusMetadata(meta) },
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { job_id: string; upload_url: string };
  expect(res.headers.get('Location')).toBe(body.upload_url);
  return body;
}

function patch(
  tenant: string,
  url: string,
  offset: number,
  data: Uint8Array | string,
  checksum = sha256(data),
) {
  return engine.request(tenant, url, {
    method: 'PATCH',
    headers: {
      ...TUS,
      'Content-Type': 'application/offset+octet-stream',
      'Upload-Offset': String(offset),
      'Upload-Checksum': `sha256 ${checksum}`,
    },
    body: data,
  });
}

/** The events of a `text/event-stream` body. */
function parseSse(text: string): { id: number; type: string; data: Record<string, unknown> }[] {
  return text
    .split('\n\n')
    .filter((block) => block.includes('data:'))
    .map((block) => {
      const field = (name: string) => block.match(new RegExp(`^${name}: (.*)$`, 'm'))?.[1] ?? '';
      return { id: Number(field('id')), type: field('event'), data: JSON.parse(field('data')) };
    });
}

async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.message.length).toBeGreaterThan(5);
  return body.error;
}

/** Processes `log` as globex's source `source` and lists the job's line anomalies. */
async function lineAnomaliesOfUpload(source: string, log: string): Promise<Detection[]> {
  const res = await engine.request('globex', `/api/v2/process?source=${source}`, {
    method: 'POST',
    body: log,
  });
  const job = (await res.json()) as { job_id: string };
  await waitForJob(engine, 'globex', job.job_id);
  const page = await engine.request('globex', `/api/v1/anomalies?job=${job.job_id}&kind=line&limit=500`);
  return ((await page.json()) as { items: Detection[] }).items;
}

describe('the engine API', () => {
  it('uploads in chunks with tus, resumes with HEAD, and processes to completed', async () => {
    const log = Buffer.from(sampleLog(3000));
    const { job_id, upload_url } = await createUpload('acme', log.length, {
      filename: 'app.log',
      service: 'shop',
    });
    const cuts = [0, 7777, 50_000, 50_001, 140_000, log.length];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const head = await engine.request('acme', upload_url, { method: 'HEAD', headers: TUS });
      expect(head.status).toBe(200);
      expect(head.headers.get('Upload-Offset')).toBe(String(cuts[i]));
      expect(head.headers.get('Upload-Length')).toBe(String(log.length));
      const res = await patch('acme', upload_url, cuts[i], log.subarray(cuts[i], cuts[i + 1]));
      expect(res.status).toBe(204);
      expect(res.headers.get('Upload-Offset')).toBe(String(cuts[i + 1]));
    }
    const done = await waitForJob(engine, 'acme', job_id);
    expect(done).toMatchObject({
      status: 'completed',
      progress: 1,
      lines_processed: 3000,
      bytes_received: log.length,
    });
    expect(Number(done.anomalies_found)).toBeGreaterThan(0);
    const list = await engine.request('acme', `/api/v1/anomalies?job=${job_id}&limit=500`);
    const items = (
      (await list.json()) as {
        items: { template: string | null; kind: string; samples: string[]; severity: string }[];
      }
    ).items;
    // The job's summary counts its anomalies by severity, as stored.
    const bySeverity: Record<string, number> = { low: 0, medium: 0, high: 0, critical: 0 };
    for (const d of items) bySeverity[d.severity]++;
    expect((done.summary as { by_severity: Record<string, number> }).by_severity).toEqual(bySeverity);
    expect(items.some((d) => d.kind === 'line' && d.samples[0].includes('panic'))).toBe(true);
    // Every line scored once: ids are unique.
    const ids = new Set(items.map((d) => JSON.stringify(d)));
    expect(ids.size).toBe(items.length);
  });

  it('processes a raw body through the v2 API and streams its events, resumable with Last-Event-ID', async () => {
    const res = await engine.request('acme', '/api/v2/process?filename=raw.log&session_key=trace_id', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: sampleLog(2000),
    });
    expect(res.status).toBe(202);
    const job = (await res.json()) as {
      job_id: string;
      source: string;
      status_url: string;
      stream_url: string;
    };
    expect(job.source).toBe('raw.log');
    await waitForJob(engine, 'acme', job.job_id);
    const stream = await engine.request('acme', job.stream_url);
    expect(stream.headers.get('Content-Type')).toContain('text/event-stream');
    const text = await stream.text();
    const events = parseSse(text);
    expect(events[0].type).toBe('started');
    expect(events.at(-1)?.type).toBe('completed');
    expect(events.some((e) => e.type === 'progress')).toBe(true);
    for (let i = 1; i < events.length; i++) expect(events[i].id).toBeGreaterThan(events[i - 1].id);
    const resumed = await engine.request('acme', job.stream_url, {
      headers: { 'Last-Event-ID': String(events[1].id) },
    });
    const rest = parseSse(await resumed.text()).map((e) => e.id);
    expect(rest).toEqual(events.slice(2).map((e) => e.id));
  });

  it('takes a multipart upload with the file streamed', async () => {
    const form = new FormData();
    form.set('format', 'json');
    form.set('file', new Blob([sampleLog(500)]), 'form.log');
    const res = await engine.request('globex', '/api/v2/process', { method: 'POST', body: form });
    expect(res.status).toBe(202);
    const job = (await res.json()) as { job_id: string; source: string };
    expect(job.source).toBe('form.log');
    expect(await waitForJob(engine, 'globex', job.job_id)).toMatchObject({
      status: 'completed',
      lines_processed: 500,
    });
  });

  it('refuses missing and unknown keys with 401, and hides other tenants’ objects with 404', async () => {
    expect((await engine.request(null, '/api/v1/jobs')).status).toBe(401);
    expect((await errorOf(await engine.request(null, '/api/v1/jobs'))).code).toBe('missing_api_key');
    const unknown = await engine.request(null, '/api/v1/jobs', { headers: { 'X-API-Key': 'nope' } });
    expect(unknown.status).toBe(401);
    const { job_id, upload_url } = await createUpload('acme', 10);
    expect((await engine.request('globex', `/api/v2/status/${job_id}`)).status).toBe(404);
    expect((await engine.request('globex', upload_url, { method: 'HEAD', headers: TUS })).status).toBe(404);
    expect((await patch('globex', upload_url, 0, '0123456789')).status).toBe(404);
    expect((await engine.request('globex', `/api/v2/cancel/${job_id}`, { method: 'POST' })).status).toBe(404);
    const listed = (await (await engine.request('globex', '/api/v1/jobs')).json()) as {
      items: { job_id: string }[];
    };
    expect(listed.items.map((j) => j.job_id)).not.toContain(job_id);
  });

  it('refuses a wrong offset, a checksum mismatch and a body larger than declared, storing nothing', async () => {
    const { upload_url } = await createUpload('acme', 10);
    const wrong = await patch('acme', upload_url, 3, 'abc');
    expect(wrong.status).toBe(409);
    expect((await errorOf(wrong)).code).toBe('offset_mismatch');
    const bad = await patch('acme', upload_url, 0, 'abc\n', sha256('abd\n'));
    expect(bad.status).toBe(460);
    expect((await errorOf(bad)).code).toBe('checksum_mismatch');
    const big = await patch('acme', upload_url, 0, 'x'.repeat(11));
    expect(big.status).toBe(413);
    const head = await engine.request('acme', upload_url, { method: 'HEAD', headers: TUS });
    expect(head.headers.get('Upload-Offset')).toBe('0');
    expect((await patch('acme', upload_url, 0, 'abc\n')).status).toBe(204);
  });

  it('refuses binary content with 415 and fails the job with the reason', async () => {
    const bin = Buffer.alloc(4096, 0);
    const { job_id, upload_url } = await createUpload('acme', bin.length);
    const res = await patch('acme', upload_url, 0, bin);
    expect(res.status).toBe(415);
    expect((await errorOf(res)).code).toBe('binary_content');
    const status = (await (await engine.request('acme', `/api/v2/status/${job_id}`)).json()) as Record<
      string,
      unknown
    >;
    expect(status).toMatchObject({ status: 'failed', error_code: 'binary_content' });
    const raw = await engine.request('acme', '/api/v2/process', { method: 'POST', body: bin });
    expect(raw.status).toBe(415);
  });

  it('gives clear 4xx errors for malformed requests', async () => {
    const noTus = await engine.request('acme', '/api/v1/uploads', {
      method: 'POST',
      headers: { 'Upload-Length': '5' },
    });
    expect(noTus.status).toBe(412);
    const noLength = await engine.request('acme', '/api/v1/uploads', { method: 'POST', headers: TUS });
    expect((await errorOf(noLength)).code).toBe('invalid_upload_length');
    const badMeta = await engine.request('acme', '/api/v1/uploads', {
      method: 'POST',
      headers: {
        ...TUS,
        'Upload-Length': '5',
        'Upload-Metadata': `session_key ${Buffer.from('/(unclosed/').toString('base64')}`,
      },
    });
    expect(badMeta.status).toBe(400);
    expect((await errorOf(badMeta)).message).toContain('session_key');
    const badJson = await engine.request('acme', '/api/v1/anomalies/x/feedback', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"verdict": ',
    });
    expect(badJson.status).toBe(400);
    const badVerdict = await engine.request('acme', '/api/v1/anomalies/x/feedback', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"verdict":"maybe"}',
    });
    expect(badVerdict.status).toBe(400);
    expect((await engine.request('acme', '/api/v2/status/no-such-job')).status).toBe(404);
    expect((await engine.request('acme', '/api/v1/anomalies?severity=huge')).status).toBe(400);
    expect((await engine.request('acme', '/api/v1/anomalies?cursor=garbage')).status).toBe(400);
    expect((await engine.request('acme', '/api/v1/anomalies?from=yesterday')).status).toBe(400);
    expect(
      (await engine.request('acme', '/api/v2/process?threshold=7', { method: 'POST', body: 'a\n' })).status,
    ).toBe(400);
    expect((await engine.request('acme', '/no/such/route')).status).toBe(404);
  });

  it('cancels once (409 the second time) and replays a finished job’s stream, then closes', async () => {
    const { job_id } = await createUpload('acme', 1000);
    const first = await engine.request('acme', `/api/v2/cancel/${job_id}`, { method: 'POST' });
    expect(first.status).toBe(200);
    expect(((await first.json()) as { status: string }).status).toBe('cancelled');
    const second = await engine.request('acme', `/api/v2/cancel/${job_id}`, { method: 'POST' });
    expect(second.status).toBe(409);
    expect((await errorOf(second)).code).toBe('job_ended');
    const stream = await engine.request('acme', `/api/v2/results/${job_id}/stream`);
    const text = await stream.text();
    expect(text).toContain('event: started');
    expect(text).toContain('event: cancelled');
    const head = await engine.request('acme', `/api/v1/uploads/${job_id}`, { method: 'HEAD', headers: TUS });
    expect(head.status).toBe(410);
  });

  it('suppresses a pattern marked not_anomaly in later scoring', async () => {
    const log = sampleLog(2000);
    const run = () => lineAnomaliesOfUpload('fb.log', log);
    const before = await run();
    const target = before.find((d) => d.template?.includes('panic'));
    expect(target).toBeDefined();
    if (!target) return;
    const fb = await engine.request('globex', `/api/v1/anomalies/${encodeURIComponent(target.id)}/feedback`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ verdict: 'not_anomaly' }),
    });
    expect(fb.status).toBe(201);
    const after = await run();
    expect(after.some((d) => d.template === target.template)).toBe(false);
    expect(after.length).toBeLessThan(before.length);
  });

  it('scores template bursts only in the upload whose own lines trained the model', async () => {
    // The sample's 39 "upstream timeout" errors come within 2 % of it: a burst of a template new to the log.
    const log = sampleLog(2000);
    const run = async () =>
      (await lineAnomaliesOfUpload('bursts.log', log)).filter((d) =>
        d.detectors.some((x) => x.name === 'template_burst'),
      );
    const first = await run();
    expect(first.length).toBeGreaterThan(30);
    expect(first[0].explanation).toMatch(
      /^Burst of "upstream timeout after .+ to payments": its 39 of 2000 reference lines all came within/,
    );
    // The source's next upload reuses the model: that burst says nothing of its lines.
    expect(await run()).toEqual([]);
  });

  it('counts a value only one line of an upload had as new in that upload alone', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const reason = i === 5000 ? 'fraud_suspected' : ['declined', 'expired', 'limit'][i % 3];
      lines.push(`{"level":"info","service":"payments","msg":"payment declined","reason":"${reason}"}`);
    }
    const log = `${lines.join('\n')}\n`;
    const rare = async () =>
      (await lineAnomaliesOfUpload('reasons.log', log)).filter((d) =>
        d.detectors.some((x) => x.name === 'rare_value'),
      );
    const first = await rare();
    expect(first.map((d) => d.explanation)).toEqual([
      'reason = "fraud_suspected" never seen in any other of the 10000 reference lines of "payment declined" (4 distinct values).',
    ]);
    // The next upload reuses the model, which has seen the value once: not new to it.
    expect(await rare()).toEqual([]);
  });

  it("explains a session anomaly with its templates' text, and spares the sessions the upload's edges cut", async () => {
    // 6000 requests of 3 steps, one every 2 s, each over 1 s; the upload starts inside one and ends inside another.
    const lines: string[] = [];
    const start = Date.UTC(2026, 0, 1);
    const at = (ms: number) => new Date(start + ms).toISOString();
    for (let r = 0; r < 6000; r++) {
      const trace = `r${r}`;
      const messages = [`request received for cart ${r % 37}`, 'stock reserved', 'request answered'];
      if (r === 3000) messages.splice(1, 0, 'card vault unreachable, retrying');
      messages.forEach((message, k) => {
        if ((r === 0 && k === 0) || (r === 5999 && k === 2)) return; // cut by the upload's edges
        lines.push(
          JSON.stringify({ time: at(r * 2000 + k * 500), service: 'shop', message, trace_id: trace }),
        );
      });
    }
    const res = await engine.request('globex', '/api/v2/process?source=requests.log&session_key=trace_id', {
      method: 'POST',
      body: `${lines.join('\n')}\n`,
    });
    const job = (await res.json()) as { job_id: string };
    await waitForJob(engine, 'globex', job.job_id);
    const page = await engine.request('globex', `/api/v1/anomalies?job=${job.job_id}&kind=session&limit=50`);
    const sessions = ((await page.json()) as { items: Detection[] }).items;
    expect(sessions.map((d) => d.session_id)).toEqual(['r3000']);
    expect(sessions[0].explanation).toContain(
      'event "card vault unreachable, retrying" never seen in any other session',
    );
  });

  it('pages anomalies with a cursor and serves /latest-anomalies and one anomaly by id', async () => {
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await engine.request(
        'acme',
        `/api/v1/anomalies?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      const page = (await res.json()) as { items: { id: string }[]; next_cursor: string | null };
      for (const d of page.items) seen.add(d.id);
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 100);
    const whole = (await (await engine.request('acme', '/api/v1/anomalies?limit=500')).json()) as {
      items: { id: string }[];
    };
    expect(seen.size).toBeGreaterThan(1);
    expect([...seen]).toEqual(whole.items.map((d) => d.id));
    const latest = (await (await engine.request('acme', '/latest-anomalies?limit=2')).json()) as {
      id: string;
    }[];
    expect(latest.map((d) => d.id)).toEqual(whole.items.slice(0, 2).map((d) => d.id));
    const one = await engine.request('acme', `/api/v1/anomalies/${encodeURIComponent(latest[0].id)}`);
    expect(((await one.json()) as { id: string }).id).toBe(latest[0].id);
    expect(
      (await engine.request('globex', `/api/v1/anomalies/${encodeURIComponent(latest[0].id)}`)).status,
    ).toBe(404);
  });

  it('manages tenants and keys with the admin key', async () => {
    expect((await engine.request('acme', '/api/v1/admin/tenants')).status).toBe(403);
    const created = await engine.request('admin', '/api/v1/admin/tenants', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"name":"initech"}',
    });
    expect(created.status).toBe(201);
    const { key, key_id } = (await created.json()) as { key: string; key_id: string };
    const asNew = await engine.runtime.app?.request('/api/v1/jobs', { headers: { 'X-API-Key': key } });
    expect(asNew?.status).toBe(200);
    expect(
      (
        await engine.request('admin', '/api/v1/admin/tenants', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{"name":"initech"}',
        })
      ).status,
    ).toBe(409);
    expect((await engine.request('admin', `/api/v1/admin/keys/${key_id}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    await new Promise((r) => setTimeout(r, 10));
    const revoked = await engine.runtime.app?.request('/api/v1/jobs', { headers: { 'X-API-Key': key } });
    expect(revoked?.status).toBe(401);
  });

  it('documents every mounted route in OpenAPI 3.1, and serves health and Prometheus metrics', async () => {
    const doc = (await (await engine.request(null, '/api/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    const app = engine.runtime.app;
    const mounted = (app?.routes ?? []).filter((r) => r.method !== 'ALL' && r.path !== '/api/openapi.json');
    expect(mounted.length).toBeGreaterThan(15);
    for (const r of mounted) {
      const path = r.path.replace(/:(\w+)/g, '{$1}');
      expect(doc.paths[path]?.[r.method.toLowerCase()], `${r.method} ${r.path}`).toBeDefined();
    }
    expect((await engine.request(null, '/healthz')).status).toBe(200);
    const ready = (await (await engine.request(null, '/readyz')).json()) as { status: string };
    expect(ready.status).toBe('ready');
    const metrics = await engine.request(null, '/metrics');
    const text = await metrics.text();
    expect(metrics.headers.get('Content-Type')).toContain('text/plain');
    expect(text).toMatch(
      /outlier_http_requests_total\{method="POST",route="\/api\/v2\/process",status="202"\} \d+/,
    );
    expect(text).toMatch(/outlier_jobs\{state="completed"\} [1-9]/);
    expect(text).toMatch(/outlier_lines_processed_total [1-9]/);
    expect(text).toContain('outlier_queue_depth');
  });
});
