import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { getJson } from './process.js';
import {
  type StackProcess,
  startPrometheus,
  startTestExporter,
  type TestExporter,
} from './prometheus-stack.js';
import { loopbackPrometheusConfig, repoPath } from './stack-files.js';

/** The metric the live series is exported as, and its labels on the exporter. */
export const SERIES_METRIC = 'shop_latency_seconds';
export const SERIES_LABELS = { service: 'checkout' };

/** A test exporter serving one noisy gauge, scraped every second by a real Prometheus that holds its history. */
export interface LiveSeries {
  exporter: TestExporter;
  prometheus: StackProcess;
  /** The PromQL selector of the series (as scraped: with its `job` and `instance`). */
  query: string;
  /** Moves the gauge's level (the noise stays). */
  setLevel(level: number): void;
  /** Resolves once Prometheus has scraped a value at or above `min`. */
  waitForLevel(min: number): Promise<void>;
  stop(): Promise<void>;
}

/** Options of {@link startLiveSeries}. */
export interface LiveSeriesOptions {
  /** Minutes of history (one point a second) written as blocks before Prometheus starts. @defaultValue 15 */
  historyMinutes?: number;
  /** Scrape the engine and alert through this Alertmanager, with the repository's prometheus.yml and rules. */
  stack?: { engineTarget: string; alertmanagerTarget: string; files: Record<string, string>; args: string[] };
  env?: Record<string, string>;
}

/** A deterministic noise source: uniform in [-0.5, 0.5). */
function noise(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 16_807) % 2_147_483_647;
    return s / 2_147_483_647 - 0.5;
  };
}

/**
 * Starts a {@link TestExporter} whose gauge moves around 0.2 s every 250 ms, and a real Prometheus scraping it
 * every second (`job="shop"`) on top of `historyMinutes` of the same series written as blocks, so a model has
 * history to warm start on. With `stack`, the repository's prometheus.yml (engine job, rules, Alertmanager) is
 * used with the shop job added.
 */
export async function startLiveSeries(options: LiveSeriesOptions = {}): Promise<LiveSeries> {
  const exporter = await startTestExporter();
  const next = noise(42);
  let level = 0.2;
  const tick = () => exporter.set(SERIES_METRIC, SERIES_LABELS, level + 0.02 * next());
  tick();
  const timer = setInterval(tick, 250);
  const labels = { instance: exporter.target, job: 'shop', ...SERIES_LABELS };
  const labelText = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  const nowS = Math.floor(Date.now() / 1000);
  const history = [`# TYPE ${SERIES_METRIC} gauge`];
  for (let t = nowS - 60 * (options.historyMinutes ?? 15); t < nowS; t++)
    history.push(`${SERIES_METRIC}{${labelText}} ${(0.2 + 0.02 * next()).toFixed(5)} ${t}`);
  history.push('# EOF', '');

  const base = options.stack
    ? (parse(
        loopbackPrometheusConfig(readRepo('prometheus/prometheus.yml'), {
          engineTarget: options.stack.engineTarget,
          alertmanagerTarget: options.stack.alertmanagerTarget,
        }),
      ) as { scrape_configs: unknown[] })
    : {
        global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
        scrape_configs: [] as unknown[],
      };
  base.scrape_configs.push({ job_name: 'shop', static_configs: [{ targets: [exporter.target] }] });
  let prometheus: StackProcess;
  try {
    prometheus = await startPrometheus({
      configYaml: stringify(base),
      history: history.join('\n'),
      files: options.stack?.files,
      args: options.stack?.args,
      env: options.env,
    });
  } catch (err) {
    clearInterval(timer);
    await exporter.stop();
    throw err;
  }
  // Prometheus applies its scrape configuration a few seconds after it starts: wait for the first live sample.
  const until = Date.now() + 30_000;
  while (!(await hasSample(prometheus.url, 'up{job="shop"} == 1'))) {
    if (Date.now() > until) {
      clearInterval(timer);
      await prometheus.stop();
      await exporter.stop();
      throw new Error(`Prometheus never scraped the test exporter:\n${prometheus.output().slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    exporter,
    prometheus,
    query: `${SERIES_METRIC}{job="shop"}`,
    async waitForLevel(min: number) {
      const end = Date.now() + 15_000;
      while (!(await hasSample(prometheus.url, `${SERIES_METRIC}{job="shop"} >= ${min}`))) {
        if (Date.now() > end) throw new Error(`Prometheus never scraped a value ≥ ${min}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    setLevel(v) {
      level = v;
      tick();
    },
    async stop() {
      clearInterval(timer);
      await prometheus.stop();
      await exporter.stop();
    },
  };
}

/** Whether an instant query has a result now. */
async function hasSample(prometheus: string, query: string): Promise<boolean> {
  const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(query)}`).catch(() => null);
  if (!res?.ok) return false;
  const body = (await res.json()) as { data?: { result?: unknown[] } };
  return (body.data?.result?.length ?? 0) > 0;
}

function readRepo(path: string): string {
  return readFileSync(repoPath(path), 'utf8');
}

/** A source definition file for the engine, in a temporary directory. */
export function writeSourcesFile(sources: Record<string, unknown>[]): { file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'outlier-sources-'));
  const file = join(dir, 'sources.yaml');
  writeFileSync(file, stringify({ sources }));
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One run as `/api/v1/sources/{id}/runs` lists it. */
export interface ApiRun {
  id: string;
  reason: string;
  status: string;
  range_from: string | null;
  range_to: string | null;
  started_at: string;
  items: number;
  series: number;
  detections: number;
  pushed: boolean;
  error: { code: string; message: string } | null;
  detail: string | null;
}

/** A source's runs, oldest first. */
export async function sourceRuns(base: string, key: string, id: string): Promise<ApiRun[]> {
  const { items } = await getJson<{ items: ApiRun[] }>(base, `/api/v1/sources/${id}/runs?limit=500`, key);
  return items.reverse();
}
