import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadFile } from '../engine/src/client/tus-client.js';
import { writeSyntheticLog } from '../engine/src/generate/synthetic-log.js';
import {
  allAnomalies,
  type EngineProcess,
  freePort,
  startProcess,
  waitForStatus,
} from './support/process.js';

const KEY = 'crash-test-key-0123456789';
interface Status {
  status: string;
  lines_processed: number;
  bytes_received: number;
  chunks_processed: number;
  anomalies_found: number;
}

let dir: string;
let logPath: string;
let lines: number;
let size: number;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outlier-crash-'));
  logPath = join(dir, 'app.log');
  lines = (await writeSyntheticLog(logPath, { bytes: 24e6, seed: 7 })).lines;
  size = statSync(logPath).size;
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Anomaly ids without their job prefix: the same lines flagged give the same set. */
function ids(items: { id: string }[], jobId: string): string[] {
  return items.map((d) => d.id.slice(jobId.length + 1)).sort();
}

describe('kill -9 of the embedded engine', () => {
  let proc: EngineProcess | null = null;
  let base = '';
  const env = () => ({ OUTLIER_DATA_DIR: join(dir, 'data'), TENANT_API_KEYS: JSON.stringify({ t: KEY }) });
  const start = async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    proc = await startProcess('serve', { ...env(), PORT: String(port) });
  };
  afterAll(async () => {
    await proc?.stop();
  });

  it('loses no accepted byte and duplicates no detection, killed during upload and during processing', async () => {
    await start();
    // Clean runs first: one trains the tenant's model (and scores with its own template bursts), the next reuses the
    // model as the later runs do and gives the reference set of detections.
    const first = await uploadFile({ baseUrl: base, apiKey: KEY, path: logPath, chunkBytes: 1 << 20 });
    await waitForStatus<Status>(() => base, KEY, first.jobId, 'the first clean job');
    const clean = await uploadFile({ baseUrl: base, apiKey: KEY, path: logPath, chunkBytes: 1 << 20 });
    const cleanDone = await waitForStatus<Status>(() => base, KEY, clean.jobId, 'the clean job');
    expect(cleanDone.lines_processed).toBe(lines);
    const reference = ids(await allAnomalies(base, KEY, clean.jobId), clean.jobId);
    expect(reference.length).toBe(cleanDone.anomalies_found);

    // 1. Killed during the upload: resume from the server's offset after the restart.
    const controller = new AbortController();
    let uploadUrl = '';
    let jobId = '';
    const partial = uploadFile({
      baseUrl: base,
      apiKey: KEY,
      path: logPath,
      chunkBytes: 1 << 20,
      retries: 0,
      signal: controller.signal,
      onCreated: (url, id) => {
        uploadUrl = url;
        jobId = id;
      },
      onProgress: (sent) => {
        if (sent > size * 0.4 && proc) void proc.kill9();
      },
    });
    await expect(partial).rejects.toThrow();
    await start();
    const offset = Number(
      (
        await fetch(uploadUrl.replace(/^http:\/\/[^/]+/, base), {
          method: 'HEAD',
          headers: { 'Tus-Resumable': '1.0.0', 'X-API-Key': KEY },
        })
      ).headers.get('Upload-Offset'),
    );
    expect(offset).toBeGreaterThan(size * 0.3);
    expect(offset).toBeLessThan(size);
    await uploadFile({
      baseUrl: base,
      apiKey: KEY,
      path: logPath,
      chunkBytes: 1 << 20,
      uploadUrl: uploadUrl.replace(/^http:\/\/[^/]+/, base),
    });

    // 2. Killed while processing.
    await waitForStatus<Status>(
      () => base,
      KEY,
      jobId,
      'some chunks processed',
      (s) => s.chunks_processed >= 2 && s.status !== 'completed',
    );
    await proc?.kill9();
    await start();
    const done = await waitForStatus<Status>(() => base, KEY, jobId, 'the resumed job');
    expect(done.bytes_received).toBe(size);
    expect(done.lines_processed).toBe(lines);
    const after = ids(await allAnomalies(base, KEY, jobId), jobId);
    expect(after.length).toBe(done.anomalies_found);
    expect(after).toEqual(reference);
  });
});
