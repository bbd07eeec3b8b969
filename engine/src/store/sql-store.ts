import type { Detection } from '../model/detection.js';
import { decodeCursor, encodeCursor, InvalidCursorError } from './cursor.js';
import type { DetectionFacets, DetectionHistogram } from './detection-histogram.js';
import {
  detectionFacetRows,
  detectionHistogramRows,
  listDetectionRows,
  toStored,
} from './sql/detection-queries.js';
import { insertDetectionRows } from './sql/detection-rows.js';
import { first, type SqlDb, type SqlValue } from './sql/sql-db.js';
import { SqlSourceStore } from './sql/sql-sources.js';
import type {
  ApiKeyRecord,
  ChunkMeta,
  ChunkOutcome,
  ChunkOutcomePage,
  DetectionFilter,
  DetectionListOptions,
  FeedbackRecord,
  JobEvent,
  JobPatch,
  JobRecord,
  JobStatus,
  Page,
  Store,
  StoredDetection,
} from './store.js';

interface JobRow extends Omit<JobRecord, 'options' | 'summary' | 'upload_complete'> {
  options: string;
  summary: string | null;
  upload_complete: number;
}

function toJob(row: JobRow): JobRecord {
  return {
    ...row,
    options: JSON.parse(row.options),
    summary: row.summary === null ? null : JSON.parse(row.summary),
    upload_complete: Boolean(row.upload_complete),
  };
}

const ACTIVE: readonly JobStatus[] = ['uploading', 'pending', 'processing'];

/** Options of {@link SqlStore}. */
export interface SqlStoreOptions {
  /** Keep chunk bytes in the database (shared by every worker) rather than in files. @defaultValue false */
  chunkDataInDb?: boolean;
}

/** The store over SQLite or PostgreSQL: one set of SQL for both. */
export class SqlStore implements Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly holdsChunkData: boolean;
  readonly sources: SqlSourceStore;

  constructor(
    private readonly db: SqlDb,
    { chunkDataInDb = false }: SqlStoreOptions = {},
  ) {
    this.kind = db.dialect;
    this.holdsChunkData = chunkDataInDb;
    this.sources = new SqlSourceStore(db);
  }

  async ping(): Promise<void> {
    await this.db.all('SELECT 1 AS one');
  }

  close(): Promise<void> {
    return this.db.close();
  }

  async createTenant(id: string): Promise<boolean> {
    const n = await this.db.run(
      'INSERT INTO tenants (id, created_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING',
      [id, Date.now()],
    );
    return n > 0;
  }

  listTenants(): Promise<{ id: string; created_at: number }[]> {
    return this.db.all('SELECT id, created_at FROM tenants ORDER BY id');
  }

  async addApiKey(key: { id: string; tenant_id: string; key_hash: string; prefix: string }): Promise<void> {
    await this.db.run(
      'INSERT INTO api_keys (id, tenant_id, key_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?)',
      [key.id, key.tenant_id, key.key_hash, key.prefix, Date.now()],
    );
  }

  findApiKey(keyHash: string): Promise<(ApiKeyRecord & { key_hash: string }) | null> {
    return first(this.db, 'SELECT * FROM api_keys WHERE key_hash = ?', [keyHash]);
  }

  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    return this.db.all(
      'SELECT id, tenant_id, prefix, created_at, revoked_at FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id',
      [tenantId],
    );
  }

  async revokeApiKey(id: string): Promise<boolean> {
    return (
      (await this.db.run('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [
        Date.now(),
        id,
      ])) > 0
    );
  }

  async createJob(
    job: Pick<JobRecord, 'id' | 'tenant_id' | 'status' | 'source' | 'options' | 'declared_size'>,
  ): Promise<JobRecord> {
    const now = Date.now();
    await this.db.run(
      `INSERT INTO jobs (id, tenant_id, status, source, options, declared_size, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        job.id,
        job.tenant_id,
        job.status,
        job.source,
        JSON.stringify(job.options),
        job.declared_size,
        now,
        now,
      ],
    );
    const created = await this.getJob(job.id);
    if (!created) throw new Error(`job ${job.id} vanished after its creation`);
    return created;
  }

  async getJob(id: string, tenantId?: string): Promise<JobRecord | null> {
    const row = tenantId
      ? await first<JobRow>(this.db, 'SELECT * FROM jobs WHERE id = ? AND tenant_id = ?', [id, tenantId])
      : await first<JobRow>(this.db, 'SELECT * FROM jobs WHERE id = ?', [id]);
    return row ? toJob(row) : null;
  }

  async listJobs(
    tenantId: string,
    { status, cursor, limit }: { status?: JobStatus; cursor?: string; limit: number },
  ): Promise<Page<JobRecord>> {
    const where = ['tenant_id = ?'];
    const params: SqlValue[] = [tenantId];
    if (status) {
      where.push('status = ?');
      params.push(status);
    }
    if (cursor) {
      const pos = decodeCursor(cursor, ['number', 'string']);
      if (!pos) throw new InvalidCursorError('cursor is not one this API returned');
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      params.push(pos[0], pos[0], pos[1]);
    }
    const rows = await this.db.all<JobRow>(
      `SELECT * FROM jobs WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`,
      [...params, limit + 1],
    );
    const items = rows.slice(0, limit).map(toJob);
    const last = items[items.length - 1];
    return {
      items,
      next_cursor: rows.length > limit && last ? encodeCursor([last.created_at, last.id]) : null,
    };
  }

  async countJobs(): Promise<Partial<Record<JobStatus, number>>> {
    const rows = await this.db.all<{ status: JobStatus; n: number }>(
      'SELECT status, COUNT(*) AS n FROM jobs GROUP BY status',
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  async listUnfinishedJobs(): Promise<JobRecord[]> {
    const rows = await this.db.all<JobRow>(
      `SELECT * FROM jobs WHERE status IN (${ACTIVE.map(() => '?').join(', ')}) ORDER BY created_at`,
      [...ACTIVE],
    );
    return rows.map(toJob);
  }

  async updateJob(id: string, patch: JobPatch, onlyIf?: readonly JobStatus[]): Promise<boolean> {
    const sets: string[] = ['updated_at = ?'];
    const params: SqlValue[] = [Date.now()];
    for (const [key, value] of Object.entries(patch)) {
      sets.push(`${key} = ?`);
      if (key === 'summary') params.push(value === null ? null : JSON.stringify(value));
      else if (typeof value === 'boolean') params.push(value ? 1 : 0);
      else params.push(value as SqlValue);
    }
    params.push(id);
    let sql = `UPDATE jobs SET ${sets.join(', ')} WHERE id = ?`;
    if (onlyIf) {
      sql += ` AND status IN (${onlyIf.map(() => '?').join(', ')})`;
      params.push(...onlyIf);
    }
    return (await this.db.run(sql, params)) > 0;
  }

  async claimStep(id: string, step: 'train_state' | 'finalize_state'): Promise<boolean> {
    return (
      (await this.db.run(`UPDATE jobs SET ${step} = 'queued' WHERE id = ? AND ${step} = 'none'`, [id])) > 0
    );
  }

  addChunk(
    jobId: string,
    chunk: { byte_offset: number; length: number; sha256: string; newlines: number },
    data: Uint8Array | null,
  ): Promise<JobRecord | null> {
    return this.db.transaction(async (tx) => {
      const job = await first<JobRow>(tx, 'SELECT * FROM jobs WHERE id = ?', [jobId]);
      if (!job || job.bytes_received !== chunk.byte_offset) return null;
      await tx.run(
        `INSERT INTO upload_chunks (job_id, idx, byte_offset, length, sha256, newlines_before, newlines, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          jobId,
          job.chunks_received,
          chunk.byte_offset,
          chunk.length,
          chunk.sha256,
          job.newlines_received,
          chunk.newlines,
          this.holdsChunkData ? data : null,
        ],
      );
      await tx.run(
        `UPDATE jobs SET bytes_received = bytes_received + ?, newlines_received = newlines_received + ?,
         chunks_received = chunks_received + 1, updated_at = ? WHERE id = ?`,
        [chunk.length, chunk.newlines, Date.now(), jobId],
      );
      const after = await first<JobRow>(tx, 'SELECT * FROM jobs WHERE id = ?', [jobId]);
      return after ? toJob(after) : null;
    });
  }

  async listChunks(jobId: string): Promise<ChunkMeta[]> {
    const rows = await this.db.all<Omit<ChunkMeta, 'enqueued'> & { enqueued: number }>(
      `SELECT idx, byte_offset, length, sha256, newlines_before, newlines, enqueued FROM upload_chunks
       WHERE job_id = ? ORDER BY idx`,
      [jobId],
    );
    return rows.map((r) => ({ ...r, enqueued: Boolean(r.enqueued) }));
  }

  async readChunkData(jobId: string, idx: number): Promise<Uint8Array | null> {
    const row = await first<{ data: Uint8Array | null }>(
      this.db,
      'SELECT data FROM upload_chunks WHERE job_id = ? AND idx = ?',
      [jobId, idx],
    );
    return row?.data ?? null;
  }

  async markChunkEnqueued(jobId: string, idx: number): Promise<boolean> {
    return (
      (await this.db.run(
        'UPDATE upload_chunks SET enqueued = 1 WHERE job_id = ? AND idx = ? AND enqueued = 0',
        [jobId, idx],
      )) > 0
    );
  }

  async resetEnqueued(jobId: string): Promise<void> {
    await this.db.run(
      `UPDATE upload_chunks SET enqueued = 0 WHERE job_id = ?
       AND idx NOT IN (SELECT idx FROM chunk_results WHERE job_id = ?)`,
      [jobId, jobId],
    );
  }

  async deleteChunkData(jobId: string): Promise<void> {
    if (this.holdsChunkData)
      await this.db.run('UPDATE upload_chunks SET data = NULL WHERE job_id = ?', [jobId]);
  }

  recordChunk(
    jobId: string,
    idx: number,
    outcome: ChunkOutcome,
    detections: readonly Detection[],
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const inserted = await tx.run(
        `INSERT INTO chunk_results (job_id, idx, lines, bytes, anomalies, partial) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (job_id, idx) DO NOTHING`,
        [jobId, idx, outcome.lines, outcome.bytes, detections.length, JSON.stringify(outcome.partial)],
      );
      if (inserted === 0) return false;
      const counted = await tx.run(
        `UPDATE jobs SET lines_processed = lines_processed + ?, bytes_processed = bytes_processed + ?,
         chunks_processed = chunks_processed + 1, anomalies_found = anomalies_found + ?, updated_at = ?
         WHERE id = ? AND status IN ('uploading', 'pending', 'processing')`,
        [outcome.lines, outcome.bytes, detections.length, Date.now(), jobId],
      );
      if (counted === 0) return false;
      const job = await first<{ tenant_id: string }>(tx, 'SELECT tenant_id FROM jobs WHERE id = ?', [jobId]);
      if (job) await insertDetectionRows(tx, job.tenant_id, jobId, detections);
      return true;
    });
  }

  async listChunkOutcomes(
    jobId: string,
    { after = -1, limit }: ChunkOutcomePage = {},
  ): Promise<(ChunkOutcome & { idx: number })[]> {
    const rows = await this.db.all<{ idx: number; lines: number; bytes: number; partial: string }>(
      `SELECT idx, lines, bytes, partial FROM chunk_results WHERE job_id = ? AND idx > ? ORDER BY idx${limit === undefined ? '' : ' LIMIT ?'}`,
      limit === undefined ? [jobId, after] : [jobId, after, limit],
    );
    return rows.map((r) => ({ idx: r.idx, lines: r.lines, bytes: r.bytes, partial: JSON.parse(r.partial) }));
  }

  insertDetections(jobId: string | null, detections: readonly Detection[]): Promise<number> {
    if (detections.length === 0) return Promise.resolve(0);
    return this.db.transaction((tx) => insertDetectionRows(tx, detections[0].tenant, jobId, detections));
  }

  listDetections(
    tenantId: string,
    filter: DetectionFilter,
    options: DetectionListOptions,
  ): Promise<Page<StoredDetection>> {
    return listDetectionRows(this.db, tenantId, filter, options);
  }

  detectionHistogram(
    tenantId: string,
    filter: DetectionFilter,
    buckets: number,
  ): Promise<DetectionHistogram> {
    return detectionHistogramRows(this.db, tenantId, filter, buckets);
  }

  detectionFacets(tenantId: string, range: Pick<DetectionFilter, 'from' | 'to'>): Promise<DetectionFacets> {
    return detectionFacetRows(this.db, tenantId, range);
  }

  async getDetection(tenantId: string, id: string): Promise<StoredDetection | null> {
    const row = await first<{ body: string; job_id: string | null; llm: string | null }>(
      this.db,
      'SELECT body, job_id, llm FROM detections WHERE id = ? AND tenant_id = ?',
      [id, tenantId],
    );
    return row ? toStored(row) : null;
  }

  async setLlmExplanation(id: string, llm: Record<string, unknown>): Promise<void> {
    await this.db.run('UPDATE detections SET llm = ? WHERE id = ?', [JSON.stringify(llm), id]);
  }

  async appendJobEvent(jobId: string, type: string, data: Record<string, unknown>): Promise<number> {
    const rows = await this.db.all<{ id: number }>(
      'INSERT INTO job_events (job_id, type, data, created_at) VALUES (?, ?, ?, ?) RETURNING id',
      [jobId, type, JSON.stringify(data), Date.now()],
    );
    return rows[0].id;
  }

  async listJobEvents(jobId: string, afterId: number, limit: number): Promise<JobEvent[]> {
    const rows = await this.db.all<{ id: number; type: string; data: string; created_at: number }>(
      'SELECT id, type, data, created_at FROM job_events WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?',
      [jobId, afterId, limit],
    );
    return rows.map((r) => ({ ...r, data: JSON.parse(r.data) }));
  }

  async addFeedback(f: FeedbackRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO feedback (id, tenant_id, detection_id, verdict, kind, pattern, note, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [f.id, f.tenant_id, f.detection_id, f.verdict, f.kind, f.pattern, f.note, f.created_at],
    );
  }

  async listSuppressions(tenantId: string): Promise<string[]> {
    // The newest verdict on a pattern wins: a later `confirmed` lifts an earlier `not_anomaly`.
    const rows = await this.db.all<{ pattern: string; verdict: string }>(
      'SELECT pattern, verdict FROM feedback WHERE tenant_id = ? ORDER BY created_at, id',
      [tenantId],
    );
    const last = new Map<string, string>();
    for (const r of rows) last.set(r.pattern, r.verdict);
    return [...last].filter(([, v]) => v === 'not_anomaly').map(([p]) => p);
  }

  saveModel(tenantId: string, source: string, state: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      const row = await first<{ v: number | null }>(
        tx,
        'SELECT MAX(version) AS v FROM models WHERE tenant_id = ? AND source = ?',
        [tenantId, source],
      );
      const version = (row?.v ?? 0) + 1;
      await tx.run(
        'INSERT INTO models (tenant_id, source, version, state, created_at) VALUES (?, ?, ?, ?, ?)',
        [tenantId, source, version, state, Date.now()],
      );
      return version;
    });
  }

  getModel(
    tenantId: string,
    source: string,
    version?: number,
  ): Promise<{ version: number; state: string } | null> {
    return version === undefined
      ? first(
          this.db,
          'SELECT version, state FROM models WHERE tenant_id = ? AND source = ? ORDER BY version DESC LIMIT 1',
          [tenantId, source],
        )
      : first(
          this.db,
          'SELECT version, state FROM models WHERE tenant_id = ? AND source = ? AND version = ?',
          [tenantId, source, version],
        );
  }
}
