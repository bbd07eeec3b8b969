import type { SqlDb } from './sql-db.js';

interface Dialect {
  blob: string;
  serial: string;
  /** A number field of a JSON text column, NULL when it is null or absent. */
  jsonNumber: (column: string, field: string) => string;
}

const DIALECTS: Record<SqlDb['dialect'], Dialect> = {
  sqlite: {
    blob: 'BLOB',
    serial: 'INTEGER PRIMARY KEY AUTOINCREMENT',
    jsonNumber: (column, field) => `json_extract(${column}, '$.${field}')`,
  },
  postgres: {
    blob: 'BYTEA',
    serial: 'BIGSERIAL PRIMARY KEY',
    jsonNumber: (column, field) => `(${column}::jsonb ->> '${field}')::DOUBLE PRECISION`,
  },
};

/** Schema versions, applied in order; one set of statements for SQLite and PostgreSQL. */
const MIGRATIONS: ((d: Dialect) => string[])[] = [
  (d) => [
    `CREATE TABLE tenants (id TEXT PRIMARY KEY, created_at BIGINT NOT NULL)`,
    `CREATE TABLE api_keys (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id),
      key_hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL, created_at BIGINT NOT NULL, revoked_at BIGINT)`,
    `CREATE TABLE jobs (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), status TEXT NOT NULL,
      source TEXT NOT NULL, options TEXT NOT NULL, declared_size BIGINT,
      bytes_received BIGINT NOT NULL DEFAULT 0, newlines_received BIGINT NOT NULL DEFAULT 0,
      chunks_received INTEGER NOT NULL DEFAULT 0, upload_complete INTEGER NOT NULL DEFAULT 0,
      model_version INTEGER, train_state TEXT NOT NULL DEFAULT 'none', finalize_state TEXT NOT NULL DEFAULT 'none',
      bytes_processed BIGINT NOT NULL DEFAULT 0, lines_processed BIGINT NOT NULL DEFAULT 0,
      chunks_processed INTEGER NOT NULL DEFAULT 0, anomalies_found BIGINT NOT NULL DEFAULT 0,
      error_code TEXT, error_message TEXT, summary TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
      started_at BIGINT, finished_at BIGINT)`,
    `CREATE INDEX jobs_by_tenant ON jobs (tenant_id, created_at, id)`,
    `CREATE INDEX jobs_by_status ON jobs (status)`,
    `CREATE TABLE upload_chunks (job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, idx INTEGER NOT NULL,
      byte_offset BIGINT NOT NULL, length BIGINT NOT NULL, sha256 TEXT NOT NULL, newlines_before BIGINT NOT NULL,
      newlines BIGINT NOT NULL, enqueued INTEGER NOT NULL DEFAULT 0, data ${d.blob}, PRIMARY KEY (job_id, idx))`,
    `CREATE TABLE chunk_results (job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, idx INTEGER NOT NULL,
      lines BIGINT NOT NULL, bytes BIGINT NOT NULL, anomalies BIGINT NOT NULL, partial TEXT NOT NULL,
      PRIMARY KEY (job_id, idx))`,
    `CREATE TABLE detections (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, job_id TEXT, kind TEXT NOT NULL,
      severity TEXT, score DOUBLE PRECISION NOT NULL, ts BIGINT, source TEXT NOT NULL, service TEXT,
      template_id TEXT, search TEXT NOT NULL, body TEXT NOT NULL, llm TEXT, created_at BIGINT NOT NULL)`,
    `CREATE INDEX detections_by_time ON detections (tenant_id, ts, id)`,
    `CREATE INDEX detections_by_job ON detections (job_id)`,
    `CREATE TABLE job_events (id ${d.serial}, job_id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
      created_at BIGINT NOT NULL)`,
    `CREATE INDEX job_events_by_job ON job_events (job_id, id)`,
    `CREATE TABLE feedback (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, detection_id TEXT NOT NULL,
      verdict TEXT NOT NULL, kind TEXT NOT NULL, pattern TEXT NOT NULL, note TEXT, created_at BIGINT NOT NULL)`,
    `CREATE INDEX feedback_by_tenant ON feedback (tenant_id, verdict)`,
    `CREATE TABLE models (tenant_id TEXT NOT NULL, source TEXT NOT NULL, version INTEGER NOT NULL,
      state TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (tenant_id, source, version))`,
  ],
  () => [
    `CREATE TABLE sources (tenant_id TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL, definition TEXT NOT NULL,
      origin TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (tenant_id, id))`,
    `CREATE TABLE source_states (tenant_id TEXT NOT NULL, source_id TEXT NOT NULL, watermark TEXT,
      model_version INTEGER, online TEXT, shadow TEXT, fitted_at BIGINT, anomalies_since_fit BIGINT NOT NULL,
      last_run_at BIGINT, last_success_at BIGINT, last_error_code TEXT, last_error_message TEXT,
      errors_total BIGINT NOT NULL, runs_total BIGINT NOT NULL, updated_at BIGINT NOT NULL,
      PRIMARY KEY (tenant_id, source_id))`,
    `CREATE TABLE source_runs (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, source_id TEXT NOT NULL,
      reason TEXT NOT NULL, status TEXT NOT NULL, range_from TEXT, range_to TEXT, started_at BIGINT NOT NULL,
      finished_at BIGINT, items BIGINT NOT NULL, series INTEGER NOT NULL, detections BIGINT NOT NULL,
      pushed INTEGER NOT NULL, error_code TEXT, error_message TEXT, detail TEXT)`,
    `CREATE INDEX source_runs_by_source ON source_runs (tenant_id, source_id, started_at)`,
    `CREATE INDEX source_runs_unpushed ON source_runs (status, pushed)`,
  ],
  // The explorer sorts by time or score, over a time range, filtered by service, severity, source, kind or job,
  // and charts the band of detections that have one. The sort indexes carry every filtered column, so SQLite
  // filters on index entries and reads only the page's rows; histograms and facets read indexes alone.
  (d) => [
    ...['observed', 'expected', 'lower_bound', 'upper_bound'].map(
      (c) => `ALTER TABLE detections ADD COLUMN ${c} DOUBLE PRECISION`,
    ),
    `UPDATE detections SET observed = ${d.jsonNumber('body', 'observed')}, expected = ${d.jsonNumber('body', 'expected')},
      lower_bound = ${d.jsonNumber('body', 'lower')}, upper_bound = ${d.jsonNumber('body', 'upper')}`,
    `DROP INDEX detections_by_time`,
    `CREATE INDEX detections_by_time ON detections
      (tenant_id, ts, id, score, severity, service, source, kind, job_id)`,
    `CREATE INDEX detections_by_score ON detections
      (tenant_id, score, id, ts, severity, service, source, kind, job_id)`,
    `CREATE INDEX detections_with_band ON detections
      (tenant_id, ts, score, id, observed, expected, lower_bound, upper_bound) WHERE expected IS NOT NULL`,
    `DROP INDEX detections_by_job`,
    `CREATE INDEX detections_by_job_time ON detections (job_id, ts, id)`,
    `CREATE INDEX detections_by_job_score ON detections (job_id, score, id)`,
  ],
];

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** Stop at this schema version (tests of an upgrade). @defaultValue the newest */
  version?: number;
}

/** Brings the schema up to the newest version; safe to run from several processes at once. */
export async function migrate(
  db: SqlDb,
  { version = MIGRATIONS.length }: MigrateOptions = {},
): Promise<number> {
  const d = DIALECTS[db.dialect];
  await db.run(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
  );
  const last = Math.min(version, MIGRATIONS.length);
  for (let v = 1; v <= last; v++) {
    try {
      await db.transaction(async (tx) => {
        const done = await tx.all<{ version: number }>(
          'SELECT version FROM schema_migrations WHERE version = ?',
          [v],
        );
        if (done.length > 0) return;
        // The version row first: a concurrent migrator then fails on its primary key instead of on a table.
        await tx.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [v, Date.now()]);
        for (const statement of MIGRATIONS[v - 1](d)) await tx.run(statement);
      });
    } catch (err) {
      const applied = await db.all('SELECT version FROM schema_migrations WHERE version = ?', [v]);
      if (applied.length === 0) throw err;
    }
  }
  return last;
}
