import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, loadConfig } from '../../engine/src/config.js';
import { type Runtime, startRuntime } from '../../engine/src/service/runtime.js';

/** The built scoring thread (vitest runs the TypeScript sources; threads need JavaScript). */
export const SCORING_THREAD = new URL('../../engine/dist/jobs/scoring-thread.js', import.meta.url);

/** An engine running in this process on a temporary data directory. */
export interface EngineFixture {
  runtime: Runtime;
  dataDir: string;
  /** Tenant → API key. */
  keys: Record<string, string>;
  /** `app.request` with a tenant's key. */
  request(tenant: string | null, path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** Starts an embedded engine with tenants `acme` and `globex`. */
export async function startEngine(env: Record<string, string> = {}): Promise<EngineFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), 'outlier-engine-'));
  const keys = { acme: 'acme-key-0123456789abcdef', globex: 'globex-key-0123456789abcdef' };
  const config: Config = loadConfig({
    OUTLIER_DATA_DIR: dataDir,
    TENANT_API_KEYS: JSON.stringify(keys),
    OUTLIER_ADMIN_KEY: 'admin-key-0123456789abcdef',
    ...env,
  });
  const runtime = await startRuntime({
    config,
    role: 'server',
    log: () => {},
    scoringThreadUrl: SCORING_THREAD,
  });
  const app = runtime.app;
  if (!app) throw new Error('no app');
  return {
    runtime,
    dataDir,
    keys,
    request(tenant, path, init = {}) {
      const headers = new Headers(init.headers);
      if (tenant)
        headers.set(
          'X-API-Key',
          tenant === 'admin' ? 'admin-key-0123456789abcdef' : keys[tenant as keyof typeof keys],
        );
      return Promise.resolve(app.request(path, { ...init, headers }));
    },
    async close() {
      await runtime.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Base64 SHA-256, as tus's Upload-Checksum wants it. */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('base64');
}

/** tus metadata header from plain values. */
export function tusMetadata(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');
}

/** Polls a job until it reaches a final state. */
export async function waitForJob(
  engine: EngineFixture,
  tenant: string,
  jobId: string,
  timeoutMs = 60_000,
): Promise<Record<string, unknown>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await engine.request(tenant, `/api/v2/status/${jobId}`);
    const body = (await res.json()) as Record<string, unknown>;
    if (['completed', 'failed', 'cancelled'].includes(String(body.status))) return body;
    if (Date.now() > until)
      throw new Error(`job ${jobId} still ${String(body.status)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A small JSON-lines log with an error burst and a fatal line. */
export function sampleLog(lines = 3000): string {
  const out: string[] = [];
  const start = Date.UTC(2026, 0, 1);
  for (let i = 0; i < lines; i++) {
    const ts = new Date(start + i * 1000).toISOString();
    const service = i % 3 === 0 ? 'db' : 'api';
    if (i === Math.floor(lines / 2))
      out.push(
        JSON.stringify({
          time: ts,
          level: 'fatal',
          service,
          message: 'panic: segmentation fault in allocator',
        }),
      );
    else if (i > lines * 0.8 && i < lines * 0.8 + 40)
      out.push(
        JSON.stringify({
          time: ts,
          level: 'error',
          service: 'api',
          message: `upstream timeout after ${3000 + i} ms to payments`,
        }),
      );
    else
      out.push(
        JSON.stringify({
          time: ts,
          level: 'info',
          service,
          message: `GET /orders/${i % 50} 200 in ${10 + (i % 7)} ms`,
          trace_id: `t${i % 200}`,
        }),
      );
  }
  return `${out.join('\n')}\n`;
}
