import type { Detection } from '../model/detection.js';
import type { Severity } from '../model/score.js';
import type { DetectionFacets, DetectionHistogram } from './detection-histogram.js';
import type { DetectionSort } from './detection-sort.js';
import type { SourceStore } from './source-records.js';

/** Where a job is in its life. */
export type JobStatus = 'uploading' | 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled';

/** Jobs in these states are finished for good. */
export const FINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

/** How a job's lines are read and scored, fixed at creation. */
export interface JobOptions {
  format: string;
  log_format: string | null;
  session_key: string | null;
  service: string | null;
  threshold: number;
  /** Train a new model even when the tenant has one for this source. */
  retrain: boolean;
}

/** A job as stored. An upload and its job share one id. */
export interface JobRecord {
  id: string;
  tenant_id: string;
  status: JobStatus;
  source: string;
  options: JobOptions;
  /** Size announced at creation; null while unknown (a streamed request body). */
  declared_size: number | null;
  bytes_received: number;
  newlines_received: number;
  chunks_received: number;
  upload_complete: boolean;
  model_version: number | null;
  train_state: 'none' | 'queued' | 'done';
  finalize_state: 'none' | 'queued' | 'done';
  bytes_processed: number;
  lines_processed: number;
  chunks_processed: number;
  anomalies_found: number;
  error_code: string | null;
  error_message: string | null;
  summary: Record<string, unknown> | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}

/** A stored piece of an upload. */
export interface ChunkMeta {
  idx: number;
  byte_offset: number;
  length: number;
  sha256: string;
  /** Newlines in all earlier chunks (gives line numbers without reading them). */
  newlines_before: number;
  newlines: number;
  enqueued: boolean;
}

/** What scoring one chunk left for the job's end: counts and the partial sessions and windows. */
/** Which of a job's chunk outcomes to read (see {@link Store.listChunkOutcomes}). */
export interface ChunkOutcomePage {
  /** Chunks after this index. */
  after?: number;
  /** At most this many. */
  limit?: number;
}

export interface ChunkOutcome {
  lines: number;
  bytes: number;
  partial: unknown;
}

/** Filter of {@link Store.listDetections}. */
export interface DetectionFilter {
  from?: number;
  to?: number;
  service?: string;
  source?: string;
  jobId?: string;
  kind?: Detection['kind'];
  severities?: Severity[];
  text?: string;
}

/** Options of {@link Store.listDetections}. */
export interface DetectionListOptions {
  /** From {@link Page.next_cursor} of the previous page, listed with the same sort. */
  cursor?: string;
  limit: number;
  /** @defaultValue 'time_desc' */
  sort?: DetectionSort;
}

/** One page of a keyset-paginated list. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** A stored detection with what the LLM said of it, when asked. */
export interface StoredDetection {
  detection: Detection;
  job_id: string | null;
  llm: Record<string, unknown> | null;
}

/** An event of a job, for its event stream. */
export interface JobEvent {
  id: number;
  type: string;
  data: Record<string, unknown>;
  created_at: number;
}

/** A user's verdict on a detection. */
export interface FeedbackRecord {
  id: string;
  tenant_id: string;
  detection_id: string;
  verdict: 'not_anomaly' | 'confirmed';
  kind: string;
  pattern: string;
  note: string | null;
  created_at: number;
}

/** An API key as stored: only its hash. */
export interface ApiKeyRecord {
  id: string;
  tenant_id: string;
  prefix: string;
  created_at: number;
  revoked_at: number | null;
}

/** Fields of a job that change as it runs. */
export type JobPatch = Partial<
  Pick<
    JobRecord,
    | 'status'
    | 'upload_complete'
    | 'model_version'
    | 'train_state'
    | 'finalize_state'
    | 'error_code'
    | 'error_message'
    | 'summary'
    | 'started_at'
    | 'finished_at'
    | 'declared_size'
    | 'anomalies_found'
  >
>;

/**
 * Everything Outlier keeps: tenants and keys, jobs and their uploaded chunks, detections, job events, feedback and
 * model versions. Each method is atomic. Implemented over SQLite and PostgreSQL (one set of SQL) and MongoDB; all
 * pass one contract suite (tests/store-contract.test.ts).
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres' | 'mongodb';
  /** Chunk bytes live in the store (shared by every worker), not in files. */
  readonly holdsChunkData: boolean;
  /** Sources of the scheduled pulls (Loki, Prometheus), their states and runs. */
  readonly sources: SourceStore;
  ping(): Promise<void>;
  close(): Promise<void>;

  createTenant(id: string): Promise<boolean>;
  listTenants(): Promise<{ id: string; created_at: number }[]>;
  addApiKey(key: { id: string; tenant_id: string; key_hash: string; prefix: string }): Promise<void>;
  findApiKey(keyHash: string): Promise<(ApiKeyRecord & { key_hash: string }) | null>;
  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]>;
  revokeApiKey(id: string): Promise<boolean>;

  createJob(
    job: Pick<JobRecord, 'id' | 'tenant_id' | 'status' | 'source' | 'options' | 'declared_size'>,
  ): Promise<JobRecord>;
  /** A job; with `tenantId`, only when it belongs to that tenant. */
  getJob(id: string, tenantId?: string): Promise<JobRecord | null>;
  listJobs(
    tenantId: string,
    options: { status?: JobStatus; cursor?: string; limit: number },
  ): Promise<Page<JobRecord>>;
  /** Number of jobs in each state, over all tenants (for metrics). */
  countJobs(): Promise<Partial<Record<JobStatus, number>>>;
  /** Jobs not yet finished, of every tenant (recovery after a restart). */
  listUnfinishedJobs(): Promise<JobRecord[]>;
  /** Applies `patch` when the job's status is one of `onlyIf` (any, when absent); false when it was not. */
  updateJob(id: string, patch: JobPatch, onlyIf?: readonly JobStatus[]): Promise<boolean>;
  /** Marks a step as queued once: true only for the caller that moved it from 'none'. */
  claimStep(id: string, step: 'train_state' | 'finalize_state'): Promise<boolean>;

  /**
   * Stores a chunk at `byte_offset`, which must equal the bytes received so far; returns the job after it, or
   * null when the offset was wrong (another request got there first).
   */
  addChunk(
    jobId: string,
    chunk: { byte_offset: number; length: number; sha256: string; newlines: number },
    data: Uint8Array | null,
  ): Promise<JobRecord | null>;
  listChunks(jobId: string): Promise<ChunkMeta[]>;
  /** Chunk bytes, when the store holds them. */
  readChunkData(jobId: string, idx: number): Promise<Uint8Array | null>;
  /** Marks a chunk as queued for scoring; true only the first time. */
  markChunkEnqueued(jobId: string, idx: number): Promise<boolean>;
  /** Forgets that chunks were queued (after a restart of an in-process queue). */
  resetEnqueued(jobId: string): Promise<void>;
  deleteChunkData(jobId: string): Promise<void>;

  /**
   * Records a scored chunk once: the first call stores its outcome and detections and adds its counts to the
   * job (when the job is still running); later calls for the same chunk change nothing and return false.
   */
  recordChunk(
    jobId: string,
    idx: number,
    outcome: ChunkOutcome,
    detections: readonly Detection[],
  ): Promise<boolean>;
  /**
   * A job's recorded chunk outcomes in chunk order: all of them, or the `limit` first after chunk `after` (a job's end
   * reads them a page at a time).
   */
  listChunkOutcomes(jobId: string, page?: ChunkOutcomePage): Promise<(ChunkOutcome & { idx: number })[]>;
  /** Stores detections (of the first one's tenant) once each, by id, in batches; returns how many were new. */
  insertDetections(jobId: string | null, detections: readonly Detection[]): Promise<number>;
  /** A page of the tenant's detections; a cursor made for another sort throws `InvalidCursorError`. */
  listDetections(
    tenantId: string,
    filter: DetectionFilter,
    options: DetectionListOptions,
  ): Promise<Page<StoredDetection>>;
  /**
   * The filtered detections counted in `buckets` time buckets, aggregated in the database; without `from`/`to`,
   * over the detections' own time range.
   */
  detectionHistogram(tenantId: string, filter: DetectionFilter, buckets: number): Promise<DetectionHistogram>;
  /** Services, sources and jobs of the tenant's detections in `[from, to)`. */
  detectionFacets(tenantId: string, range: Pick<DetectionFilter, 'from' | 'to'>): Promise<DetectionFacets>;
  getDetection(tenantId: string, id: string): Promise<StoredDetection | null>;
  setLlmExplanation(id: string, llm: Record<string, unknown>): Promise<void>;

  appendJobEvent(jobId: string, type: string, data: Record<string, unknown>): Promise<number>;
  listJobEvents(jobId: string, afterId: number, limit: number): Promise<JobEvent[]>;

  addFeedback(feedback: FeedbackRecord): Promise<void>;
  /** Patterns users marked `not_anomaly`. */
  listSuppressions(tenantId: string): Promise<string[]>;

  /** Stores a new model version for a tenant's source; returns its version number. */
  saveModel(tenantId: string, source: string, state: string): Promise<number>;
  getModel(
    tenantId: string,
    source: string,
    version?: number,
  ): Promise<{ version: number; state: string } | null>;
}
