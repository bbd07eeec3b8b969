import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type LiveSeries, sourceRuns, startLiveSeries, writeSourcesFile } from './support/live-series.js';
import { type EngineProcess, freePort, getJson, startProcess, waitFor } from './support/process.js';
import {
  type SlackReceiver,
  type StackProcess,
  stackBinariesMissing,
  startAlertmanager,
  startSlackReceiver,
} from './support/prometheus-stack.js';
import {
  composePrometheusFeatureFlags,
  fastAlertmanagerConfig,
  fastRules,
  repoPath,
} from './support/stack-files.js';

// The whole loop on real binaries: a test exporter's series (with 15 minutes of history) is scraped by
// Prometheus; the engine pulls it from Prometheus every second, scores it and exports the score; Prometheus
// scrapes the engine and evaluates the repository's rules (`for:` divided by 30); Alertmanager routes the alert
// with the repository's config and templates to a loopback Slack.
const FOR_DIVISOR = 30;
const GRAFANA_URL = 'http://grafana.example.test:3000';
const KEY = 'acme-key-0123456789abcdef';
const SOURCE = 'checkout-latency';
const missing = stackBinariesMissing();
const read = (path: string) => readFileSync(repoPath(path), 'utf8');

interface PromVector {
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

describe.skipIf(missing !== null)('stack end to end: exporter → Prometheus → engine → rule → Slack', () => {
  const started = Date.now();
  let live: LiveSeries | null = null;
  let slack: SlackReceiver | null = null;
  let alertmanager: StackProcess | null = null;
  let engine: EngineProcess | null = null;
  let sources: { remove(): void } | null = null;
  const dataDir = mkdtempSync(join(tmpdir(), 'outlier-e2e-'));

  afterAll(async () => {
    await engine?.stop();
    await live?.stop();
    await alertmanager?.stop();
    await slack?.stop();
    sources?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fires the critical alert and delivers it to Slack with the explorer link, in under 2 minutes', async () => {
    slack = await startSlackReceiver();
    alertmanager = await startAlertmanager({
      configYaml: fastAlertmanagerConfig(read('alertmanager/alertmanager.yml'), {
        slackApiUrlFile: 'secrets/slack-webhook-url',
      }),
      files: {
        'templates/outlier.tmpl': read('alertmanager/templates/outlier.tmpl'),
        'secrets/slack-webhook-url': `${slack.url}\n`,
      },
    });
    const port = await freePort();
    live = await startLiveSeries({
      stack: {
        engineTarget: `127.0.0.1:${port}`,
        alertmanagerTarget: alertmanager.target,
        files: {
          'rules/outlier.rules.yml': fastRules(read('prometheus/rules/outlier.rules.yml'), {
            forDivisor: FOR_DIVISOR,
          }),
        },
        args: composePrometheusFeatureFlags(),
      },
      env: { GRAFANA_URL },
    });
    const prom = live.prometheus.url;
    const sourcesFile = writeSourcesFile([
      {
        id: SOURCE,
        tenant: 'acme',
        kind: 'prometheus',
        url: prom,
        queries: [live.query],
        step: '1s',
        schedule: '* * * * * *',
        lookback: '15m',
        delay: '1s',
        max_range: '1m',
      },
    ]);
    sources = sourcesFile;
    engine = await startProcess('serve', {
      PORT: String(port),
      OUTLIER_DATA_DIR: dataDir,
      TENANT_API_KEYS: JSON.stringify({ acme: KEY }),
      OUTLIER_SOURCES_FILE: sourcesFile.file,
    });
    const base = `http://127.0.0.1:${port}`;
    const query = async (q: string) =>
      (await getJson<PromVector>(prom, `/api/v1/query?query=${encodeURIComponent(q)}`, '')).data.result;

    // The engine warm-starts on the history and Prometheus scrapes a normal score from it.
    const normal = await waitFor(
      'a normal score in Prometheus',
      async () => {
        const r = await query(`outlier_anomaly_score{tenant="acme",source="${SOURCE}"}`);
        return r.length === 1 && Number(r[0].value[1]) < 0.5 ? r[0] : undefined;
      },
      45_000,
    );
    expect(normal.metric.series).toContain('checkout');
    const warm = (await sourceRuns(base, KEY, SOURCE))[0];
    expect(warm).toMatchObject({ status: 'succeeded', series: 1 });
    expect(warm.items).toBeGreaterThan(800);

    // The series jumps tenfold.
    const jumpedAt = Date.now();
    live.setLevel(2);
    const message = await slack.waitFor(
      (m) => (m.attachments ?? []).some((a) => `${a.title}${a.text}`.includes(SOURCE)),
      60_000,
    );
    const text = (message.attachments ?? []).map((a) => `${a.title}\n${a.title_link}\n${a.text}`).join('\n');
    expect(text).toContain('acme');
    expect(text).toMatch(/critical/i);
    expect(text).toContain(`${GRAFANA_URL}/a/outlier-anomaly-app/explorer?tenant=acme&source=${SOURCE}`);
    const alertDelay = Date.now() - jumpedAt;

    // The engine stored one detection for the incident, with the jump as observed and the normal level expected.
    const anomalies = await getJson<{ items: Record<string, unknown>[] }>(
      base,
      `/api/v1/anomalies?source=${SOURCE}&limit=50`,
      KEY,
    );
    expect(anomalies.items.length).toBeGreaterThanOrEqual(1);
    const first = anomalies.items.at(-1) as {
      kind: string;
      observed: number;
      expected: number;
      score: number;
    };
    expect(first.kind).toBe('point');
    expect(first.observed).toBeGreaterThan(1.5);
    expect(first.expected).toBeLessThan(0.5);

    // Runs cover the series without gap or overlap: each scored run starts one step after the previous ended.
    const runs = (await sourceRuns(base, KEY, SOURCE)).filter(
      (r) => r.status === 'succeeded' && r.range_from !== null,
    );
    for (let i = 1; i < runs.length; i++)
      expect(Number(runs[i].range_from)).toBe(Number(runs[i - 1].range_to) + 1000);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(
      /outlier_detections_total\{tenant="acme",source="checkout-latency",severity="\w+"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /outlier_source_last_success_timestamp_seconds\{tenant="acme",source="checkout-latency"\}/,
    );
    const total = Date.now() - started;
    console.log(`stack e2e: alert in Slack ${alertDelay} ms after the jump; whole test ${total} ms`);
    expect(total).toBeLessThan(120_000);
  }, 150_000);
});
