import type { Binary, Collection, Db } from 'mongodb';
import type { Detection } from '../model/detection.js';
import type { Severity } from '../model/score.js';
import type { SourceRecord, SourceRunOutcome, SourceRunRecord, SourceStateRecord } from './source-records.js';
import type { ChunkMeta, FeedbackRecord, JobRecord } from './store.js';

/** A tenant document. */
export interface TenantDoc {
  _id: string;
  created_at: number;
}

/** An API key document: only the key's hash. */
export interface ApiKeyDoc {
  _id: string;
  tenant_id: string;
  key_hash: string;
  prefix: string;
  created_at: number;
  revoked_at: number | null;
}

/** A job document: the {@link JobRecord} with its id as `_id`. */
export interface JobDoc extends Omit<JobRecord, 'id'> {
  _id: string;
  /** Chunks whose outcome is in the counters: kept beside them so a chunk is counted once without transactions. */
  recorded_chunks: number[];
}

/** A stored chunk of an upload, `_id` `${job_id}:${idx}`. */
export interface ChunkDoc extends ChunkMeta {
  _id: string;
  job_id: string;
  /** Absent once the chunk's data is deleted. */
  data?: Binary;
}

/** The outcome of a scored chunk, `_id` `${job_id}:${idx}`. */
export interface ChunkResultDoc {
  _id: string;
  job_id: string;
  idx: number;
  lines: number;
  bytes: number;
  anomalies: number;
  /** JSON: the partial sessions and windows may have keys MongoDB does not store as field names. */
  partial: string;
  /** Counted and its detections stored; false while (or if a crash left it) half done. */
  done: boolean;
}

/** A detection document: the whole {@link Detection} as `body` beside the fields it is queried by. */
export interface DetectionDoc {
  _id: string;
  tenant_id: string;
  job_id: string | null;
  kind: Detection['kind'];
  severity: Severity | null;
  score: number;
  /** Epoch ms, 0 without a timestamp. */
  ts: number;
  source: string;
  service: string | null;
  template_id: string | null;
  /** Lower-cased text the detection is found by. */
  search: string;
  body: Detection;
  llm: Record<string, unknown> | null;
  created_at: number;
}

/** A job event; `_id` comes from the `job_events` counter. */
export interface JobEventDoc {
  _id: number;
  job_id: string;
  type: string;
  data: Record<string, unknown>;
  created_at: number;
}

/** A named sequence. */
export interface CounterDoc {
  _id: string;
  seq: number;
}

/** A feedback document. */
export interface FeedbackDoc extends Omit<FeedbackRecord, 'id'> {
  _id: string;
}

/** A model version; unique by tenant, source and version. */
export interface ModelDoc {
  tenant_id: string;
  source: string;
  version: number;
  state: string;
  created_at: number;
}

/** A source document, `_id` `${tenant_id}/${id}`. */
export interface SourceDoc extends Omit<SourceRecord, 'definition'> {
  _id: string;
  /** JSON, as the SQL store keeps it: a definition's keys (header names) may be ones MongoDB rejects as fields. */
  definition: string;
}

/** A run whose end is in its source's state: the commit of the run, which its own document may not show yet. */
export interface CommittedRunDoc {
  id: string;
  outcome: SourceRunOutcome & { detections: number };
}

/** A source's state, `_id` `${tenant_id}/${source_id}`, with the runs that last changed it. */
export interface SourceStateDoc extends SourceStateRecord {
  _id: string;
  /** The latest runs applied, oldest first: a run is applied once, and a crash before its record is rolled forward. */
  committed_runs: CommittedRunDoc[];
}

/** A run document, `_id` the run's id. */
export interface SourceRunDoc extends SourceRunRecord {
  _id: string;
}

/** The collections of a MongoDB store. */
export interface MongoCollections {
  tenants: Collection<TenantDoc>;
  apiKeys: Collection<ApiKeyDoc>;
  jobs: Collection<JobDoc>;
  chunks: Collection<ChunkDoc>;
  chunkResults: Collection<ChunkResultDoc>;
  detections: Collection<DetectionDoc>;
  jobEvents: Collection<JobEventDoc>;
  counters: Collection<CounterDoc>;
  feedback: Collection<FeedbackDoc>;
  models: Collection<ModelDoc>;
  sources: Collection<SourceDoc>;
  sourceStates: Collection<SourceStateDoc>;
  sourceRuns: Collection<SourceRunDoc>;
}

/** The store's collections in `db`. */
export function mongoCollections(db: Db): MongoCollections {
  return {
    tenants: db.collection<TenantDoc>('tenants'),
    apiKeys: db.collection<ApiKeyDoc>('api_keys'),
    jobs: db.collection<JobDoc>('jobs'),
    chunks: db.collection<ChunkDoc>('upload_chunks'),
    chunkResults: db.collection<ChunkResultDoc>('chunk_results'),
    detections: db.collection<DetectionDoc>('detections'),
    jobEvents: db.collection<JobEventDoc>('job_events'),
    counters: db.collection<CounterDoc>('counters'),
    feedback: db.collection<FeedbackDoc>('feedback'),
    models: db.collection<ModelDoc>('models'),
    sources: db.collection<SourceDoc>('sources'),
    sourceStates: db.collection<SourceStateDoc>('source_states'),
    sourceRuns: db.collection<SourceRunDoc>('source_runs'),
  };
}

/** Creates the indexes the store's queries and uniqueness rules need; a no-op when they exist. */
export async function createMongoIndexes(c: MongoCollections): Promise<void> {
  await Promise.all([
    c.apiKeys.createIndexes([
      { key: { key_hash: 1 }, unique: true },
      { key: { tenant_id: 1, created_at: 1, _id: 1 } },
    ]),
    c.jobs.createIndexes([
      { key: { tenant_id: 1, created_at: -1, _id: -1 } },
      { key: { status: 1, created_at: 1 } },
    ]),
    c.chunks.createIndexes([{ key: { job_id: 1, idx: 1 } }]),
    c.chunkResults.createIndexes([{ key: { job_id: 1, idx: 1 } }]),
    // The explorer sorts by time or score, alone or after an equality on service, severity or job.
    c.detections.createIndexes([
      { key: { tenant_id: 1, ts: -1, _id: -1 } },
      { key: { tenant_id: 1, score: -1, _id: -1 } },
      { key: { tenant_id: 1, service: 1, ts: -1, _id: -1 } },
      { key: { tenant_id: 1, service: 1, score: -1, _id: -1 } },
      { key: { tenant_id: 1, severity: 1, ts: -1, _id: -1 } },
      { key: { tenant_id: 1, severity: 1, score: -1, _id: -1 } },
      { key: { job_id: 1, ts: -1, _id: -1 } },
      { key: { job_id: 1, score: -1, _id: -1 } },
    ]),
    c.jobEvents.createIndexes([{ key: { job_id: 1, _id: 1 } }]),
    c.feedback.createIndexes([{ key: { tenant_id: 1, created_at: 1, _id: 1 } }]),
    c.models.createIndexes([{ key: { tenant_id: 1, source: 1, version: -1 }, unique: true }]),
    c.sources.createIndexes([{ key: { tenant_id: 1, id: 1 } }]),
    c.sourceRuns.createIndexes([
      { key: { tenant_id: 1, source_id: 1, started_at: -1, _id: -1 } },
      { key: { status: 1, pushed: 1, finished_at: 1 } },
      { key: { status: 1, started_at: 1 } },
    ]),
  ]);
}
