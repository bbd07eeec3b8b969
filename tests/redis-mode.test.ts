import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadFile } from '../engine/src/client/tus-client.js';
import { writeSyntheticLog } from '../engine/src/generate/synthetic-log.js';
import { PostgresDb } from '../engine/src/store/sql/postgres-db.js';
import {
  allAnomalies,
  type EngineProcess,
  freePort,
  startProcess,
  waitForStatus,
} from './support/process.js';
import { POSTGRES_URL, uniqueName } from './support/stores.js';

const KEY = 'redis-test-key-0123456789';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
interface Status {
  status: string;
  lines_processed: number;
  bytes_received: number;
  chunks_processed: number;
  anomalies_found: number;
}

const schema = uniqueName('redis_mode');
const prefix = uniqueName('outlier-test');
let dir: string;
let logPath: string;
let lines: number;
let size: number;
const procs: EngineProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outlier-redis-'));
  logPath = join(dir, 'app.log');
  lines = (await writeSyntheticLog(logPath, { bytes: 16e6, seed: 11 })).lines;
  size = statSync(logPath).size;
});
afterAll(async () => {
  for (const p of procs) await p.stop();
  const admin = new PostgresDb({ url: POSTGRES_URL });
  await admin.dropSchema(schema);
  await admin.close();
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  rmSync(dir, { recursive: true, force: true });
});

function ids(items: { id: string }[], jobId: string): string[] {
  return items.map((d) => d.id.slice(jobId.length + 1)).sort();
}

describe('Redis mode: a server and two `outlier worker` processes sharing PostgreSQL and a Redis Streams queue', () => {
  it('finishes a job after kill -9 of a worker (without a restart) and of the server during the upload', async () => {
    const env = {
      OUTLIER_DATA_DIR: join(dir, 'data'),
      TENANT_API_KEYS: JSON.stringify({ t: KEY }),
      DATABASE_URL: POSTGRES_URL,
      OUTLIER_DATABASE_SCHEMA: schema,
      REDIS_URL,
      OUTLIER_QUEUE_PREFIX: prefix,
      OUTLIER_QUEUE_CLAIM_IDLE_MS: '2000',
      OUTLIER_WORKERS: '1',
    };
    let port = await freePort();
    let base = `http://127.0.0.1:${port}`;
    let server = await startProcess('serve', { ...env, OUTLIER_WORKERS: '0', PORT: String(port) });
    procs.push(server);
    const workers = [await startProcess('worker', env), await startProcess('worker', env)];
    procs.push(...workers);

    // Two clean runs: the first trains the source's model (and scores with its own template bursts); the second,
    // like the killed one, reuses it and gives the reference.
    const first = await uploadFile({ baseUrl: base, apiKey: KEY, path: logPath, chunkBytes: 1 << 20 });
    await waitForStatus<Status>(() => base, KEY, first.jobId, 'the first clean job');
    const clean = await uploadFile({ baseUrl: base, apiKey: KEY, path: logPath, chunkBytes: 1 << 20 });
    const cleanDone = await waitForStatus<Status>(() => base, KEY, clean.jobId, 'the clean job');
    expect(cleanDone.lines_processed).toBe(lines);
    const reference = ids(await allAnomalies(base, KEY, clean.jobId), clean.jobId);

    // The server dies during an upload; a new one takes the upload up where the store left it.
    let uploadUrl = '';
    let jobId = '';
    const partial = uploadFile({
      baseUrl: base,
      apiKey: KEY,
      path: logPath,
      chunkBytes: 1 << 20,
      retries: 0,
      onCreated: (url, id) => {
        uploadUrl = url;
        jobId = id;
      },
      onProgress: (sent) => {
        if (sent > size * 0.5) void server.kill9();
      },
    });
    await expect(partial).rejects.toThrow();
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = await startProcess('serve', { ...env, OUTLIER_WORKERS: '0', PORT: String(port) });
    procs.push(server);
    const resumeUrl = uploadUrl.replace(/^http:\/\/[^/]+/, base);
    await uploadFile({
      baseUrl: base,
      apiKey: KEY,
      path: logPath,
      chunkBytes: 1 << 20,
      uploadUrl: resumeUrl,
    });

    // A worker dies while processing; the other one reclaims its task and finishes.
    await waitForStatus<Status>(
      () => base,
      KEY,
      jobId,
      'chunks in work',
      (s) => s.chunks_processed >= 1 && s.status !== 'completed',
    );
    await workers[0].kill9();
    const done = await waitForStatus<Status>(() => base, KEY, jobId, 'the job');
    expect(done.bytes_received).toBe(size);
    expect(done.lines_processed).toBe(lines);
    const after = ids(await allAnomalies(base, KEY, jobId), jobId);
    expect(after.length).toBe(done.anomalies_found);
    expect(after).toEqual(reference);
  });
});
