import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Detection } from '../../model/detection.js';
import { DETECTION_SORTS, type DetectionSort, encodeDetectionCursor } from '../detection-sort.js';
import { SqlStore } from '../sql-store.js';
import type { DetectionFilter } from '../store.js';
import { listDetectionRows } from './detection-queries.js';
import { migrate } from './migrations.js';
import type { SqlDb, SqlValue } from './sql-db.js';
import { SqliteDb } from './sqlite-db.js';

let db: SqliteDb;
beforeEach(() => {
  db = new SqliteDb({ path: ':memory:' });
});
afterEach(async () => {
  await db.close();
});

/** SQLite's plan of the list query for a filter and sort, its steps joined by ` | `. */
async function planOf(filter: DetectionFilter, sort: DetectionSort, cursor?: string): Promise<string> {
  let query: { sql: string; params: readonly SqlValue[] } | null = null;
  const recorder: SqlDb = {
    dialect: 'sqlite',
    all: async <T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> => {
      query = { sql, params };
      return [];
    },
    run: async () => 0,
    transaction: (fn) => fn(recorder),
    close: async () => {},
  };
  await listDetectionRows(recorder, 't', filter, { limit: 100, sort, cursor });
  const { sql, params } = query ?? { sql: '', params: [] };
  const rows = await db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params);
  return rows.map((r) => r.detail).join(' | ');
}

const RANGE = { from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 2) };

describe('detection list queries on SQLite', () => {
  it('walks the score index for score order, with or without a time range, severity or service filter', async () => {
    await migrate(db);
    const filters: DetectionFilter[] = [
      {},
      RANGE,
      { ...RANGE, severities: ['high', 'critical'] },
      { ...RANGE, severities: ['critical'] },
      { ...RANGE, service: 'db' },
      { service: 'db', severities: ['medium'], kind: 'window', source: 'app.log' },
      { ...RANGE, text: 'timeout' },
    ];
    for (const sort of ['score_desc', 'score_asc'] as const)
      for (const f of filters) {
        const plan = await planOf(f, sort);
        expect(plan, `${sort} ${JSON.stringify(f)}`).toBe(
          'SEARCH detections USING INDEX detections_by_score (tenant_id=?)',
        );
      }
    expect(
      await planOf(RANGE, 'score_desc', encodeDetectionCursor('score_desc', { value: 0.9, id: 'x' })),
    ).toBe('SEARCH detections USING INDEX detections_by_score (tenant_id=? AND (score,id)<(?,?))');
    expect(await planOf({ ...RANGE, jobId: 'j' }, 'score_desc')).toBe(
      'SEARCH detections USING INDEX detections_by_job_score (job_id=?)',
    );
  });

  it('walks the time index for time order, the range as its bounds', async () => {
    await migrate(db);
    for (const sort of ['time_desc', 'time_asc'] as const) {
      expect(await planOf({ ...RANGE, severities: ['high'], service: 'api' }, sort)).toBe(
        'SEARCH detections USING INDEX detections_by_time (tenant_id=? AND ts>? AND ts<?)',
      );
      expect(await planOf({ service: 'api' }, sort)).toBe(
        'SEARCH detections USING INDEX detections_by_time (tenant_id=?)',
      );
      expect(await planOf({ jobId: 'j' }, sort)).toBe(
        'SEARCH detections USING INDEX detections_by_job_time (job_id=?)',
      );
    }
    for (const sort of DETECTION_SORTS) expect(await planOf(RANGE, sort)).not.toContain('TEMP B-TREE');
  });

  it('upgrades a database of schema 2 in place: band columns filled from the stored detections', async () => {
    expect(await migrate(db, { version: 2 })).toBe(2);
    await db.run('INSERT INTO tenants (id, created_at) VALUES (?, ?)', ['acme', 1]);
    const window: Pick<Detection, 'observed' | 'expected' | 'lower' | 'upper' | 'score'> = {
      score: 0.9,
      observed: 300,
      expected: 100,
      lower: 80,
      upper: 120,
    };
    const line = { score: 0.7, observed: null, expected: null, lower: null, upper: null };
    for (const [id, body] of [
      ['w', window],
      ['l', line],
    ] as const)
      await db.run(
        `INSERT INTO detections (id, tenant_id, job_id, kind, severity, score, ts, source, service, template_id,
         search, body, llm, created_at) VALUES (?, 'acme', NULL, 'window', 'high', ?, 5, 's', 'api', NULL, '', ?,
         NULL, 1)`,
        [id, body.score, JSON.stringify({ id, ...body })],
      );
    expect(await migrate(db)).toBe(3);
    expect(
      await db.all('SELECT id, observed, expected, lower_bound, upper_bound FROM detections ORDER BY id'),
    ).toEqual([
      { id: 'l', observed: null, expected: null, lower_bound: null, upper_bound: null },
      { id: 'w', observed: 300, expected: 100, lower_bound: 80, upper_bound: 120 },
    ]);
    const h = await new SqlStore(db).detectionHistogram('acme', { from: 0, to: 10 }, 10);
    expect(h.buckets[5]).toMatchObject({ count: 2, max_score: 0.9, observed: 300, upper: 120 });
    expect(await migrate(db)).toBe(3);
  });
});
