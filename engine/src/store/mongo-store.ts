import { type Db, type Filter, MongoClient } from 'mongodb';
import type { Detection } from '../model/detection.js';
import { encodeCursor } from './cursor.js';
import type { DetectionFacets, DetectionHistogram } from './detection-histogram.js';
import { addChunk, recordChunk, resetEnqueued } from './mongo-chunks.js';
import {
  createMongoIndexes,
  type JobDoc,
  type MongoCollections,
  mongoCollections,
} from './mongo-collections.js';
import { insertDetectionDocs, listDetectionDocs, toStored } from './mongo-detections.js';
import { detectionFacetDocs, detectionHistogramDocs } from './mongo-histogram.js';
import {
  ACTIVE,
  AS_JSON,
  chunkId,
  decodePosition,
  isDuplicateKey,
  JOB_PROJECTION,
  newJobDoc,
  toJob,
} from './mongo-records.js';
import { MongoSourceStore } from './mongo-sources.js';
import type { SourceStore } from './source-records.js';
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

/** Options of {@link MongoStore.open}. */
export interface MongoStoreOptions {
  /** A MongoDB connection string. */
  url: string;
  /** Database the store keeps its collections in. @defaultValue 'outlier' */
  database?: string;
}

/**
 * The store over MongoDB, chunk bytes included. Needs no multi-document transaction (a standalone mongod has
 * none): each method's atomicity rests on single-document conditional updates and unique `_id`s.
 *
 * @example
 * const store = await MongoStore.open({ url: 'mongodb://127.0.0.1:27017' });
 */
export class MongoStore implements Store {
  readonly kind = 'mongodb';
  readonly holdsChunkData = true;
  readonly sources: SourceStore;

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    private readonly c: MongoCollections,
  ) {
    this.sources = new MongoSourceStore(c);
  }

  /** Connects, creates the indexes the store needs (when missing) and returns the store. */
  static async open({ url, database = 'outlier' }: MongoStoreOptions): Promise<MongoStore> {
    const client = new MongoClient(url);
    try {
      await client.connect();
      const db = client.db(database);
      const c = mongoCollections(db);
      await createMongoIndexes(c);
      return new MongoStore(client, db, c);
    } catch (err) {
      await client.close();
      throw err;
    }
  }

  async ping(): Promise<void> {
    await this.db.command({ ping: 1 });
  }

  close(): Promise<void> {
    return this.client.close();
  }

  async createTenant(id: string): Promise<boolean> {
    try {
      await this.c.tenants.insertOne({ _id: id, created_at: Date.now() });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async listTenants(): Promise<{ id: string; created_at: number }[]> {
    const docs = await this.c.tenants.find({}).sort({ _id: 1 }).toArray();
    return docs.map((d) => ({ id: d._id, created_at: d.created_at }));
  }

  async addApiKey(key: { id: string; tenant_id: string; key_hash: string; prefix: string }): Promise<void> {
    await this.c.apiKeys.insertOne({
      _id: key.id,
      tenant_id: key.tenant_id,
      key_hash: key.key_hash,
      prefix: key.prefix,
      created_at: Date.now(),
      revoked_at: null,
    });
  }

  async findApiKey(keyHash: string): Promise<(ApiKeyRecord & { key_hash: string }) | null> {
    const d = await this.c.apiKeys.findOne({ key_hash: keyHash });
    if (!d) return null;
    const { _id, ...rest } = d;
    return { id: _id, ...rest };
  }

  async listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    const docs = await this.c.apiKeys.find({ tenant_id: tenantId }).sort({ created_at: 1, _id: 1 }).toArray();
    return docs.map((d) => ({
      id: d._id,
      tenant_id: d.tenant_id,
      prefix: d.prefix,
      created_at: d.created_at,
      revoked_at: d.revoked_at,
    }));
  }

  async revokeApiKey(id: string): Promise<boolean> {
    const r = await this.c.apiKeys.updateOne(
      { _id: id, revoked_at: null },
      { $set: { revoked_at: Date.now() } },
    );
    return r.modifiedCount === 1;
  }

  async createJob(
    job: Pick<JobRecord, 'id' | 'tenant_id' | 'status' | 'source' | 'options' | 'declared_size'>,
  ): Promise<JobRecord> {
    const doc = newJobDoc(job, Date.now());
    await this.c.jobs.insertOne(doc, AS_JSON);
    return toJob(doc);
  }

  async getJob(id: string, tenantId?: string): Promise<JobRecord | null> {
    const query: Filter<JobDoc> = tenantId === undefined ? { _id: id } : { _id: id, tenant_id: tenantId };
    const d = await this.c.jobs.findOne(query, { projection: JOB_PROJECTION });
    return d ? toJob(d) : null;
  }

  async listJobs(
    tenantId: string,
    { status, cursor, limit }: { status?: JobStatus; cursor?: string; limit: number },
  ): Promise<Page<JobRecord>> {
    const query: Filter<JobDoc> = { tenant_id: tenantId };
    if (status) query.status = status;
    if (cursor) {
      const [at, id] = decodePosition(cursor);
      query.$or = [{ created_at: { $lt: at } }, { created_at: at, _id: { $lt: id } }];
    }
    const docs = await this.c.jobs
      .find(query, { projection: JOB_PROJECTION })
      .sort({ created_at: -1, _id: -1 })
      .limit(limit + 1)
      .toArray();
    const items = docs.slice(0, limit).map(toJob);
    const last = items[items.length - 1];
    return {
      items,
      next_cursor: docs.length > limit && last ? encodeCursor([last.created_at, last.id]) : null,
    };
  }

  async countJobs(): Promise<Partial<Record<JobStatus, number>>> {
    const rows = await this.c.jobs
      .aggregate<{ _id: JobStatus; n: number }>([{ $group: { _id: '$status', n: { $sum: 1 } } }])
      .toArray();
    return Object.fromEntries(rows.map((r) => [r._id, Number(r.n)]));
  }

  async listUnfinishedJobs(): Promise<JobRecord[]> {
    const docs = await this.c.jobs
      .find({ status: { $in: ACTIVE } }, { projection: JOB_PROJECTION })
      .sort({ created_at: 1, _id: 1 })
      .toArray();
    return docs.map(toJob);
  }

  async updateJob(id: string, patch: JobPatch, onlyIf?: readonly JobStatus[]): Promise<boolean> {
    const set = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
    const query: Filter<JobDoc> = onlyIf ? { _id: id, status: { $in: onlyIf } } : { _id: id };
    const r = await this.c.jobs.updateOne(query, { $set: { ...set, updated_at: Date.now() } }, AS_JSON);
    // Matched, as SQL counts rows: a patch that changes nothing still applied.
    return r.matchedCount === 1;
  }

  async claimStep(id: string, step: 'train_state' | 'finalize_state'): Promise<boolean> {
    const r = await this.c.jobs.updateOne({ _id: id, [step]: 'none' }, { $set: { [step]: 'queued' } });
    return r.modifiedCount === 1;
  }

  addChunk(
    jobId: string,
    chunk: { byte_offset: number; length: number; sha256: string; newlines: number },
    data: Uint8Array | null,
  ): Promise<JobRecord | null> {
    return addChunk(this.c, jobId, chunk, data);
  }

  async listChunks(jobId: string): Promise<ChunkMeta[]> {
    const job = await this.c.jobs.findOne({ _id: jobId }, { projection: { chunks_received: 1 } });
    if (!job) return [];
    // A chunk at `chunks_received` is not in the job's counters yet (its addChunk is under way or crashed).
    const docs = await this.c.chunks
      .find({ job_id: jobId, idx: { $lt: job.chunks_received } }, { projection: { data: 0 } })
      .sort({ idx: 1 })
      .toArray();
    return docs.map((d) => ({
      idx: d.idx,
      byte_offset: d.byte_offset,
      length: d.length,
      sha256: d.sha256,
      newlines_before: d.newlines_before,
      newlines: d.newlines,
      enqueued: d.enqueued,
    }));
  }

  async readChunkData(jobId: string, idx: number): Promise<Uint8Array | null> {
    const d = await this.c.chunks.findOne({ _id: chunkId(jobId, idx) }, { projection: { data: 1 } });
    return d?.data ? d.data.value() : null;
  }

  async markChunkEnqueued(jobId: string, idx: number): Promise<boolean> {
    const r = await this.c.chunks.updateOne(
      { _id: chunkId(jobId, idx), enqueued: false },
      { $set: { enqueued: true } },
    );
    return r.modifiedCount === 1;
  }

  resetEnqueued(jobId: string): Promise<void> {
    return resetEnqueued(this.c, jobId);
  }

  async deleteChunkData(jobId: string): Promise<void> {
    await this.c.chunks.updateMany({ job_id: jobId }, { $unset: { data: '' } });
  }

  recordChunk(
    jobId: string,
    idx: number,
    outcome: ChunkOutcome,
    detections: readonly Detection[],
  ): Promise<boolean> {
    return recordChunk(this.c, jobId, idx, outcome, detections);
  }

  async listChunkOutcomes(
    jobId: string,
    { after = -1, limit }: ChunkOutcomePage = {},
  ): Promise<(ChunkOutcome & { idx: number })[]> {
    const cursor = this.c.chunkResults.find({ job_id: jobId, idx: { $gt: after } }).sort({ idx: 1 });
    const docs = await (limit === undefined ? cursor : cursor.limit(limit)).toArray();
    return docs.map((d) => ({ idx: d.idx, lines: d.lines, bytes: d.bytes, partial: JSON.parse(d.partial) }));
  }

  insertDetections(jobId: string | null, detections: readonly Detection[]): Promise<number> {
    if (detections.length === 0) return Promise.resolve(0);
    return insertDetectionDocs(this.c.detections, detections[0].tenant, jobId, detections);
  }

  listDetections(
    tenantId: string,
    filter: DetectionFilter,
    options: DetectionListOptions,
  ): Promise<Page<StoredDetection>> {
    return listDetectionDocs(this.c.detections, tenantId, filter, options);
  }

  detectionHistogram(
    tenantId: string,
    filter: DetectionFilter,
    buckets: number,
  ): Promise<DetectionHistogram> {
    return detectionHistogramDocs(this.c.detections, tenantId, filter, buckets);
  }

  detectionFacets(tenantId: string, range: Pick<DetectionFilter, 'from' | 'to'>): Promise<DetectionFacets> {
    return detectionFacetDocs(this.c.detections, tenantId, range);
  }

  async getDetection(tenantId: string, id: string): Promise<StoredDetection | null> {
    const d = await this.c.detections.findOne({ _id: id, tenant_id: tenantId });
    return d ? toStored(d) : null;
  }

  async setLlmExplanation(id: string, llm: Record<string, unknown>): Promise<void> {
    await this.c.detections.updateOne({ _id: id }, { $set: { llm } }, AS_JSON);
  }

  async appendJobEvent(jobId: string, type: string, data: Record<string, unknown>): Promise<number> {
    const id = await this.nextSequence('job_events');
    await this.c.jobEvents.insertOne({ _id: id, job_id: jobId, type, data, created_at: Date.now() }, AS_JSON);
    return id;
  }

  async listJobEvents(jobId: string, afterId: number, limit: number): Promise<JobEvent[]> {
    // MongoDB reads limit 0 as no limit; SQL as no rows.
    if (limit <= 0) return [];
    const docs = await this.c.jobEvents
      .find({ job_id: jobId, _id: { $gt: afterId } })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map((d) => ({ id: d._id, type: d.type, data: d.data, created_at: d.created_at }));
  }

  async addFeedback(f: FeedbackRecord): Promise<void> {
    await this.c.feedback.insertOne({
      _id: f.id,
      tenant_id: f.tenant_id,
      detection_id: f.detection_id,
      verdict: f.verdict,
      kind: f.kind,
      pattern: f.pattern,
      note: f.note,
      created_at: f.created_at,
    });
  }

  async listSuppressions(tenantId: string): Promise<string[]> {
    // The newest verdict on a pattern wins: a later `confirmed` lifts an earlier `not_anomaly`.
    const docs = await this.c.feedback
      .find({ tenant_id: tenantId }, { projection: { pattern: 1, verdict: 1 } })
      .sort({ created_at: 1, _id: 1 })
      .toArray();
    const last = new Map<string, string>();
    for (const d of docs) last.set(d.pattern, d.verdict);
    return [...last].filter(([, v]) => v === 'not_anomaly').map(([p]) => p);
  }

  async saveModel(tenantId: string, source: string, state: string): Promise<number> {
    for (;;) {
      const latest = await this.c.models.findOne(
        { tenant_id: tenantId, source },
        { sort: { version: -1 }, projection: { version: 1 } },
      );
      const version = (latest?.version ?? 0) + 1;
      try {
        await this.c.models.insertOne({
          tenant_id: tenantId,
          source,
          version,
          state,
          created_at: Date.now(),
        });
        return version;
      } catch (err) {
        // Another writer took this version: take the next one.
        if (!isDuplicateKey(err)) throw err;
      }
    }
  }

  async getModel(
    tenantId: string,
    source: string,
    version?: number,
  ): Promise<{ version: number; state: string } | null> {
    const query =
      version === undefined ? { tenant_id: tenantId, source } : { tenant_id: tenantId, source, version };
    const d = await this.c.models.findOne(query, { sort: { version: -1 } });
    return d ? { version: d.version, state: d.state } : null;
  }

  /** The next value of a named sequence, from 1. */
  private async nextSequence(name: string): Promise<number> {
    for (;;) {
      try {
        const counter = await this.c.counters.findOneAndUpdate(
          { _id: name },
          { $inc: { seq: 1 } },
          { upsert: true, returnDocument: 'after' },
        );
        if (!counter) throw new Error(`the ${name} counter was not returned by its upsert`);
        return counter.seq;
      } catch (err) {
        // Two first upserts raced and one lost on `_id`: the counter exists now.
        if (!isDuplicateKey(err)) throw err;
      }
    }
  }
}
