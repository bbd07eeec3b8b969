import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../../engine/src/bench/bench-files.js';
import { findBinary, writeHistoryBlocks } from './prometheus-binary.js';

/** The Alertmanager executable: Debian names it `prometheus-alertmanager`, upstream `alertmanager`. */
export function alertmanagerBinary(): string | null {
  return findBinary('prometheus-alertmanager') ?? findBinary('alertmanager');
}

/** Why the loopback stack cannot run here, or null when Prometheus and Alertmanager are both installed. */
export function stackBinariesMissing(): string | null {
  const missing = [
    findBinary('prometheus') ? null : 'prometheus',
    alertmanagerBinary() ? null : 'prometheus-alertmanager (or alertmanager)',
  ].filter((m) => m !== null);
  return missing.length > 0 ? `${missing.join(' and ')} not found on PATH` : null;
}

/** A spawned Prometheus or Alertmanager on a loopback port, in its own temporary directory. */
export interface StackProcess {
  /** e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** `127.0.0.1:40123`, as a scrape or alerting target. */
  target: string;
  /** The temporary directory holding the configuration, the files and the data. */
  dir: string;
  /** What the process printed so far. */
  output(): string;
  /** SIGTERM (SIGKILL after 5 s), wait for the exit, remove the directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startPrometheus} and {@link startAlertmanager}. */
export interface StackProcessOptions {
  /** The configuration file's text. */
  configYaml: string;
  /**
   * Further files by path relative to the configuration (rule files, templates, secrets). The process runs in
   * the same directory, so relative paths in the configuration find them.
   */
  files?: Record<string, string>;
  /** Extra command-line flags. */
  args?: string[];
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Prometheus only: OpenMetrics history (ending in `# EOF`) written as TSDB blocks before the start. */
  history?: string;
  /** How long to wait for `/-/ready`. @defaultValue 30000 */
  readyTimeoutMs?: number;
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
}

type ArgsFor = (port: number, dir: string, config: string) => string[];

/** One start on one port: the process once ready, or why not (and whether it died, e.g. on a taken port). */
async function launch(
  command: string,
  args: string[],
  options: StackProcessOptions,
  dir: string,
  port: number,
  name: string,
): Promise<StackProcess | { error: string; died: boolean }> {
  const child: ChildProcess = spawn(command, [...args, ...(options.args ?? [])], {
    cwd: dir,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Never outlive the test process, even when it ends without running afterAll.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let out = '';
  const collect = (d: Buffer) => {
    out = (out + String(d)).slice(-64_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (err) => {
      out += String(err);
      resolve();
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  const kill = async () => {
    if (running()) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    process.removeListener('exit', killOnExit);
  };
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (!running() || Date.now() > until) {
      const died = !running();
      await kill();
      return { error: `${name} did not become ready on ${url}:\n${out.slice(-3000)}`, died };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  let stopped: Promise<void> | null = null;
  const stop = () => {
    stopped ??= kill().then(() => rmSync(dir, { recursive: true, force: true }));
    return stopped;
  };
  return { url, target: `127.0.0.1:${port}`, dir, output: () => out, stop };
}

async function spawnReady(
  command: string,
  args: ArgsFor,
  options: StackProcessOptions,
  name: string,
): Promise<StackProcess> {
  const dir = mkdtempSync(join(tmpdir(), `outlier-${name}-`));
  const config = join(dir, 'config.yml');
  writeFileSync(config, options.configYaml);
  writeFiles(dir, options.files ?? {});
  for (let attempt = 1; ; attempt++) {
    if (options.history !== undefined) await writeHistoryBlocks(options.history, dir, join(dir, 'data'));
    const port = await freePort();
    const started = await launch(command, args(port, dir, config), options, dir, port, name);
    if (!('error' in started)) return started;
    // A process that died may have lost its port to another test between freePort() and bind: try another.
    if (!started.died || attempt === 3) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(started.error);
    }
    rmSync(join(dir, 'data'), { recursive: true, force: true });
  }
}

/**
 * Starts the real `prometheus` with a configuration (relative paths in it resolve against its temporary
 * directory, where `files` are written) and resolves once `/-/ready` answers 200.
 * @example
 * const prom = await startPrometheus({ configYaml, files: { 'rules/outlier.rules.yml': rules } });
 * try { … } finally { await prom.stop(); }
 */
export function startPrometheus(options: StackProcessOptions): Promise<StackProcess> {
  return spawnReady(
    'prometheus',
    (port, dir, config) => [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    options,
    'prometheus',
  );
}

/**
 * Starts the real Alertmanager (no cluster port) with a configuration and resolves once `/-/ready` answers 200.
 * Its API is at `${url}/api/v2`.
 */
export function startAlertmanager(options: StackProcessOptions): Promise<StackProcess> {
  const binary = alertmanagerBinary();
  if (!binary) return Promise.reject(new Error('Alertmanager is not installed'));
  return spawnReady(
    binary,
    (port, dir, config) => [
      `--config.file=${config}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    options,
    'alertmanager',
  );
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** One Slack attachment as Alertmanager's `slack_configs` posts it. */
export interface SlackAttachment {
  title?: string;
  title_link?: string;
  text?: string;
  fallback?: string;
  color?: string;
}

/** A message Alertmanager posted to the Slack stand-in. */
export interface SlackMessage {
  channel?: string;
  username?: string;
  attachments?: SlackAttachment[];
  /** When it arrived (epoch ms). */
  receivedAt: number;
}

/** A loopback stand-in for Slack's incoming webhook: collects every JSON POST. */
export interface SlackReceiver {
  /** The webhook URL to give Alertmanager. */
  url: string;
  /** Messages received so far, oldest first. */
  readonly messages: readonly SlackMessage[];
  /** Resolves with the first message (received already or later) that satisfies `predicate`. */
  waitFor(predicate: (m: SlackMessage) => boolean, timeoutMs: number): Promise<SlackMessage>;
  stop(): Promise<void>;
}

/** Starts a {@link SlackReceiver} on a free loopback port. */
export async function startSlackReceiver(): Promise<SlackReceiver> {
  const messages: SlackMessage[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    readBody(req).then(
      (body) => {
        try {
          const parsed: unknown = JSON.parse(body);
          if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
          messages.push({ ...(parsed as Omit<SlackMessage, 'receivedAt'>), receivedAt: Date.now() });
        } catch {
          res.writeHead(400).end('invalid_payload');
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        for (const wake of waiters) wake();
      },
      () => res.writeHead(500).end(),
    );
  });
  const base = await listen(server);
  return {
    url: `${base}/services/T000/B000/loopback`,
    messages,
    waitFor(predicate, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = messages.find(predicate);
          if (!hit) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`no matching Slack message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop: () => close(server),
  };
}

/** A loopback `/metrics` endpoint serving values a test sets, in the Prometheus text format. */
export interface TestExporter {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** `127.0.0.1:PORT`, as a scrape target. */
  target: string;
  /** Sets one sample; names ending in `_total` are typed as counters, others as gauges. */
  set(name: string, labels: Record<string, string>, value: number): void;
  /** Removes one sample. */
  remove(name: string, labels: Record<string, string>): void;
  /** When false, `/metrics` answers 503 (a failing scrape: `up` is 0). */
  setHealthy(healthy: boolean): void;
  /** Scrapes served so far. */
  scrapes(): number;
  stop(): Promise<void>;
}

function labelText(labels: Record<string, string>): string {
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? '' : `{${keys.map((k) => `${k}="${esc(labels[k])}"`).join(',')}}`;
}

/** Starts a {@link TestExporter} on a free loopback port. */
export async function startTestExporter(): Promise<TestExporter> {
  const metrics = new Map<string, Map<string, number>>();
  let healthy = true;
  let scrapes = 0;
  const server = createServer((req, res) => {
    if (req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    scrapes++;
    if (!healthy) {
      res.writeHead(503).end('unavailable');
      return;
    }
    const lines: string[] = [];
    for (const [name, samples] of [...metrics].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`# TYPE ${name} ${name.endsWith('_total') ? 'counter' : 'gauge'}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
  });
  const url = await listen(server);
  return {
    url,
    target: url.replace('http://', ''),
    set(name, labels, value) {
      let samples = metrics.get(name);
      if (!samples) {
        samples = new Map();
        metrics.set(name, samples);
      }
      samples.set(labelText(labels), value);
    },
    remove(name, labels) {
      metrics.get(name)?.delete(labelText(labels));
    },
    setHealthy(h) {
      healthy = h;
    },
    scrapes: () => scrapes,
    stop: () => close(server),
  };
}
