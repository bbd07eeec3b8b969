import { Binary } from 'mongodb';
import type { Detection } from '../model/detection.js';
import type { ChunkDoc, ChunkResultDoc, MongoCollections } from './mongo-collections.js';
import { insertDetectionDocs } from './mongo-detections.js';
import { ACTIVE, chunkId, isDuplicateKey, JOB_PROJECTION, toJob } from './mongo-records.js';
import type { ChunkMeta, ChunkOutcome, JobRecord } from './store.js';

/** Most bytes of one stored chunk: a document holds at most 16 MiB, metadata included. */
export const MAX_CHUNK_DATA_BYTES = 15 << 20;

/**
 * {@link Store.addChunk} without a transaction. The chunk document, at `idx` = the job's `chunks_received`, is the
 * commit: only one writer can insert it. The job's counters follow in a second, conditional update, which any
 * later call makes for a chunk whose writer crashed in between, so the job never counts a chunk it does not have.
 */
export async function addChunk(
  c: MongoCollections,
  jobId: string,
  chunk: { byte_offset: number; length: number; sha256: string; newlines: number },
  data: Uint8Array | null,
): Promise<JobRecord | null> {
  if (data && data.byteLength > MAX_CHUNK_DATA_BYTES)
    throw new RangeError(
      `a chunk kept in MongoDB holds at most ${MAX_CHUNK_DATA_BYTES} bytes; this one has ${data.byteLength}`,
    );
  for (;;) {
    const job = await c.jobs.findOne({ _id: jobId }, { projection: JOB_PROJECTION });
    if (!job) return null;
    const _id = chunkId(jobId, job.chunks_received);
    const uncounted = await c.chunks.findOne({ _id }, { projection: { data: 0 } });
    if (uncounted) {
      await countChunk(c, jobId, uncounted);
      continue;
    }
    if (job.bytes_received !== chunk.byte_offset) return null;
    const doc: ChunkDoc = {
      _id,
      job_id: jobId,
      idx: job.chunks_received,
      byte_offset: chunk.byte_offset,
      length: chunk.length,
      sha256: chunk.sha256,
      newlines_before: job.newlines_received,
      newlines: chunk.newlines,
      enqueued: false,
      ...(data ? { data: new Binary(data) } : {}),
    };
    try {
      await c.chunks.insertOne(doc);
    } catch (err) {
      if (isDuplicateKey(err)) continue;
      throw err;
    }
    const after = await countChunk(c, jobId, doc);
    if (after) return after;
    // Another call counted the chunk first: the job has it all the same.
    const current = await c.jobs.findOne({ _id: jobId }, { projection: JOB_PROJECTION });
    return current ? toJob(current) : null;
  }
}

/** Adds a stored chunk to its job's counters, once: only while the job counts the chunks before it. */
async function countChunk(c: MongoCollections, jobId: string, chunk: ChunkMeta): Promise<JobRecord | null> {
  const after = await c.jobs.findOneAndUpdate(
    { _id: jobId, chunks_received: chunk.idx },
    {
      $inc: { bytes_received: chunk.length, newlines_received: chunk.newlines, chunks_received: 1 },
      $set: { updated_at: Date.now() },
    },
    { returnDocument: 'after', projection: JOB_PROJECTION },
  );
  return after ? toJob(after) : null;
}

/**
 * {@link Store.recordChunk} without a transaction: the outcome document first (once, by `_id`), then the job's
 * counters with the chunk's `idx` pushed to `recorded_chunks` in the same update (so once, and only while the job
 * runs), then the detections (each once, by id), then the outcome is marked done. A call that finds the outcome
 * not done finishes the work a crash left; exactly one call, the one that marks it done, returns true.
 */
export async function recordChunk(
  c: MongoCollections,
  jobId: string,
  idx: number,
  outcome: ChunkOutcome,
  detections: readonly Detection[],
): Promise<boolean> {
  const _id = chunkId(jobId, idx);
  let result: ChunkResultDoc = {
    _id,
    job_id: jobId,
    idx,
    lines: outcome.lines,
    bytes: outcome.bytes,
    anomalies: detections.length,
    partial: JSON.stringify(outcome.partial),
    done: false,
  };
  try {
    await c.chunkResults.insertOne(result);
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const first = await c.chunkResults.findOne({ _id });
    if (!first || first.done) return false;
    result = first;
  }
  const counted = await c.jobs.findOneAndUpdate(
    { _id: jobId, status: { $in: ACTIVE }, recorded_chunks: { $ne: idx } },
    {
      $inc: {
        lines_processed: result.lines,
        bytes_processed: result.bytes,
        chunks_processed: 1,
        anomalies_found: result.anomalies,
      },
      $push: { recorded_chunks: idx },
      $set: { updated_at: Date.now() },
    },
    { projection: { tenant_id: 1 } },
  );
  const job =
    counted ?? (await c.jobs.findOne({ _id: jobId, recorded_chunks: idx }, { projection: { tenant_id: 1 } }));
  if (!job) return false;
  await insertDetectionDocs(c.detections, job.tenant_id, jobId, detections);
  const finished = await c.chunkResults.updateOne({ _id, done: false }, { $set: { done: true } });
  return finished.modifiedCount === 1;
}

/** Forgets that chunks were queued, except those whose outcome is fully recorded. */
export async function resetEnqueued(c: MongoCollections, jobId: string): Promise<void> {
  const recorded = await c.chunkResults.distinct('idx', { job_id: jobId, done: true });
  await c.chunks.updateMany({ job_id: jobId, idx: { $nin: recorded } }, { $set: { enqueued: false } });
}
