import type { Detection } from '../../model/detection.js';
import { detectionTime, searchText } from '../detection-row.js';
import type { SqlDb } from './sql-db.js';

/** Inserts detections once each (by id) in `tx`; returns how many were new. */
export async function insertDetectionRows(
  tx: SqlDb,
  tenantId: string,
  jobId: string | null,
  detections: readonly Detection[],
): Promise<number> {
  let n = 0;
  const now = Date.now();
  for (const d of detections) {
    n += await tx.run(
      `INSERT INTO detections (id, tenant_id, job_id, kind, severity, score, ts, source, service, template_id, search,
       body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      [
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
      ],
    );
  }
  return n;
}
