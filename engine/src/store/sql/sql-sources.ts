import type { Detection } from '../../model/detection.js';
import type {
  SourceRecord,
  SourceRunOutcome,
  SourceRunRecord,
  SourceStatePatch,
  SourceStateRecord,
  SourceStore,
} from '../source-records.js';
import { STATE_FIELDS } from '../source-records.js';
import { insertDetectionRows } from './detection-rows.js';
import { first, type SqlDb, type SqlValue } from './sql-db.js';

interface SourceRow extends Omit<SourceRecord, 'definition'> {
  definition: string;
}

interface RunRow extends Omit<SourceRunRecord, 'pushed'> {
  pushed: number;
}

const toSource = (r: SourceRow): SourceRecord => ({ ...r, definition: JSON.parse(r.definition) });
const toRun = (r: RunRow): SourceRunRecord => ({ ...r, pushed: Boolean(r.pushed) });

/** {@link SourceStore} over SQLite or PostgreSQL. */
export class SqlSourceStore implements SourceStore {
  constructor(private readonly db: SqlDb) {}

  async upsertSource(record: Omit<SourceRecord, 'created_at' | 'updated_at'>): Promise<SourceRecord> {
    const now = Date.now();
    await this.db.run(
      `INSERT INTO sources (tenant_id, id, kind, definition, origin, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, id)
       DO UPDATE SET kind = excluded.kind, definition = excluded.definition, origin = excluded.origin,
       updated_at = excluded.updated_at`,
      [record.tenant_id, record.id, record.kind, JSON.stringify(record.definition), record.origin, now, now],
    );
    const stored = await this.getSource(record.tenant_id, record.id);
    if (!stored) throw new Error(`source ${record.tenant_id}/${record.id} vanished while being saved`);
    return stored;
  }

  async getSource(tenantId: string, id: string): Promise<SourceRecord | null> {
    const row = await first<SourceRow>(this.db, 'SELECT * FROM sources WHERE tenant_id = ? AND id = ?', [
      tenantId,
      id,
    ]);
    return row ? toSource(row) : null;
  }

  async listSources(tenantId?: string): Promise<SourceRecord[]> {
    const rows =
      tenantId === undefined
        ? await this.db.all<SourceRow>('SELECT * FROM sources ORDER BY tenant_id, id')
        : await this.db.all<SourceRow>('SELECT * FROM sources WHERE tenant_id = ? ORDER BY id', [tenantId]);
    return rows.map(toSource);
  }

  deleteSource(tenantId: string, id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const n = await tx.run('DELETE FROM sources WHERE tenant_id = ? AND id = ?', [tenantId, id]);
      await tx.run('DELETE FROM source_states WHERE tenant_id = ? AND source_id = ?', [tenantId, id]);
      await tx.run('DELETE FROM source_runs WHERE tenant_id = ? AND source_id = ?', [tenantId, id]);
      return n > 0;
    });
  }

  getSourceState(tenantId: string, id: string): Promise<SourceStateRecord | null> {
    return first<SourceStateRecord>(
      this.db,
      'SELECT * FROM source_states WHERE tenant_id = ? AND source_id = ?',
      [tenantId, id],
    );
  }

  patchSourceState(tenantId: string, id: string, patch: SourceStatePatch): Promise<void> {
    return this.db.transaction((tx) => applyStatePatch(tx, tenantId, id, patch, 0));
  }

  async startSourceRun(
    run: Pick<SourceRunRecord, 'id' | 'tenant_id' | 'source_id' | 'reason' | 'range_from' | 'range_to'>,
  ): Promise<void> {
    await this.db.run(
      `INSERT INTO source_runs (id, tenant_id, source_id, reason, status, range_from, range_to, started_at,
       finished_at, items, series, detections, pushed, error_code, error_message, detail)
       VALUES (?, ?, ?, ?, 'running', ?, ?, ?, NULL, 0, 0, 0, 0, NULL, NULL, NULL)`,
      [run.id, run.tenant_id, run.source_id, run.reason, run.range_from, run.range_to, Date.now()],
    );
  }

  finishSourceRun(
    runId: string,
    outcome: SourceRunOutcome,
    state: SourceStatePatch,
    detections: readonly Detection[],
  ): Promise<number> {
    return this.db.transaction(async (tx) => {
      // Claimed first, so a second finish of the run (or one racing this) changes nothing.
      const claimed = await tx.run(`UPDATE source_runs SET status = ? WHERE id = ? AND status = 'running'`, [
        outcome.status,
        runId,
      ]);
      const run = await first<RunRow>(tx, 'SELECT * FROM source_runs WHERE id = ?', [runId]);
      if (!run) throw new Error(`source run ${runId} does not exist`);
      if (claimed === 0) return 0;
      const fresh =
        detections.length > 0 ? await insertDetectionRows(tx, run.tenant_id, runId, detections) : 0;
      await tx.run(
        `UPDATE source_runs SET status = ?, finished_at = ?, items = ?, series = ?, detections = ?, pushed = ?,
         error_code = ?, error_message = ?, detail = ?, range_from = ?, range_to = ? WHERE id = ?`,
        [
          outcome.status,
          Date.now(),
          outcome.items,
          outcome.series,
          fresh,
          fresh === 0 ? 1 : 0,
          outcome.error_code,
          outcome.error_message,
          outcome.detail,
          outcome.range_from,
          outcome.range_to,
          runId,
        ],
      );
      await applyStatePatch(tx, run.tenant_id, run.source_id, state, 1);
      return fresh;
    });
  }

  async listSourceRuns(tenantId: string, sourceId: string, limit: number): Promise<SourceRunRecord[]> {
    const rows = await this.db.all<RunRow>(
      `SELECT * FROM source_runs WHERE tenant_id = ? AND source_id = ? ORDER BY started_at DESC, id DESC LIMIT ?`,
      [tenantId, sourceId, limit],
    );
    return rows.map(toRun);
  }

  async listUnpushedRuns(limit: number): Promise<SourceRunRecord[]> {
    const rows = await this.db.all<RunRow>(
      `SELECT * FROM source_runs WHERE status = 'succeeded' AND pushed = 0 ORDER BY finished_at, id LIMIT ?`,
      [limit],
    );
    return rows.map(toRun);
  }

  async markRunPushed(runId: string): Promise<void> {
    await this.db.run('UPDATE source_runs SET pushed = 1 WHERE id = ?', [runId]);
  }

  failStaleRuns(olderThan: number): Promise<number> {
    return this.db.run(
      `UPDATE source_runs SET status = 'failed', finished_at = ?, error_code = 'interrupted',
       error_message = 'the engine stopped during this run; the next run repeats it' WHERE status = 'running'
       AND started_at < ?`,
      [Date.now(), olderThan],
    );
  }
}

async function applyStatePatch(
  tx: SqlDb,
  tenantId: string,
  sourceId: string,
  patch: SourceStatePatch,
  runs: number,
): Promise<void> {
  const now = Date.now();
  await tx.run(
    `INSERT INTO source_states (tenant_id, source_id, anomalies_since_fit, errors_total, runs_total, updated_at)
     VALUES (?, ?, 0, 0, 0, ?) ON CONFLICT (tenant_id, source_id) DO NOTHING`,
    [tenantId, sourceId, now],
  );
  const sets: string[] = ['updated_at = ?', 'runs_total = runs_total + ?', 'errors_total = errors_total + ?'];
  const params: SqlValue[] = [now, runs, patch.add_errors ?? 0];
  for (const f of STATE_FIELDS) {
    const v = patch[f];
    if (v === undefined) continue;
    sets.push(`${f} = ?`);
    params.push(v);
  }
  params.push(tenantId, sourceId);
  await tx.run(`UPDATE source_states SET ${sets.join(', ')} WHERE tenant_id = ? AND source_id = ?`, params);
}
