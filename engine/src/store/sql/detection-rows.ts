import type { Detection } from '../../model/detection.js';
import { detectionTime, searchText } from '../detection-row.js';
import type { SqlDb, SqlValue } from './sql-db.js';

const COLUMNS = [
  'id',
  'tenant_id',
  'job_id',
  'kind',
  'severity',
  'score',
  'ts',
  'source',
  'service',
  'template_id',
  'search',
  'body',
  'created_at',
  'observed',
  'expected',
  'lower_bound',
  'upper_bound',
] as const;

/** Rows per INSERT: 1,700 placeholders, well under SQLite's 32,766 and PostgreSQL's 65,535. */
const BATCH = 100;

function insertSql(rows: number): string {
  const row = `(${COLUMNS.map(() => '?').join(', ')})`;
  return `INSERT INTO detections (${COLUMNS.join(', ')}) VALUES ${Array(rows).fill(row).join(', ')}
    ON CONFLICT (id) DO NOTHING`;
}

const FULL_BATCH = insertSql(BATCH);
const ONE_ROW = insertSql(1);

function rowValues(tenantId: string, jobId: string | null, d: Detection, now: number): SqlValue[] {
  return [
    d.id,
    tenantId,
    jobId,
    d.kind,
    d.severity,
    d.score,
    detectionTime(d),
    d.source,
    d.service,
    d.template_id,
    searchText(d),
    JSON.stringify(d),
    now,
    d.observed,
    d.expected,
    d.lower,
    d.upper,
  ];
}

/**
 * Inserts detections once each (by id) in `tx`; returns how many were new. Full batches go in one statement each
 * and the rest one row at a time, so only two statements are ever prepared.
 */
export async function insertDetectionRows(
  tx: SqlDb,
  tenantId: string,
  jobId: string | null,
  detections: readonly Detection[],
): Promise<number> {
  let n = 0;
  const now = Date.now();
  let i = 0;
  for (; i + BATCH <= detections.length; i += BATCH)
    n += await tx.run(
      FULL_BATCH,
      detections.slice(i, i + BATCH).flatMap((d) => rowValues(tenantId, jobId, d, now)),
    );
  for (; i < detections.length; i++)
    n += await tx.run(ONE_ROW, rowValues(tenantId, jobId, detections[i], now));
  return n;
}
