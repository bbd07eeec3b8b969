import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEFAULT_MAX_JOB_SESSIONS } from './jobs/session-cap.js';

/** The Grafana app's folder beside the engine package (from `engine/src` and `engine/dist` alike). */
const DEFAULT_UI_DIR = fileURLToPath(new URL('../../grafana-plugin', import.meta.url));

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8085),
  HOST: z.string().default('0.0.0.0'),
  OUTLIER_DATA_DIR: z.string().default('./data'),
  OUTLIER_ADMIN_KEY: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  TENANT_API_KEYS: optionalText,
  DATABASE_URL: optionalText.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  REDIS_URL: optionalText.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
  MONGODB_URL: optionalText.pipe(z.url({ protocol: /^mongodb(\+srv)?$/ }).optional()),
  OLLAMA_HOST: optionalText.pipe(z.url().optional()),
  OLLAMA_MODEL: optionalText,
  OLLAMA_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
  OUTLIER_WORKERS: z.coerce.number().int().min(0).max(64).optional(),
  OUTLIER_MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(100 * 2 ** 30),
  OUTLIER_KEEP_CHUNKS: z.stringbool().default(false),
  OUTLIER_MAX_JOB_SESSIONS: z.coerce.number().int().min(1).default(DEFAULT_MAX_JOB_SESSIONS),
  OUTLIER_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_:.-]+$/)
    .default('outlier'),
  OUTLIER_QUEUE_CLAIM_IDLE_MS: z.coerce.number().int().min(100).default(30_000),
  OUTLIER_SOURCES_FILE: optionalText,
  OUTLIER_LOKI_PUSH_URL: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
  OUTLIER_EXPLORER_URL: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
  OUTLIER_TENANT_SERIES_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  OUTLIER_DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'must be a lower-case SQL identifier')
    .default('public'),
  OUTLIER_UI_DIR: optionalText,
});

/** The service's settings, read once from the environment at start-up. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  adminKey: string | null;
  /** Tenant → API key, from `TENANT_API_KEYS`. */
  tenantKeys: Record<string, string>;
  databaseUrl: string | null;
  redisUrl: string | null;
  mongodbUrl: string | null;
  ollama: { host: string; model: string; timeoutMs: number } | null;
  /** Scoring threads in this process; 0 in a server that leaves scoring to `outlier worker` processes. */
  workers: number | null;
  maxUploadBytes: number;
  keepChunks: boolean;
  /** Sessions a job scores at most; later ones are counted in its summary, not scored. */
  maxJobSessions: number;
  queuePrefix: string;
  /** A queue entry whose worker went silent this long is taken over by another worker. */
  claimIdleMs: number;
  /** PostgreSQL schema to keep tables in. */
  databaseSchema: string;
  /** YAML file of scheduled sources (Loki, Prometheus), loaded at start. */
  sourcesFile: string | null;
  /** Loki to push detection streams to (`/loki/api/v1/push` is added). */
  lokiPushUrl: string | null;
  /** The anomaly explorer's address, linked from pushed detections (`?anomaly=<id>` is added). */
  explorerUrl: string | null;
  /** Monitored series a tenant may export as metrics, at most. */
  tenantSeriesLimit: number;
  /** The built pages: `dist` (the Grafana app) and `dist-standalone` (the engine's own host page) inside it. */
  uiDir: string;
}

/** A setting with a bad value; the message names the key and the value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the environment. @throws {@link ConfigError} naming the first bad key. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0] ?? '');
    throw new ConfigError(`${key}=${JSON.stringify(env[key] ?? '')}: ${issue.message}`);
  }
  const e = parsed.data;
  let tenantKeys: Record<string, string> = {};
  if (e.TENANT_API_KEYS) {
    const keys = z
      .record(
        z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'tenant names are 1–64 of A–Z a–z 0–9 _ . -'),
        z.string().min(16),
      )
      .safeParse(safeJson(e.TENANT_API_KEYS));
    if (!keys.success)
      throw new ConfigError(
        `TENANT_API_KEYS: expected a JSON object {"tenant":"key (16+ characters)",…}: ${keys.error.issues[0].message}`,
      );
    tenantKeys = keys.data;
  }
  if (e.OLLAMA_HOST && !e.OLLAMA_MODEL)
    throw new ConfigError('OLLAMA_MODEL: required when OLLAMA_HOST is set');
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.OUTLIER_DATA_DIR),
    adminKey: e.OUTLIER_ADMIN_KEY ?? null,
    tenantKeys,
    databaseUrl: e.DATABASE_URL ?? null,
    redisUrl: e.REDIS_URL ?? null,
    mongodbUrl: e.MONGODB_URL ?? null,
    ollama:
      e.OLLAMA_HOST && e.OLLAMA_MODEL
        ? { host: e.OLLAMA_HOST, model: e.OLLAMA_MODEL, timeoutMs: e.OLLAMA_TIMEOUT_MS }
        : null,
    workers: e.OUTLIER_WORKERS ?? null,
    maxUploadBytes: e.OUTLIER_MAX_UPLOAD_BYTES,
    keepChunks: e.OUTLIER_KEEP_CHUNKS,
    maxJobSessions: e.OUTLIER_MAX_JOB_SESSIONS,
    queuePrefix: e.OUTLIER_QUEUE_PREFIX,
    claimIdleMs: e.OUTLIER_QUEUE_CLAIM_IDLE_MS,
    databaseSchema: e.OUTLIER_DATABASE_SCHEMA,
    sourcesFile: e.OUTLIER_SOURCES_FILE ? resolve(e.OUTLIER_SOURCES_FILE) : null,
    lokiPushUrl: e.OUTLIER_LOKI_PUSH_URL ?? null,
    explorerUrl: e.OUTLIER_EXPLORER_URL ?? null,
    tenantSeriesLimit: e.OUTLIER_TENANT_SERIES_LIMIT,
    uiDir: e.OUTLIER_UI_DIR ? resolve(e.OUTLIER_UI_DIR) : DEFAULT_UI_DIR,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
