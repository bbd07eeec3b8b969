import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { ROOT } from '../cli-helpers.js';

/** Top-level folders of the stack's configuration (issue #5). */
export const STACK_CONFIG_DIRS = [
  'prometheus',
  'alertmanager',
  'loki',
  'promtail',
  'provisioning',
  'outlier',
] as const;

/**
 * Every metric name the engine exports that rules and dashboards may use, plus Prometheus's own `up`.
 * Shared with the engine (engine/src/server/metrics.ts, engine/src/sources/source-metrics.ts) and the docs.
 */
export const ENGINE_METRICS: ReadonlySet<string> = new Set([
  'outlier_anomaly_score',
  'outlier_expected_value',
  'outlier_expected_lower',
  'outlier_expected_upper',
  'outlier_detections_total',
  'outlier_active_anomalies',
  'outlier_models_trained_total',
  'outlier_source_last_success_timestamp_seconds',
  'outlier_source_lag_seconds',
  'outlier_source_errors_total',
  'outlier_http_requests_total',
  'outlier_jobs',
  'outlier_queue_depth',
  'up',
]);

/** The absolute path of a repository file. */
export function repoPath(relativePath: string): string {
  return join(ROOT, relativePath);
}

/** Repository-relative paths of every `.yml`/`.yaml` file under {@link STACK_CONFIG_DIRS}, sorted. */
export function stackYamlFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(entry.name)) out.push(relative(ROOT, path));
    }
  };
  for (const dir of STACK_CONFIG_DIRS) walk(repoPath(dir));
  return out.sort();
}

/** Parses YAML text strictly (duplicate keys and warnings are errors). @throws naming `where` */
export function parseYaml(text: string, where: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) throw new Error(`${where}: ${problems.map((p) => p.message).join('; ')}`);
  return doc.toJS({ maxAliasCount: 100 });
}

/** Reads and strictly parses a repository YAML file. */
export function readYaml(relativePath: string): unknown {
  return parseYaml(readFileSync(repoPath(relativePath), 'utf8'), relativePath);
}

/** A plain object, or an error naming where it was expected. */
export function asRecord(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${where}: expected a mapping`);
  return value as Record<string, unknown>;
}

/** An array, or an error naming where it was expected. */
export function asList(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected a list`);
  return value;
}

/** A string, or an error naming where it was expected. */
export function asText(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new Error(`${where}: expected a string`);
  return value;
}

function stringMap(value: unknown, where: string): Record<string, string> {
  if (value === undefined) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(asRecord(value, where))) out[k] = asText(v, `${where}.${k}`);
  return out;
}

/** One alerting rule of a Prometheus rule file. */
export interface AlertRule {
  group: string;
  alert: string;
  expr: string;
  for: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** The alerting rules of a Prometheus rule file's text. */
export function alertRules(rulesYaml: string): AlertRule[] {
  const doc = asRecord(parseYaml(rulesYaml, 'rules'), 'rules');
  return asList(doc.groups, 'groups').flatMap((g, i) => {
    const group = asRecord(g, `groups[${i}]`);
    const name = asText(group.name, `groups[${i}].name`);
    return asList(group.rules, `${name}.rules`)
      .map((r, j) => asRecord(r, `${name}.rules[${j}]`))
      .filter((r) => r.alert !== undefined)
      .map((r) => {
        const alert = asText(r.alert, `${name}.alert`);
        return {
          group: name,
          alert,
          expr: asText(r.expr, `${alert}.expr`),
          for: r.for === undefined ? null : asText(r.for, `${alert}.for`),
          labels: stringMap(r.labels, `${alert}.labels`),
          annotations: stringMap(r.annotations, `${alert}.annotations`),
        };
      });
  });
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** Milliseconds of a Prometheus duration such as `90s`, `1h30m`. @throws when it is not one */
export function prometheusDuration(text: string): number {
  if (!/^(?:\d+(?:ms|s|m|h|d|w|y))+$/.test(text)) throw new Error(`not a Prometheus duration: ${text}`);
  let ms = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) ms += Number(m[1]) * DURATION_UNITS[m[2]];
  return ms;
}

/** A whole number of milliseconds as a Prometheus duration (`1500ms`, `4s`). */
export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.round(ms)}ms`;
}

/** Options of {@link fastRules}. */
export interface FastRulesOptions {
  /** Every `for:` is divided by this (and kept at least 1s). */
  forDivisor: number;
  /** Replaces each group's own `interval:` when it has one. @defaultValue `1s` */
  interval?: string;
}

/**
 * The repository's rule file made fast for a loopback test: every `for:` divided by `forDivisor` and every
 * group `interval:` shortened; expressions, labels and annotations untouched.
 */
export function fastRules(rulesYaml: string, { forDivisor, interval = '1s' }: FastRulesOptions): string {
  const doc = asRecord(parseYaml(rulesYaml, 'rules'), 'rules');
  for (const g of asList(doc.groups, 'groups')) {
    const group = asRecord(g, 'group');
    if (group.interval !== undefined) group.interval = interval;
    for (const r of asList(group.rules, 'rules')) {
      const rule = asRecord(r, 'rule');
      if (typeof rule.for === 'string')
        rule.for = formatDuration(Math.max(1000, Math.round(prometheusDuration(rule.for) / forDivisor)));
    }
  }
  return stringify(doc);
}

/** Options of {@link loopbackPrometheusConfig}. */
export interface LoopbackPrometheusOptions {
  /** `host:port` that stands in for `engine:8085` in the `outlier` job. */
  engineTarget: string;
  /** `host:port` of the Alertmanager. */
  alertmanagerTarget: string;
  /** Scrape and evaluation interval. @defaultValue `1s` */
  interval?: string;
}

/**
 * The repository's prometheus.yml pointed at loopback stand-ins: only the `outlier` job is kept (its target
 * replaced), the Alertmanager target replaced and the intervals shortened; external labels and rule files kept.
 */
export function loopbackPrometheusConfig(
  configYaml: string,
  { engineTarget, alertmanagerTarget, interval = '1s' }: LoopbackPrometheusOptions,
): string {
  const doc = asRecord(parseYaml(configYaml, 'prometheus.yml'), 'prometheus.yml');
  const global = asRecord(doc.global ?? {}, 'global');
  Object.assign(global, {
    scrape_interval: interval,
    scrape_timeout: interval,
    evaluation_interval: interval,
  });
  doc.global = global;
  const job = asList(doc.scrape_configs, 'scrape_configs')
    .map((j) => asRecord(j, 'scrape_config'))
    .find((j) => j.job_name === 'outlier');
  if (!job) throw new Error('prometheus.yml: no scrape job named "outlier"');
  delete job.scrape_interval;
  delete job.scrape_timeout;
  job.static_configs = [{ targets: [engineTarget] }];
  doc.scrape_configs = [job];
  doc.alerting = { alertmanagers: [{ static_configs: [{ targets: [alertmanagerTarget] }] }] };
  return stringify(doc);
}

/** Options of {@link fastAlertmanagerConfig}. */
export interface FastAlertmanagerOptions {
  /** File holding the Slack webhook URL (the stand-in receiver's). */
  slackApiUrlFile: string;
  /** Replaces every `group_wait` and `group_interval` in the route tree. @defaultValue `1s` */
  groupDelay?: string;
}

/**
 * The repository's alertmanager.yml for a loopback test: the Slack URL file replaced and the route tree's
 * `group_wait`/`group_interval` shortened; receivers, routes, inhibitions and templates untouched.
 */
export function fastAlertmanagerConfig(
  configYaml: string,
  { slackApiUrlFile, groupDelay = '1s' }: FastAlertmanagerOptions,
): string {
  const doc = asRecord(parseYaml(configYaml, 'alertmanager.yml'), 'alertmanager.yml');
  const global = asRecord(doc.global ?? {}, 'global');
  if (global.slack_api_url_file === undefined)
    throw new Error('alertmanager.yml: expected global.slack_api_url_file');
  global.slack_api_url_file = slackApiUrlFile;
  const shorten = (route: Record<string, unknown>): void => {
    route.group_wait = groupDelay;
    route.group_interval = groupDelay;
    for (const child of asList(route.routes ?? [], 'routes')) shorten(asRecord(child, 'route'));
  };
  shorten(asRecord(doc.route, 'route'));
  return stringify(doc);
}

/** The `--enable-feature=` flags docker-compose.yml gives Prometheus, so loopback tests run it the same way. */
export function composePrometheusFeatureFlags(): string[] {
  const compose = asRecord(readYaml('docker-compose.yml'), 'docker-compose.yml');
  const prometheus = asRecord(asRecord(compose.services, 'services').prometheus, 'services.prometheus');
  return asList(prometheus.command ?? [], 'services.prometheus.command')
    .map((a) => asText(a, 'command'))
    .filter((a) => a.startsWith('--enable-feature='));
}

const GROUPING = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g;
const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'and',
  'or',
  'unless',
  'atan2',
  'inf',
  'nan',
]);

/**
 * Metric names a PromQL expression reads: identifiers that are not functions, keywords, label matchers, grouping
 * labels or durations. Grafana variables (`$tenant`, `$__rate_interval`) are ignored.
 * @example promqlMetricNames('sum by (severity) (rate(outlier_detections_total{tenant="a"}[5m]))')
 * // → ['outlier_detections_total']
 */
export function promqlMetricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(GROUPING, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w:$.])([A-Za-z_:][\w:]*)(?![\w:])(?!\s*\()/g)) {
    if (!PROMQL_WORDS.has(m[1].toLowerCase())) names.add(m[1]);
  }
  return [...names];
}

/**
 * The PromQL inside a Grafana Prometheus variable query: the selector of `label_values(selector, label)`, or
 * the query itself (`query_result(…)` or plain PromQL).
 */
export function variableQueryExpr(query: string): string {
  const labelValues = /^\s*label_values\(\s*(.+),\s*[A-Za-z_][\w]*\s*\)\s*$/.exec(query);
  if (labelValues) return labelValues[1];
  const result = /^\s*query_result\(\s*(.+)\)\s*$/.exec(query);
  return result ? result[1] : query;
}
