import { type Collection, type Filter, MongoBulkWriteError, type Sort } from 'mongodb';
import type { Detection } from '../model/detection.js';
import { detectionTime, searchText } from './detection-row.js';
import { decodeDetectionCursor, encodeDetectionCursor, sortOrder } from './detection-sort.js';
import type { DetectionDoc } from './mongo-collections.js';
import { AS_JSON } from './mongo-records.js';
import type { DetectionFilter, DetectionListOptions, Page, StoredDetection } from './store.js';

/** Stores detections once each (by id); returns how many were new. */
export async function insertDetectionDocs(
  detections: Collection<DetectionDoc>,
  tenantId: string,
  jobId: string | null,
  items: readonly Detection[],
): Promise<number> {
  if (items.length === 0) return 0;
  const now = Date.now();
  const docs = items.map(
    (d): DetectionDoc => ({
      _id: d.id,
      tenant_id: tenantId,
      job_id: jobId,
      kind: d.kind,
      severity: d.severity,
      score: d.score,
      ts: detectionTime(d),
      source: d.source,
      service: d.service,
      template_id: d.template_id,
      search: searchText(d),
      body: d,
      llm: null,
      created_at: now,
    }),
  );
  try {
    return (await detections.insertMany(docs, { ordered: false, ...AS_JSON })).insertedCount;
  } catch (err) {
    // Unordered: every document was tried; those already stored failed on their `_id`, the rest are in.
    if (!(err instanceof MongoBulkWriteError) || err.err !== undefined) throw err;
    if ([err.writeErrors].flat().some((e) => e.code !== 11000)) throw err;
    return err.insertedCount;
  }
}

/** The query of the detections `f` selects. */
export function detectionQuery(tenantId: string, f: DetectionFilter): Filter<DetectionDoc> {
  const query: Filter<DetectionDoc> = { tenant_id: tenantId };
  if (f.from !== undefined || f.to !== undefined) {
    const ts: { $gte?: number; $lt?: number } = {};
    if (f.from !== undefined) ts.$gte = f.from;
    if (f.to !== undefined) ts.$lt = f.to;
    query.ts = ts;
  }
  if (f.service !== undefined) query.service = f.service;
  if (f.source !== undefined) query.source = f.source;
  if (f.jobId !== undefined) query.job_id = f.jobId;
  if (f.kind !== undefined) query.kind = f.kind;
  if (f.severities && f.severities.length > 0) query.severity = { $in: f.severities };
  if (f.text) query.search = { $regex: literalPattern(f.text) };
  return query;
}

/**
 * A page of detections in the order of `sort`, served by the `(tenant_id, ts|score, _id)` indexes, or their
 * service, severity and job variants when that filter is given.
 */
export async function listDetectionDocs(
  detections: Collection<DetectionDoc>,
  tenantId: string,
  filter: DetectionFilter,
  { cursor, limit, sort = 'time_desc' }: DetectionListOptions,
): Promise<Page<StoredDetection>> {
  const query = detectionQuery(tenantId, filter);
  const { field, descending } = sortOrder(sort);
  if (cursor) {
    const at = decodeDetectionCursor(cursor, sort);
    // `value ≤ v AND (value < v OR _id < id)`: the first term bounds the index scan, the second breaks the tie.
    const upTo = descending ? { $lte: at.value } : { $gte: at.value };
    const beyond = descending ? { $lt: at.value } : { $gt: at.value };
    const id = descending ? { $lt: at.id } : { $gt: at.id };
    query.$and =
      field === 'ts'
        ? [{ ts: upTo }, { $or: [{ ts: beyond }, { _id: id }] }]
        : [{ score: upTo }, { $or: [{ score: beyond }, { _id: id }] }];
  }
  const direction = descending ? -1 : 1;
  const order: Sort =
    field === 'ts' ? { ts: direction, _id: direction } : { score: direction, _id: direction };
  const docs = await detections
    .find(query, { projection: { ts: 1, score: 1, body: 1, job_id: 1, llm: 1 } })
    .sort(order)
    .limit(limit + 1)
    .toArray();
  const page = docs.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toStored),
    next_cursor:
      docs.length > limit && last ? encodeDetectionCursor(sort, { value: last[field], id: last._id }) : null,
  };
}

/** A regular expression matching `text` lower-cased, as a substring of the lower-cased `search`. */
export function literalPattern(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')
    .replace(/\0/g, '\\x00');
}

/** The stored detection a document holds. */
export function toStored(d: Pick<DetectionDoc, 'body' | 'job_id' | 'llm'>): StoredDetection {
  return { detection: d.body, job_id: d.job_id, llm: d.llm ?? null };
}
