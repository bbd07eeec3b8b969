import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BINARY_SAMPLE_BYTES, detectBinary } from '../ingest/binary-check.js';
import type { ChunkFiles } from '../jobs/chunk-files.js';
import type { JobProcessor } from '../jobs/job-processor.js';
import { progressOf } from '../jobs/job-processor.js';
import type { JobOptions, JobRecord, JobStatus, Store } from '../store/store.js';

/** Why a chunk was refused; the route maps each to its status. */
export class UploadError extends Error {
  override name = 'UploadError';
  constructor(
    readonly kind: 'offset' | 'checksum' | 'too_large' | 'binary' | 'ended' | 'busy' | 'interrupted',
    message: string,
  ) {
    super(message);
  }
}

/** Options of {@link UploadService}. */
export interface UploadServiceOptions {
  store: Store;
  processor: JobProcessor;
  /** Chunk files (embedded store); null when the store holds chunk bytes. */
  files: ChunkFiles | null;
  /** Largest upload accepted. */
  maxUploadBytes: number;
  /** Largest single chunk (request body of a PATCH). @defaultValue 64 MiB, 15 MiB when the store holds chunks */
  maxChunkBytes?: number;
  /** Chunk size for bodies split by the server (`/api/v2/process`). @defaultValue 8 MiB */
  splitBytes?: number;
}

/** Body of a chunk as it arrives. */
export type ByteStream = AsyncIterable<Uint8Array>;

const ACTIVE_UPLOAD: readonly JobStatus[] = ['uploading'];

/**
 * Receives uploads chunk by chunk into the store (or chunk files), never holding a whole upload in memory: each
 * chunk is streamed to a temporary file while its SHA-256 is computed, and only a chunk whose checksum matches is
 * kept. Each stored chunk lets the processor start on the lines it completes.
 */
export class UploadService {
  private readonly store: Store;
  private readonly processor: JobProcessor;
  private readonly files: ChunkFiles | null;
  readonly maxUploadBytes: number;
  readonly maxChunkBytes: number;
  private readonly splitBytes: number;
  private readonly busy = new Set<string>();
  private readonly tmpDir: string;

  constructor({
    store,
    processor,
    files,
    maxUploadBytes,
    maxChunkBytes,
    splitBytes = 8 << 20,
  }: UploadServiceOptions) {
    this.store = store;
    this.processor = processor;
    this.files = files;
    this.maxUploadBytes = maxUploadBytes;
    this.maxChunkBytes = maxChunkBytes ?? (store.holdsChunkData ? 15 << 20 : 64 << 20);
    this.splitBytes = Math.min(splitBytes, this.maxChunkBytes);
    this.tmpDir = files ? files.tmpDir : join(process.cwd(), '.outlier-tmp');
  }

  /** Creates a job waiting for its bytes. */
  async create(
    tenant: string,
    { source, options, declaredSize }: { source: string; options: JobOptions; declaredSize: number | null },
  ): Promise<JobRecord> {
    const job = await this.store.createJob({
      id: randomUUID(),
      tenant_id: tenant,
      status: 'uploading',
      source,
      options,
      declared_size: declaredSize,
    });
    await this.store.appendJobEvent(job.id, 'started', progressOf(job));
    return job;
  }

  /**
   * Stores one chunk at `offset`. With `sha256` (base64), a mismatch stores nothing. Completes the upload when
   * its last byte arrives.
   */
  async receiveChunk(
    job: JobRecord,
    offset: number,
    body: ByteStream,
    sha256: string | null,
  ): Promise<JobRecord> {
    if (job.status !== 'uploading')
      throw new UploadError('ended', `the upload is ${job.status}; it takes no more bytes`);
    if (offset !== job.bytes_received)
      throw new UploadError(
        'offset',
        `Upload-Offset ${offset} does not match the ${job.bytes_received} bytes stored`,
      );
    if (this.busy.has(job.id)) throw new UploadError('busy', 'another request is writing to this upload');
    this.busy.add(job.id);
    try {
      const room = job.declared_size === null ? this.maxUploadBytes - offset : job.declared_size - offset;
      const limit = Math.min(room, this.maxChunkBytes);
      const piece = await this.spool(body, limit, room, offset === 0);
      try {
        if (sha256 !== null && piece.sha256 !== sha256)
          throw new UploadError(
            'checksum',
            `checksum mismatch: the body's SHA-256 is ${piece.sha256}, not ${sha256}`,
          );
        let after = await this.commit(job, piece);
        if (after.declared_size !== null && after.bytes_received >= after.declared_size)
          after = await this.complete(after);
        else await this.processor.schedule(job.id);
        return after;
      } finally {
        await rm(piece.path, { force: true });
      }
    } finally {
      this.busy.delete(job.id);
    }
  }

  /**
   * Streams a whole body into a job, cut into chunks of `splitBytes` as it arrives (so processing starts before
   * the body ends), then completes the upload.
   */
  async receiveStream(job: JobRecord, body: ByteStream): Promise<JobRecord> {
    let current = job;
    let first = true;
    const iterator = body[Symbol.asyncIterator]();
    let pending: Uint8Array | null = null;
    let done = false;
    // Feeds the spooler one chunk-sized slice of the body at a time.
    const slice = async function* (limit: number): AsyncGenerator<Uint8Array> {
      let taken = 0;
      while (taken < limit) {
        let buf = pending;
        pending = null;
        if (!buf) {
          const next = await iterator.next();
          if (next.done) {
            done = true;
            return;
          }
          buf = next.value;
        }
        if (taken + buf.length > limit) {
          pending = buf.subarray(limit - taken);
          buf = buf.subarray(0, limit - taken);
        }
        taken += buf.length;
        yield buf;
      }
    };
    while (!done) {
      const room = this.maxUploadBytes - current.bytes_received;
      const piece = await this.spool(slice(this.splitBytes), Math.min(this.splitBytes, room), room, first);
      first = false;
      try {
        if (piece.length > 0) current = await this.commit(current, piece);
      } finally {
        await rm(piece.path, { force: true });
      }
      if (!done) await this.processor.schedule(current.id);
    }
    await this.store.updateJob(current.id, { declared_size: current.bytes_received }, ACTIVE_UPLOAD);
    return this.complete({ ...current, declared_size: current.bytes_received });
  }

  /** Marks an upload complete and lets processing finish. */
  async complete(job: JobRecord): Promise<JobRecord> {
    await this.store.updateJob(
      job.id,
      { upload_complete: true, status: job.chunks_processed > 0 ? 'processing' : 'pending' },
      ACTIVE_UPLOAD,
    );
    await this.processor.schedule(job.id);
    return (await this.store.getJob(job.id)) ?? job;
  }

  private async commit(
    job: JobRecord,
    piece: { path: string; length: number; sha256: string; newlines: number },
  ): Promise<JobRecord> {
    let data: Uint8Array | null = null;
    if (this.store.holdsChunkData) {
      const handle = await open(piece.path, 'r');
      try {
        data = new Uint8Array(piece.length);
        await handle.read(data, 0, piece.length, 0);
      } finally {
        await handle.close();
      }
    } else if (this.files) {
      await this.files.commit(piece.path, job.id, job.chunks_received);
    }
    const after = await this.store.addChunk(
      job.id,
      {
        byte_offset: job.bytes_received,
        length: piece.length,
        sha256: piece.sha256,
        newlines: piece.newlines,
      },
      data,
    );
    if (!after) throw new UploadError('offset', 'the upload moved on while this chunk was being received');
    return after;
  }

  /** Writes a body to a temporary file, hashing it and counting newlines; refuses more than `limit` bytes. */
  private async spool(
    body: ByteStream,
    limit: number,
    room: number,
    checkBinary: boolean,
  ): Promise<{ path: string; length: number; sha256: string; newlines: number }> {
    await mkdir(this.tmpDir, { recursive: true });
    const path = join(this.tmpDir, `${randomUUID()}.part`);
    const handle = await open(path, 'w');
    const hash = createHash('sha256');
    let length = 0;
    let newlines = 0;
    let head: Uint8Array[] | null = checkBinary ? [] : null;
    let headBytes = 0;
    try {
      for await (const part of body) {
        length += part.length;
        if (length > limit) {
          throw new UploadError(
            'too_large',
            length > room
              ? `the body is larger than the ${room} bytes left of the declared upload size`
              : `a chunk may hold at most ${limit} bytes`,
          );
        }
        hash.update(part);
        for (let i = part.indexOf(10); i >= 0; i = part.indexOf(10, i + 1)) newlines++;
        if (head) {
          head.push(part);
          headBytes += part.length;
          if (headBytes >= BINARY_SAMPLE_BYTES) {
            assertText(Buffer.concat(head).subarray(0, BINARY_SAMPLE_BYTES));
            head = null;
          }
        }
        await handle.write(part);
      }
      if (head && headBytes > 0) assertText(Buffer.concat(head));
    } catch (err) {
      await handle.close();
      await rm(path, { force: true });
      if (err instanceof UploadError) throw err;
      // The client went away mid-body (or its stream broke): nothing of this chunk is kept, the upload can resume.
      throw new UploadError(
        'interrupted',
        `the request body ended early: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    await handle.close();
    return { path, length, sha256: hash.digest('base64'), newlines };
  }
}

function assertText(sample: Uint8Array): void {
  const reason = detectBinary(sample);
  if (reason)
    throw new UploadError(
      'binary',
      `this is not a text log (${reason === 'nul' ? 'it contains NUL bytes' : 'most of its bytes are not text'})`,
    );
}
