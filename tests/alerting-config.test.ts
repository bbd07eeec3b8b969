import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SlackMessage,
  type SlackReceiver,
  type StackProcess,
  stackBinariesMissing,
  startAlertmanager,
  startPrometheus,
  startSlackReceiver,
  startTestExporter,
  type TestExporter,
} from './support/prometheus-stack.js';
import {
  composePrometheusFeatureFlags,
  fastAlertmanagerConfig,
  fastRules,
  loopbackPrometheusConfig,
  repoPath,
} from './support/stack-files.js';

// The repository's rules, prometheus.yml and alertmanager.yml on the real binaries, with a stand-in engine and
// a stand-in Slack. `for:` is divided by 30 (critical 1m → 2s, warning 2m → 4s), so the order of events is the
// production one, only faster.
const FOR_DIVISOR = 30;
const GRAFANA_URL = 'http://grafana.example.test:3000';
const WAIT_MS = 30_000;

const missing = stackBinariesMissing();
const read = (path: string) => readFileSync(repoPath(path), 'utf8');

const X = { tenant: 'acme', source: 'checkout', series: 'x' };
const Y = { tenant: 'acme', source: 'payments', series: 'y' };

/** Everything a person reads in a message. */
function slackText(m: SlackMessage): string {
  const parts = [m.channel ?? ''];
  for (const a of m.attachments ?? []) parts.push(a.title ?? '', a.title_link ?? '', a.text ?? '');
  return parts.join('\n');
}

function title(m: SlackMessage): string {
  return m.attachments?.[0]?.title ?? '';
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return (await res.json()) as T;
}

interface AmAlert {
  labels: Record<string, string>;
  status: { state: string; inhibitedBy: string[] };
}

const suite = missing
  ? `alerting (skipped: needs the Prometheus and Alertmanager binaries; ${missing})`
  : 'alerting: repository rules → Prometheus → Alertmanager → Slack';

describe.skipIf(missing !== null)(suite, () => {
  let exporter: TestExporter | null = null;
  let slack: SlackReceiver | null = null;
  let alertmanager: StackProcess | null = null;
  let prometheus: StackProcess | null = null;

  beforeAll(async () => {
    exporter = await startTestExporter();
    slack = await startSlackReceiver();
    exporter.set('outlier_anomaly_score', X, 0.2);
    exporter.set('outlier_anomaly_score', Y, 0.2);
    exporter.set('outlier_expected_value', X, 120);
    exporter.set('outlier_expected_lower', X, 90);
    exporter.set('outlier_expected_upper', X, 150);
    for (const s of [X, Y]) {
      const source = { tenant: s.tenant, source: s.source };
      exporter.set('outlier_source_last_success_timestamp_seconds', source, Date.now() / 1000);
      exporter.set('outlier_source_lag_seconds', source, 45);
      exporter.set('outlier_source_errors_total', source, 0);
    }

    // Relative paths resolve in the process's temporary directory, where `files` are written.
    alertmanager = await startAlertmanager({
      configYaml: fastAlertmanagerConfig(read('alertmanager/alertmanager.yml'), {
        slackApiUrlFile: 'secrets/slack-webhook-url',
      }),
      files: {
        'templates/outlier.tmpl': read('alertmanager/templates/outlier.tmpl'),
        'secrets/slack-webhook-url': `${slack.url}\n`,
      },
    });
    prometheus = await startPrometheus({
      configYaml: loopbackPrometheusConfig(read('prometheus/prometheus.yml'), {
        engineTarget: exporter.target,
        alertmanagerTarget: alertmanager.target,
      }),
      files: {
        'rules/outlier.rules.yml': fastRules(read('prometheus/rules/outlier.rules.yml'), {
          forDivisor: FOR_DIVISOR,
        }),
      },
      args: composePrometheusFeatureFlags(),
      env: { GRAFANA_URL },
    });
  });

  afterAll(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    await slack?.stop();
    await exporter?.stop();
  });

  /** Polls Prometheus's or Alertmanager's JSON API until `check` returns a value. */
  async function poll<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
    const until = Date.now() + WAIT_MS;
    for (;;) {
      const v = await check().catch(() => undefined);
      if (v !== undefined) return v;
      if (Date.now() > until)
        throw new Error(
          `timed out waiting for ${what}\nprometheus:\n${prometheus?.output().slice(-1500)}\nalertmanager:\n${alertmanager?.output().slice(-1500)}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  const amAlerts = () => getJson<AmAlert[]>(`${alertmanager?.url}/api/v2/alerts`);

  // Typically 12–15 s here; the limit leaves room for a loaded machine (each wait has its own 30 s bound).
  it('pages critical first, inhibits the warning on the same series, sends the other warning, then resolves', {
    timeout: 120_000,
  }, async () => {
    if (!exporter || !slack || !prometheus || !alertmanager) throw new Error('stack not started');
    const started = Date.now();
    const prom = prometheus.url;
    await poll('Prometheus to scrape the stand-in engine and find Alertmanager', async () => {
      const scores = await getJson<{ data: { result: unknown[] } }>(
        `${prom}/api/v1/query?query=outlier_anomaly_score`,
      );
      const ams = await getJson<{ data: { activeAlertmanagers: unknown[] } }>(`${prom}/api/v1/alertmanagers`);
      return scores.data.result.length === 2 && ams.data.activeAlertmanagers.length === 1 ? true : undefined;
    });

    exporter.set('outlier_anomaly_score', X, 0.97);
    exporter.set('outlier_anomaly_score', Y, 0.9);

    const critical = await slack.waitFor(
      (m) => title(m).startsWith('[FIRING:1] OutlierAnomalyCritical') && title(m).includes('acme/checkout'),
      WAIT_MS,
    );
    const explorerX = `${GRAFANA_URL}/a/outlier-anomaly-app/explorer?tenant=acme&source=checkout&series=x`;
    expect(critical.channel).toBe('#outlier-critical');
    expect(critical.attachments?.[0]?.color).toBe('danger');
    expect(critical.attachments?.[0]?.title_link).toBe(explorerX);
    const criticalText = slackText(critical);
    expect(criticalText).toContain('tenant `acme`');
    expect(criticalText).toContain('series `x`');
    expect(criticalText).toContain(`<${explorerX}|Open in the Outlier explorer>`);
    expect(criticalText).toContain('Expected value 120, normal band 90 to 150.');

    const warningY = await slack.waitFor(
      (m) => title(m).startsWith('[FIRING:1] OutlierAnomalyHigh') && title(m).includes('acme/payments'),
      WAIT_MS,
    );
    expect(warningY.channel).toBe('#outlier-alerts');
    expect(slackText(warningY)).toContain(
      `${GRAFANA_URL}/a/outlier-anomaly-app/explorer?tenant=acme&source=payments&series=y`,
    );

    // x scores above both cut-offs: its warning reaches Alertmanager and is held back by the critical.
    const inhibited = await poll('the warning on x to be inhibited', async () => {
      const hit = (await amAlerts()).find(
        (a) => a.labels.alertname === 'OutlierAnomalyHigh' && a.labels.series === 'x',
      );
      return hit?.status.state === 'suppressed' ? hit : undefined;
    });
    expect(inhibited.status.inhibitedBy.length).toBe(1);

    exporter.set('outlier_anomaly_score', X, 0.2);
    exporter.set('outlier_anomaly_score', Y, 0.2);
    const resolvedCritical = await slack.waitFor(
      (m) => title(m).startsWith('[RESOLVED] OutlierAnomalyCritical') && title(m).includes('acme/checkout'),
      WAIT_MS,
    );
    expect(resolvedCritical.channel).toBe('#outlier-critical');
    expect(resolvedCritical.attachments?.[0]?.color).toBe('good');
    expect(slackText(resolvedCritical)).toContain(explorerX);
    await slack.waitFor(
      (m) => title(m).startsWith('[RESOLVED] OutlierAnomalyHigh') && title(m).includes('acme/payments'),
      WAIT_MS,
    );

    // Absence can only be watched over time: once Alertmanager has the warning on x resolved, give its group two
    // more flushes (group_interval is 1s) to show that nothing, firing or resolved, was sent for it.
    await poll('the warning on x to be resolved', async () =>
      (await amAlerts()).some((a) => a.labels.alertname === 'OutlierAnomalyHigh' && a.labels.series === 'x')
        ? undefined
        : true,
    );
    await new Promise((r) => setTimeout(r, 2500));
    expect(slack.messages.filter((m) => title(m).includes('OutlierAnomalyHigh · acme/checkout'))).toEqual([]);
    console.log(`alerting: fired, inhibited and resolved in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it('pages when the engine cannot be scraped', { timeout: 60_000 }, async () => {
    if (!exporter || !slack) throw new Error('stack not started');
    const started = Date.now();
    exporter.setHealthy(false);
    const down = await slack.waitFor((m) => title(m).startsWith('[FIRING:1] OutlierEngineDown'), WAIT_MS);
    expect(down.channel).toBe('#outlier-critical');
    expect(slackText(down)).toContain(`Outlier engine ${exporter.target} is down`);
    expect(slackText(down)).toContain(`<${GRAFANA_URL}/a/outlier-anomaly-app/explorer|`);
    console.log(`alerting: engine down paged in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
});
