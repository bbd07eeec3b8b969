import { readFile } from 'node:fs/promises';
import cron from 'node-cron';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_THRESHOLD } from '../model/score.js';
import { parseSessionKey } from '../model/session-key.js';

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Milliseconds of a duration such as `90s`, `5m`, `1h30m`, `7d`; null when it is not one. */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (!/^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/.test(t)) return null;
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) ms += Number(m[1]) * UNITS[m[2]];
  return ms;
}

const duration = (what: string, min: number, max: number) =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    const ms = typeof v === 'number' ? v * 1000 : parseDuration(v);
    if (ms === null || !Number.isFinite(ms)) {
      ctx.addIssue({
        code: 'custom',
        message: `${what}: "${v}" is not a duration such as 30s, 5m, 2h or 7d`,
      });
      return z.NEVER;
    }
    if (ms < min || ms > max) {
      ctx.addIssue({ code: 'custom', message: `${what}: ${v} is outside ${min / 1000}s to ${max / 1000}s` });
      return z.NEVER;
    }
    return ms;
  });

const schedule = z.string().refine((s) => cron.validate(s), {
  message: 'schedule: not a cron expression (node-cron syntax, e.g. "*/5 * * * *" or "*/30 * * * * *")',
});

const httpUrl = z
  .url({ protocol: /^https?$/, message: 'url: must be an http(s) URL' })
  .transform((u) => u.replace(/\/+$/, ''));

const common = {
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'id: 1–63 of a–z 0–9 _ . - starting with a letter or digit'),
  tenant: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .default('default'),
  url: httpUrl,
  schedule,
  /** History pulled on the first run (warm start). */
  lookback: duration('lookback', 60_000, 90 * 86_400_000).default(86_400_000),
  /** The newest data is left for the next run: it may still be arriving. */
  delay: duration('delay', 0, 86_400_000).default(30_000),
  /** Longest range pulled in one run; a source that fell further behind catches up over several runs. */
  max_range: duration('max_range', 60_000, 90 * 86_400_000).default(86_400_000),
  timeout: duration('timeout', 1000, 600_000).default(30_000),
  retries: z.number().int().min(0).max(10).default(3),
  threshold: z.number().gt(0).lt(1).default(DEFAULT_THRESHOLD),
  headers: z.record(z.string(), z.string()).default({}),
  enabled: z.boolean().default(true),
  /** Retraining: refit by interval, anomaly count or drift; candidates run in shadow this many runs. */
  retrain: z
    .object({
      interval: duration('retrain.interval', 60_000, 365 * 86_400_000).default(86_400_000),
      max_anomalies: z.number().int().min(0).default(500),
      psi_threshold: z.number().positive().default(0.25),
      shadow_runs: z.number().int().min(1).max(100).default(3),
    })
    .prefault({}),
};

/** A Prometheus source: PromQL queries, each result series one model. */
export const PrometheusSourceSchema = z.strictObject({
  ...common,
  kind: z.literal('prometheus'),
  queries: z.array(z.string().trim().min(1, 'queries: an empty query')).min(1).max(50),
  step: duration('step', 1000, 86_400_000).default(60_000),
  max_series: z.number().int().min(1).max(100_000).default(100),
  direction: z.enum(['up', 'down', 'both']).default('both'),
  min_absolute_deviation: z.number().min(0).default(0),
  min_relative_deviation: z.number().min(0).default(0),
  counter: z.boolean().default(false),
});

/** A Loki source: a LogQL log query read through Outlier's log core. */
export const LokiSourceSchema = z.strictObject({
  ...common,
  kind: z.literal('loki'),
  query: z.string().trim().min(1),
  org_id: z.string().min(1).nullable().default(null),
  session_key: z
    .string()
    .nullable()
    .default(null)
    .refine(
      (k) => {
        if (k === null) return true;
        try {
          parseSessionKey(k);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'session_key: a field name or /regex/' },
    ),
  format: z.string().default('auto'),
  log_format: z.string().nullable().default(null),
  /** Stream label that names the service, when the line does not. */
  service_label: z.string().default('service_name'),
  /** Lines pulled on the first run to train the log model. */
  train_lines: z.number().int().min(100).max(1_000_000).default(100_000),
});

/** A source as written by a user (YAML file or API). */
export const SourceDefinitionSchema = z.discriminatedUnion('kind', [
  PrometheusSourceSchema,
  LokiSourceSchema,
]);

/** A validated source definition, defaults applied; durations in milliseconds. */
export type SourceDefinition = z.output<typeof SourceDefinitionSchema>;
export type PrometheusSource = z.output<typeof PrometheusSourceSchema>;
export type LokiSource = z.output<typeof LokiSourceSchema>;

/** A definition that does not validate; the message names the field. */
export class InvalidSourceError extends Error {
  override name = 'InvalidSourceError';
}

function describe(error: z.ZodError, where: string): string {
  const issue = error.issues[0];
  const path = issue.path.map(String).join('.');
  const message = issue.message.startsWith(`${String(issue.path.at(-1))}:`)
    ? issue.message
    : `${path || 'source'}: ${issue.message}`;
  return `${where}${message}`;
}

/** Validates one definition. @throws {@link InvalidSourceError} */
export function parseSourceDefinition(input: unknown, where = ''): SourceDefinition {
  const r = SourceDefinitionSchema.safeParse(input);
  if (!r.success) throw new InvalidSourceError(describe(r.error, where));
  return r.data;
}

/** A definition as written (stored, so that it validates again the same way) and as validated. */
export interface LoadedSource {
  raw: Record<string, unknown>;
  definition: SourceDefinition;
}

/**
 * Reads a sources file: `sources: [ {id, tenant, kind: prometheus | loki, url, schedule, …}, … ]`.
 * @throws {@link InvalidSourceError} naming the file, the source and the field.
 */
export async function loadSourcesFile(path: string): Promise<LoadedSource[]> {
  let doc: unknown;
  try {
    doc = parseYaml(await readFile(path, 'utf8'));
  } catch (err) {
    throw new InvalidSourceError(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const list = z.object({ sources: z.array(z.record(z.string(), z.unknown())) }).safeParse(doc);
  if (!list.success) throw new InvalidSourceError(`${path}: expected a top-level "sources:" list`);
  const seen = new Set<string>();
  return list.data.sources.map((raw, i): LoadedSource => {
    const name = typeof raw.id === 'string' ? raw.id : `#${i + 1}`;
    const def = parseSourceDefinition(raw, `${path}: source ${name}: `);
    const key = `${def.tenant}/${def.id}`;
    if (seen.has(key))
      throw new InvalidSourceError(`${path}: source ${name}: tenant ${def.tenant} has it twice`);
    seen.add(key);
    return { definition: def, raw };
  });
}
