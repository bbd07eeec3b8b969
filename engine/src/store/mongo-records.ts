import { MongoServerError } from 'mongodb';
import { decodeCursor, InvalidCursorError } from './cursor.js';
import type { JobDoc } from './mongo-collections.js';
import type { JobRecord, JobStatus } from './store.js';

/** Statuses of a job still running. */
export const ACTIVE: readonly JobStatus[] = ['uploading', 'pending', 'processing'];

/** Leaves out of a read what {@link JobRecord} does not have. */
export const JOB_PROJECTION = { recorded_chunks: 0 } as const;

/** Writes a payload as the SQL store's JSON does: a key whose value is undefined is left out, not stored as null. */
export const AS_JSON = { ignoreUndefined: true } as const;

/** The document of a new job. */
export function newJobDoc(
  job: Pick<JobRecord, 'id' | 'tenant_id' | 'status' | 'source' | 'options' | 'declared_size'>,
  now: number,
): JobDoc {
  return {
    _id: job.id,
    tenant_id: job.tenant_id,
    status: job.status,
    source: job.source,
    options: job.options,
    declared_size: job.declared_size,
    bytes_received: 0,
    newlines_received: 0,
    chunks_received: 0,
    upload_complete: false,
    model_version: null,
    train_state: 'none',
    finalize_state: 'none',
    bytes_processed: 0,
    lines_processed: 0,
    chunks_processed: 0,
    anomalies_found: 0,
    error_code: null,
    error_message: null,
    summary: null,
    created_at: now,
    updated_at: now,
    started_at: null,
    finished_at: null,
    recorded_chunks: [],
  };
}

/** The job a document holds, with exactly the fields of {@link JobRecord}. */
export function toJob(d: Omit<JobDoc, 'recorded_chunks'>): JobRecord {
  return {
    id: d._id,
    tenant_id: d.tenant_id,
    status: d.status,
    source: d.source,
    options: d.options,
    declared_size: d.declared_size,
    bytes_received: d.bytes_received,
    newlines_received: d.newlines_received,
    chunks_received: d.chunks_received,
    upload_complete: d.upload_complete,
    model_version: d.model_version,
    train_state: d.train_state,
    finalize_state: d.finalize_state,
    bytes_processed: d.bytes_processed,
    lines_processed: d.lines_processed,
    chunks_processed: d.chunks_processed,
    anomalies_found: d.anomalies_found,
    error_code: d.error_code,
    error_message: d.error_message,
    summary: d.summary,
    created_at: d.created_at,
    updated_at: d.updated_at,
    started_at: d.started_at,
    finished_at: d.finished_at,
  };
}

/** `_id` of a job's chunk and of its result: unambiguous since `idx` holds no colon. */
export function chunkId(jobId: string, idx: number): string {
  return `${jobId}:${idx}`;
}

/** The write failed on a unique index: the document is already there. */
export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000;
}

/** The `[number, id]` keyset position of a cursor; throws {@link InvalidCursorError} when it is not ours. */
export function decodePosition(cursor: string): [number, string] {
  const [at, id] = decodeCursor(cursor, ['number', 'string']) ?? [];
  if (typeof at !== 'number' || typeof id !== 'string')
    throw new InvalidCursorError('cursor is not one this API returned');
  return [at, id];
}
