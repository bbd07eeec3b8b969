import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uploadFile } from '../client/tus-client.js';
import { writeSyntheticLog } from '../generate/synthetic-log.js';
import { CLI, freePort } from './bench-files.js';

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** What a load run measured. */
export interface LoadResult {
  errors: string[];
  tenants: { tenant: string; mbPerSec: number; seconds: number }[];
  fairness: number;
  reads: number;
  p50: number;
  p95: number;
  p99: number;
  seconds: number;
}

/**
 * The load run: `uploads` concurrent tus uploads spread over `tenants` tenants into one `outlier serve`, while
 * `readers` loops read the API (anomalies, jobs, status). Reports errors, each tenant's throughput and the API's
 * latency quantiles.
 */
export async function runLoad({
  tenants = 5,
  uploads = 20,
  bytes = 4 << 20,
  readers = 4,
  cli = CLI,
}: {
  /** The built command line to start the engine with. */
  cli?: string;
  tenants?: number;
  uploads?: number;
  bytes?: number;
  readers?: number;
} = {}): Promise<LoadResult> {
  const dir = await mkdtemp(join(tmpdir(), 'outlier-load-'));
  const files: string[] = [];
  for (let i = 0; i < uploads; i++) {
    const path = join(dir, `u${i}.log`);
    await writeSyntheticLog(path, { bytes, seed: 100 + i });
    files.push(path);
  }
  const keys: Record<string, string> = {};
  for (let t = 0; t < tenants; t++) keys[`tenant${t}`] = `load-key-${t}-0123456789abcdef`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [cli, 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      OUTLIER_DATA_DIR: join(dir, 'data'),
      TENANT_API_KEYS: JSON.stringify(keys),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const errors: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        if (d.toString().includes('Outlier engine on')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the engine exited with ${code}`)));
    });
    const t0 = performance.now();
    const latencies: number[] = [];
    let running = true;
    const tenantNames = Object.keys(keys);
    const jobIds: string[] = [];
    const readLoop = async (r: number) => {
      let i = 0;
      while (running) {
        const tenant = tenantNames[(r + i) % tenantNames.length];
        const paths = ['/api/v1/anomalies?limit=50', '/api/v1/jobs?limit=20', '/latest-anomalies?limit=20'];
        const job = jobIds[i % Math.max(1, jobIds.length)];
        if (job) paths.push(`/api/v2/status/${job}`);
        const path = paths[i % paths.length];
        const started = performance.now();
        try {
          const res = await fetch(base + path, { headers: { 'X-API-Key': keys[tenant] } });
          await res.arrayBuffer();
          // Another tenant's job id is a 404 by design; anything else not 200 is an error.
          if (res.status !== 200 && !(res.status === 404 && path.startsWith('/api/v2/status/')))
            errors.push(`GET ${path}: ${res.status}`);
        } catch (err) {
          errors.push(`GET ${path}: ${err instanceof Error ? err.message : String(err)}`);
        }
        latencies.push(performance.now() - started);
        i++;
      }
    };
    const readersDone = Promise.all(Array.from({ length: readers }, (_, r) => readLoop(r)));
    const perTenant = new Map<string, { bytes: number; end: number }>();
    await Promise.all(
      files.map(async (path, i) => {
        const tenant = tenantNames[i % tenantNames.length];
        try {
          const { jobId } = await uploadFile({
            baseUrl: base,
            apiKey: keys[tenant],
            path,
            chunkBytes: 1 << 20,
          });
          jobIds.push(jobId);
          for (;;) {
            const res = await fetch(`${base}/api/v2/status/${jobId}`, {
              headers: { 'X-API-Key': keys[tenant] },
            });
            const s = (await res.json()) as { status: string; error_message: string | null };
            if (s.status === 'completed') break;
            if (s.status === 'failed' || s.status === 'cancelled')
              throw new Error(`job ${s.status}: ${s.error_message}`);
            await new Promise((r) => setTimeout(r, 100));
          }
          const size = (await stat(path)).size;
          const prev = perTenant.get(tenant) ?? { bytes: 0, end: 0 };
          perTenant.set(tenant, { bytes: prev.bytes + size, end: Math.max(prev.end, performance.now()) });
        } catch (err) {
          errors.push(`upload ${i} (${tenant}): ${err instanceof Error ? err.message : String(err)}`);
        }
      }),
    );
    running = false;
    await readersDone;
    const seconds = (performance.now() - t0) / 1000;
    const rows = [...perTenant].map(([tenant, v]) => {
      const s = (v.end - t0) / 1000;
      return { tenant, seconds: s, mbPerSec: v.bytes / 1e6 / s };
    });
    const rates = rows.map((r) => r.mbPerSec);
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      errors,
      tenants: rows,
      fairness: rates.length > 0 ? Math.min(...rates) / Math.max(...rates) : 0,
      reads: latencies.length,
      p50: quantile(sorted, 0.5),
      p95: quantile(sorted, 0.95),
      p99: quantile(sorted, 0.99),
      seconds,
    };
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await rm(dir, { recursive: true, force: true });
  }
}
