import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../cli-helpers.js';

const BIN = join(ROOT, 'engine', 'bin', 'outlier.js');

export { freePort } from '../../engine/src/bench/bench-files.js';

/** An `outlier serve` or `outlier worker` child process. */
export interface EngineProcess {
  child: ChildProcess;
  output: () => string;
  /** kill -9 and wait for it to be gone. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `outlier <command>` with an environment; for `serve`, resolves once it listens. */
export async function startProcess(
  command: 'serve' | 'worker',
  env: Record<string, string>,
): Promise<EngineProcess> {
  const child = spawn(process.execPath, [BIN, command], {
    env: { ...process.env, HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = command === 'serve' ? /Outlier engine on/ : /Outlier worker/;
  const until = Date.now() + 30_000;
  while (!ready.test(out)) {
    if (child.exitCode !== null) throw new Error(`outlier ${command} exited: ${out}`);
    if (Date.now() > until) throw new Error(`outlier ${command} did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    output: () => out,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** GET JSON with a key. */
export async function getJson<T>(base: string, path: string, key: string): Promise<T> {
  const res = await fetch(new URL(path, base), { headers: { 'X-API-Key': key } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Waits until `check` returns a value (not undefined). */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every stored anomaly of a job, all pages. */
export async function allAnomalies(base: string, key: string, jobId: string): Promise<{ id: string }[]> {
  const out: { id: string }[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: { id: string }[]; next_cursor: string | null } = await getJson(
      base,
      `/api/v1/anomalies?job=${jobId}&limit=500${cursor ? `&cursor=${cursor}` : ''}`,
      key,
    );
    out.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

/** Polls a job's status until `done` accepts it. */
export function waitForStatus<T extends { status: string }>(
  base: () => string,
  key: string,
  jobId: string,
  what: string,
  done: (s: T) => boolean = (s) => s.status === 'completed',
): Promise<T> {
  return waitFor(what, async () => {
    const s = await getJson<T>(base(), `/api/v2/status/${jobId}`, key);
    return done(s) ? s : undefined;
  });
}
