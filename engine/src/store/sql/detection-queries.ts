import { SEVERITIES } from '../../model/score.js';
import {
  type BucketAggregate,
  type BucketBand,
  type DetectionFacets,
  type DetectionHistogram,
  FACET_LIMIT,
  histogramOf,
  histogramRange,
} from '../detection-histogram.js';
import { likePattern } from '../detection-row.js';
import { decodeDetectionCursor, encodeDetectionCursor, sortOrder } from '../detection-sort.js';
import type { DetectionFilter, DetectionListOptions, Page, StoredDetection } from '../store.js';
import { first, type SqlDb, type SqlValue } from './sql-db.js';

/** A detection row as {@link toStored} reads it. */
export interface StoredRow {
  body: string;
  job_id: string | null;
  llm: string | null;
}

/** The stored detection of a row. */
export function toStored(row: StoredRow): StoredDetection {
  return {
    detection: JSON.parse(row.body),
    job_id: row.job_id,
    llm: row.llm === null ? null : JSON.parse(row.llm),
  };
}

/** WHERE terms (joined by AND) and their parameters. */
interface Conditions {
  terms: string[];
  params: SqlValue[];
}

/**
 * The WHERE terms of `filter`. With `timeIndex: false`, SQLite may not use the time range to pick an index: it
 * has no statistics and would otherwise read the whole range and sort it rather than walk the score index.
 */
function filterConditions(
  tenantId: string,
  filter: DetectionFilter,
  { dialect, timeIndex = true }: { dialect: SqlDb['dialect']; timeIndex?: boolean },
): Conditions {
  // A unary plus takes a term out of SQLite's index choice; PostgreSQL plans from its statistics.
  const ts = timeIndex || dialect !== 'sqlite' ? 'ts' : '+ts';
  const terms = ['tenant_id = ?'];
  const params: SqlValue[] = [tenantId];
  const eq = (column: string, value: string | undefined) => {
    if (value === undefined) return;
    terms.push(`${column} = ?`);
    params.push(value);
  };
  if (filter.from !== undefined) {
    terms.push(`${ts} >= ?`);
    params.push(filter.from);
  }
  if (filter.to !== undefined) {
    terms.push(`${ts} < ?`);
    params.push(filter.to);
  }
  eq('service', filter.service);
  eq('source', filter.source);
  eq('job_id', filter.jobId);
  eq('kind', filter.kind);
  if (filter.severities && filter.severities.length > 0) {
    terms.push(`severity IN (${filter.severities.map(() => '?').join(', ')})`);
    params.push(...filter.severities);
  }
  if (filter.text) {
    terms.push(`search LIKE ? ESCAPE '\\'`);
    params.push(likePattern(filter.text));
  }
  return { terms, params };
}

/**
 * A page of detections in the order of `sort`, walking `(tenant_id, score|ts, id, …)`, which carry every filtered
 * column but the text (or the job's own index). The keyset is a row-value comparison on the index, so a page
 * reads only its own rows however deep it is.
 */
export async function listDetectionRows(
  db: SqlDb,
  tenantId: string,
  filter: DetectionFilter,
  { cursor, limit, sort = 'time_desc' }: DetectionListOptions,
): Promise<Page<StoredDetection>> {
  const { field, descending } = sortOrder(sort);
  const { terms, params } = filterConditions(tenantId, filter, {
    dialect: db.dialect,
    timeIndex: field === 'ts',
  });
  if (cursor) {
    const at = decodeDetectionCursor(cursor, sort);
    terms.push(`(${field}, id) ${descending ? '<' : '>'} (?, ?)`);
    params.push(at.value, at.id);
  }
  const direction = descending ? 'DESC' : 'ASC';
  const rows = await db.all<StoredRow & { id: string; ts: number; score: number }>(
    `SELECT id, ts, score, body, job_id, llm FROM detections WHERE ${terms.join(' AND ')}
     ORDER BY ${field} ${direction}, id ${direction} LIMIT ?`,
    [...params, limit + 1],
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toStored),
    next_cursor:
      rows.length > limit && last
        ? encodeDetectionCursor(sort, { value: Number(last[field]), id: last.id })
        : null,
  };
}

/** The filtered detections over time, aggregated by GROUP BY; see {@link Store.detectionHistogram}. */
export async function detectionHistogramRows(
  db: SqlDb,
  tenantId: string,
  filter: DetectionFilter,
  buckets: number,
): Promise<DetectionHistogram> {
  let span: { min: number; max: number } | null = null;
  if (filter.from === undefined || filter.to === undefined) {
    const { terms, params } = filterConditions(tenantId, filter, { dialect: db.dialect });
    const row = await first<{ lo: number | null; hi: number | null }>(
      db,
      `SELECT MIN(ts) AS lo, MAX(ts) AS hi FROM detections WHERE ${terms.join(' AND ')} AND ts > 0`,
      params,
    );
    if (row && row.lo !== null && row.hi !== null) span = { min: Number(row.lo), max: Number(row.hi) };
  }
  const range = histogramRange(filter, span, buckets);
  const { terms, params } = filterConditions(
    tenantId,
    { ...filter, from: range.from, to: range.to },
    { dialect: db.dialect },
  );
  const where = terms.join(' AND ');
  // SQLite binds JavaScript numbers as REAL: the cast makes the division an integer bucket index.
  const bucket = 'CAST((ts - ?) / ? AS INTEGER)';
  const at = [range.from, range.step_ms];
  const severityCounts = SEVERITIES.map(
    (s) => `SUM(CASE WHEN severity = '${s}' THEN 1 ELSE 0 END) AS ${s}`,
  ).join(', ');
  const aggregates = await db.all<Record<string, number | null>>(
    `SELECT ${bucket} AS b, COUNT(*) AS n, MAX(score) AS max_score, ${severityCounts}
     FROM detections WHERE ${where} GROUP BY b`,
    [...at, ...params],
  );
  // The band of a bucket is its highest-scoring detection that has an expected value (ties: the highest id).
  const bands = await db.all<{
    b: number;
    observed: number | null;
    expected: number | null;
    lower_bound: number | null;
    upper_bound: number | null;
  }>(
    `SELECT b, observed, expected, lower_bound, upper_bound FROM (
       SELECT b, observed, expected, lower_bound, upper_bound,
       ROW_NUMBER() OVER (PARTITION BY b ORDER BY score DESC, id DESC) AS r FROM (
         SELECT ${bucket} AS b, observed, expected, lower_bound, upper_bound, score, id
         FROM detections WHERE ${where} AND expected IS NOT NULL) bucketed) ranked
     WHERE r = 1`,
    [...at, ...params],
  );
  return histogramOf(
    range,
    aggregates.map(
      (a): BucketAggregate => ({
        index: Number(a.b),
        count: Number(a.n),
        max_score: Number(a.max_score),
        severity: {
          low: Number(a.low ?? 0),
          medium: Number(a.medium ?? 0),
          high: Number(a.high ?? 0),
          critical: Number(a.critical ?? 0),
        },
      }),
    ),
    bands.map(
      (b): BucketBand => ({
        index: Number(b.b),
        observed: b.observed,
        expected: b.expected,
        lower: b.lower_bound,
        upper: b.upper_bound,
      }),
    ),
  );
}

/** Services, sources and jobs of the tenant's detections in the range; see {@link Store.detectionFacets}. */
export async function detectionFacetRows(
  db: SqlDb,
  tenantId: string,
  range: Pick<DetectionFilter, 'from' | 'to'>,
): Promise<DetectionFacets> {
  const { terms, params } = filterConditions(
    tenantId,
    { from: range.from, to: range.to },
    { dialect: db.dialect },
  );
  const where = terms.join(' AND ');
  const distinct = async (column: 'service' | 'source') => {
    const rows = await db.all<{ v: string }>(
      `SELECT DISTINCT ${column} AS v FROM detections WHERE ${where} AND ${column} IS NOT NULL
       ORDER BY v LIMIT ?`,
      [...params, FACET_LIMIT],
    );
    return rows.map((r) => r.v);
  };
  const services = await distinct('service');
  const sources = await distinct('source');
  const jobs = await db.all<{ job_id: string; job_source: string }>(
    `SELECT job_id, MIN(source) AS job_source FROM detections WHERE ${where} AND job_id IS NOT NULL
     GROUP BY job_id ORDER BY job_source, job_id LIMIT ?`,
    [...params, FACET_LIMIT],
  );
  return { services, sources, jobs: jobs.map((j) => ({ id: j.job_id, source: j.job_source })) };
}
