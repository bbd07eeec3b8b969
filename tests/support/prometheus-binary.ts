import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../engine/src/bench/bench-files.js';

const run = promisify(execFile);

/** The absolute path of an executable on PATH, or null. */
export function findBinary(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {}
  }
  return null;
}

/** Why the Prometheus tests cannot run here, or null when `prometheus` and `promtool` are both installed. */
export function prometheusMissing(): string | null {
  const missing = ['prometheus', 'promtool'].filter((b) => findBinary(b) === null);
  return missing.length > 0 ? `${missing.join(' and ')} not found on PATH` : null;
}

/**
 * Writes OpenMetrics text (ending in `# EOF`) as TSDB blocks into a Prometheus data directory with
 * `promtool tsdb create-blocks-from openmetrics`, through a file in `dir`. Prometheus must not be running on it.
 */
export async function writeHistoryBlocks(openMetrics: string, dir: string, data: string): Promise<void> {
  const file = join(dir, 'history.om');
  writeFileSync(file, openMetrics);
  await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', file, data], {
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** Options of {@link startPrometheus}. */
export interface StartPrometheusOptions {
  /** OpenMetrics text (ending in `# EOF`) turned into TSDB blocks with promtool before start. */
  openMetrics?: string;
  /** Extra command-line flags. */
  args?: string[];
}

/** A `prometheus` child process on a loopback port with a temporary data directory. */
export interface PrometheusProcess {
  /** e.g. `http://127.0.0.1:40123`. */
  url: string;
  dir: string;
  /** What the process printed so far. */
  output(): string;
  /** SIGTERM, wait for the exit, remove the directory. */
  stop(): Promise<void>;
}

/**
 * Starts the real Prometheus with an empty configuration (no scrapes), a long retention and, when given, history
 * written as blocks by `promtool tsdb create-blocks-from openmetrics`; resolves once `/-/ready` answers 200.
 */
export async function startPrometheus(options: StartPrometheusOptions = {}): Promise<PrometheusProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'outlier-prometheus-'));
  const data = join(dir, 'data');
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 15s\n  evaluation_interval: 15s\n');
  if (options.openMetrics !== undefined) await writeHistoryBlocks(options.openMetrics, dir, data);
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${data}`,
      '--storage.tsdb.retention.time=3650d',
      `--web.listen-address=127.0.0.1:${port}`,
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const until = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (child.exitCode !== null || Date.now() > until) {
      await stop();
      throw new Error(`prometheus did not become ready on ${url}: ${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, dir, output: () => out, stop };
}
