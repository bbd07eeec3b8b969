import { createHash } from 'node:crypto';
import { generateLog } from '../../../engine/src/generate/generate-log.js';
import type { BrowserTenant, EngineServer } from './engine-server.js';

/** A job as `/api/v1/jobs/{id}` shows it (the fields the browser tests look at). */
export interface JobView {
  job_id: string;
  status: string;
  source: string;
  anomalies_found: number;
}

/** A small multi-service log with incidents, from the engine's own generator (deterministic per seed). */
export function generatedLog(lines = 4000, seed = 7): Buffer {
  return Buffer.concat([...generateLog({ lines, seed, chunkBytes: 64 * 1024 })]);
}

/** Uploads a log as a multipart form in one request (`POST /api/v2/process`); returns the job's id. */
export async function processLog(
  engine: EngineServer,
  tenant: BrowserTenant,
  filename: string,
  body: Buffer = generatedLog(),
): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(body)]), filename);
  const res = await engine.api(tenant, '/api/v2/process', { method: 'POST', body: form });
  if (res.status !== 202) throw new Error(`process ${filename}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { job_id: string }).job_id;
}

/**
 * Starts a tus upload and sends only its first part: the job stays `uploading` (active, cancellable) until the
 * rest arrives, which it never does. Returns the job's id.
 */
export async function startPartialUpload(
  engine: EngineServer,
  tenant: BrowserTenant,
  filename: string,
): Promise<string> {
  const body = generatedLog(2000, 11);
  const first = body.subarray(0, body.indexOf(10, body.length >> 1) + 1);
  const tus = { 'Tus-Resumable': '1.0.0' };
  const created = await engine.api(tenant, '/api/v1/uploads', {
    method: 'POST',
    headers: {
      ...tus,
      'Upload-Length': String(body.length),
      'Upload-Metadata': `filename ${Buffer.from(filename).toString('base64')}`,
    },
  });
  if (created.status !== 201) throw new Error(`tus create: ${created.status} ${await created.text()}`);
  const { job_id, upload_url } = (await created.json()) as { job_id: string; upload_url: string };
  const patched = await engine.api(tenant, upload_url, {
    method: 'PATCH',
    headers: {
      ...tus,
      'Content-Type': 'application/offset+octet-stream',
      'Upload-Offset': '0',
      'Upload-Checksum': `sha256 ${createHash('sha256').update(first).digest('base64')}`,
    },
    body: first,
  });
  if (patched.status !== 204) throw new Error(`tus patch: ${patched.status} ${await patched.text()}`);
  return job_id;
}

/** A job as the API shows it. */
export async function getJob(engine: EngineServer, tenant: BrowserTenant, id: string): Promise<JobView> {
  const res = await engine.api(tenant, `/api/v1/jobs/${id}`);
  if (!res.ok) throw new Error(`job ${id}: ${res.status} ${await res.text()}`);
  return (await res.json()) as JobView;
}

/** Polls a job until it is in one of `states`. */
export async function waitForJobState(
  engine: EngineServer,
  tenant: BrowserTenant,
  id: string,
  states: string[],
  timeoutMs = 60_000,
): Promise<JobView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(engine, tenant, id);
    if (states.includes(job.status)) return job;
    if (Date.now() > until) throw new Error(`job ${id} is still ${job.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
