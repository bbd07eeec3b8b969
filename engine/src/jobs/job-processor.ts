import type { WindowStats } from '../features/window-stats.js';
import { UNKNOWN_SERVICE } from '../features/window-stats.js';
import { splitLines } from '../ingest/line-splitter.js';
import type { Detection } from '../model/detection.js';
import { SEVERITIES, type Severity } from '../model/score.js';
import type { ChunkResult } from '../pipeline/chunk-scorer.js';
import type { QueueMessage, WorkQueue } from '../queue/work-queue.js';
import type { JobRecord, Store } from '../store/store.js';
import type { ChunkFiles } from './chunk-files.js';
import { type JobModel, modelForJob, REFERENCE_LINES, scorerOptions } from './job-model.js';
import { chunkReady, firstLineNumber, readLineAligned } from './line-aligned.js';
import type { FinalizePartial } from './scoring-thread.js';
import { DEFAULT_MAX_JOB_SESSIONS, SessionCap } from './session-cap.js';
import { suppressionPattern } from './suppression.js';
import type { JobTask } from './tasks.js';
import type { Scorer } from './thread-scorer.js';

/** What a scored chunk keeps for the job's end. */
interface ChunkPartial {
  windows: WindowStats[];
  sessions: ChunkResult['sessions'];
  /** Template text of the sessions' events (absent in chunks recorded before it was kept, or without sessions). */
  event_names?: ChunkResult['eventNames'];
  invalid_utf8: number;
  truncated: number;
  suppressed: number;
  /** The chunk's stored line anomalies by severity (absent in chunks recorded before it was kept). */
  by_severity?: Partial<Record<Severity, number>>;
}

/** Hooks for metrics and enrichment. */
export interface JobProcessorHooks {
  /** Anomalies were stored (not called for repeats). */
  onAnomalies?: (job: JobRecord, detections: readonly Detection[]) => void;
  /** A chunk was scored: its lines and bytes, and how long it took. */
  onChunk?: (job: JobRecord, lines: number, bytes: number, seconds: number) => void;
  /** A job reached a final state. */
  onFinished?: (job: JobRecord) => void;
}

/** Options of {@link JobProcessor}. */
export interface JobProcessorOptions {
  store: Store;
  queue: WorkQueue<JobTask>;
  scorer: Scorer;
  /** Where chunk bytes live when the store does not hold them. */
  files: ChunkFiles | null;
  /** Bytes at the head of an upload a new model trains on. @defaultValue 32 MiB */
  trainBytes?: number;
  /** @defaultValue 65_536 */
  maxLineBytes?: number;
  /** Keep the raw chunks after a job completes. @defaultValue false */
  keepChunks?: boolean;
  /** Deliveries after which a failing task fails its job. @defaultValue 5 */
  maxDeliveries?: number;
  /** Sessions a job scores at most (see {@link SessionCap}). @defaultValue {@link DEFAULT_MAX_JOB_SESSIONS} */
  maxSessions?: number;
  hooks?: JobProcessorHooks;
  seed?: number;
}

/** A job that cannot go on (bad input, not a fault): it fails with this code and message. */
export class JobInputError extends Error {
  override name = 'JobInputError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const ACTIVE = ['uploading', 'pending', 'processing'] as const;

/**
 * Chunk outcomes a job's end reads from the store at once: eight chunks of 8 MB of a log with a session id per
 * request are about 150,000 sessions.
 */
const FINALIZE_PAGE = 8;

/**
 * Drives jobs through their tasks: trains a model on an upload's head (or reuses the tenant's), scores each chunk as
 * soon as the lines it owns have arrived, and scores sessions and windows when the last chunk is in. Every step is
 * idempotent, so a task delivered twice (a worker died, a restart) changes nothing the second time.
 */
export class JobProcessor {
  private readonly store: Store;
  private readonly queue: WorkQueue<JobTask>;
  private readonly scorer: Scorer;
  private readonly files: ChunkFiles | null;
  private readonly trainBytes: number;
  private readonly maxLineBytes: number;
  private readonly keepChunks: boolean;
  private readonly maxDeliveries: number;
  private readonly maxSessions: number;
  private readonly hooks: JobProcessorHooks;
  private readonly seed: number;
  private readonly models = new Map<string, JobModel>();
  private readonly suppressions = new Map<string, { at: number; patterns: Set<string> }>();

  constructor({
    store,
    queue,
    scorer,
    files,
    trainBytes = 32 << 20,
    maxLineBytes = 65_536,
    keepChunks = false,
    maxDeliveries = 5,
    maxSessions = DEFAULT_MAX_JOB_SESSIONS,
    hooks = {},
    seed = 0x5eed,
  }: JobProcessorOptions) {
    this.store = store;
    this.queue = queue;
    this.scorer = scorer;
    this.files = files;
    this.trainBytes = trainBytes;
    this.maxLineBytes = maxLineBytes;
    this.keepChunks = keepChunks;
    this.maxDeliveries = maxDeliveries;
    this.maxSessions = maxSessions;
    this.hooks = hooks;
    this.seed = seed;
  }

  /** Queues whatever a job can do now: training, ready chunks, its end. Safe to call any number of times. */
  async schedule(jobId: string): Promise<void> {
    let job = await this.store.getJob(jobId);
    if (!job || !isActive(job)) return;
    if (
      job.status === 'uploading' &&
      !job.upload_complete &&
      job.declared_size !== null &&
      job.bytes_received >= job.declared_size
    ) {
      // The last chunk was stored but the process died before it marked the upload complete.
      const status = job.chunks_processed > 0 ? 'processing' : 'pending';
      await this.store.updateJob(job.id, { upload_complete: true, status }, ['uploading']);
      job = { ...job, upload_complete: true, status };
    }
    if (job.upload_complete && job.bytes_received === 0) {
      await this.fail(job, 'empty_input', 'the upload is empty: there are no lines to analyze');
      return;
    }
    if (job.model_version === null) {
      if (!job.options.retrain) {
        const existing = await this.store.getModel(job.tenant_id, job.source);
        if (existing) {
          await this.store.updateJob(job.id, { model_version: existing.version, train_state: 'done' });
          job = { ...job, model_version: existing.version };
        }
      }
      if (job.model_version === null) {
        if (
          (job.upload_complete || job.bytes_received >= this.trainBytes) &&
          (await this.store.claimStep(job.id, 'train_state'))
        )
          await this.queue.enqueue({ kind: 'train', job_id: job.id });
        return;
      }
    }
    const chunks = await this.store.listChunks(job.id);
    for (const c of chunks) {
      if (c.enqueued || !chunkReady(c, job.bytes_received, job.upload_complete, this.maxLineBytes)) continue;
      if (await this.store.markChunkEnqueued(job.id, c.idx))
        await this.queue.enqueue({ kind: 'chunk', job_id: job.id, idx: c.idx });
    }
    if (
      job.upload_complete &&
      job.chunks_processed === job.chunks_received &&
      (await this.store.claimStep(job.id, 'finalize_state'))
    )
      await this.queue.enqueue({ kind: 'finalize', job_id: job.id });
  }

  /** Runs one task; a task that keeps failing fails its job. */
  async handle(message: QueueMessage<JobTask>, signal: AbortSignal): Promise<void> {
    const task = message.data;
    const job = await this.store.getJob(task.job_id);
    if (!job || !isActive(job)) return;
    try {
      if (task.kind === 'train') await this.train(job, signal);
      else if (task.kind === 'chunk') await this.scoreChunk(job, task.idx);
      else await this.finalize(job);
    } catch (err) {
      if (err instanceof JobInputError) {
        await this.fail(job, err.code, err.message);
        return;
      }
      if (message.deliveries >= this.maxDeliveries) {
        await this.fail(
          job,
          'processing_failed',
          `${task.kind} failed ${message.deliveries} times: ${errorText(err)}`,
        );
        return;
      }
      throw err;
    }
  }

  /** Cancels a job; false when it had already ended. */
  async cancel(jobId: string): Promise<boolean> {
    const ok = await this.store.updateJob(jobId, { status: 'cancelled', finished_at: Date.now() }, ACTIVE);
    if (!ok) return false;
    await this.store.appendJobEvent(jobId, 'cancelled', { status: 'cancelled' });
    await this.removeChunks(jobId);
    const job = await this.store.getJob(jobId);
    if (job) this.hooks.onFinished?.(job);
    return true;
  }

  /**
   * After a restart with an in-process queue: every unfinished job's queued steps are forgotten (the queue was
   * lost with the process) and scheduled again. Steps already recorded are not redone.
   */
  async recover(): Promise<number> {
    const jobs = await this.store.listUnfinishedJobs();
    for (const job of jobs) {
      if (job.status === 'uploading' && job.declared_size === null) {
        // A streamed request body (v2) cannot be resumed: its client is gone with the connection.
        await this.fail(
          job,
          'upload_interrupted',
          'the engine restarted while this request body was being received; send it again',
        );
        continue;
      }
      await this.store.resetEnqueued(job.id);
      if (job.model_version === null && job.train_state === 'queued')
        await this.store.updateJob(job.id, { train_state: 'none' });
      if (job.finalize_state === 'queued') await this.store.updateJob(job.id, { finalize_state: 'none' });
      await this.schedule(job.id);
    }
    return jobs.length;
  }

  /** Drops the cached feedback patterns of a tenant (new feedback arrived). */
  forgetSuppressions(tenantId: string): void {
    this.suppressions.delete(tenantId);
  }

  /** Fails a job with a reason the user can act on. */
  async fail(job: JobRecord, code: string, message: string): Promise<void> {
    const ok = await this.store.updateJob(
      job.id,
      { status: 'failed', error_code: code, error_message: message, finished_at: Date.now() },
      ACTIVE,
    );
    if (!ok) return;
    await this.store.appendJobEvent(job.id, 'failed', { status: 'failed', error: { code, message } });
    await this.removeChunks(job.id);
    this.hooks.onFinished?.({ ...job, status: 'failed', error_code: code, error_message: message });
  }

  private async train(job: JobRecord, signal: AbortSignal): Promise<void> {
    const chunks = await this.store.listChunks(job.id);
    const parts: Uint8Array[] = [];
    let bytes = 0;
    for (const c of chunks) {
      if (bytes >= this.trainBytes || signal.aborted) break;
      parts.push(await this.readChunk(job.id, c.idx));
      bytes += c.length;
    }
    const { lines } = splitLines(Buffer.concat(parts), { maxLineBytes: this.maxLineBytes });
    if (lines.length > 0 && lines[lines.length - 1] !== '' && bytes < job.bytes_received) lines.pop();
    const reference = evenlySpaced(lines, REFERENCE_LINES);
    if (reference.length === 0)
      throw new JobInputError('empty_input', 'the upload has no lines to learn from');
    // The job's own lines: the model keeps their template bursts, for this job alone, and knows when they are all
    // of its lines.
    const whole = job.upload_complete && bytes >= job.bytes_received && reference.length === lines.length;
    const model = await this.scorer.train(reference, job.options, job.id, whole);
    const version = await this.store.saveModel(job.tenant_id, job.source, JSON.stringify(model));
    this.models.set(modelKey(job.tenant_id, job.source, version), model);
    await this.store.updateJob(job.id, { model_version: version, train_state: 'done' });
    await this.schedule(job.id);
  }

  private async scoreChunk(job: JobRecord, idx: number): Promise<void> {
    const version = job.model_version;
    if (version === null) throw new Error(`job ${job.id} has no model yet`);
    const started = performance.now();
    const chunks = await this.store.listChunks(job.id);
    const chunk = chunks[idx];
    const bytes = await readLineAligned(chunks, idx, (i) => this.readChunk(job.id, i), this.maxLineBytes);
    const key = modelKey(job.tenant_id, job.source, version);
    const model = await this.model(job.tenant_id, job.source, version);
    const own = model.burst_job === job.id ? ':own' : '';
    const result = await this.scorer.score(
      `${key}:${job.options.session_key ?? ''}:${job.options.threshold}:${job.options.format}${own}`,
      async () => ({
        model: modelForJob(model, job.id),
        options: scorerOptions(model, job, this.maxLineBytes),
      }),
      { seq: idx, source: job.source, startLine: firstLineNumber(chunk), bytes },
    );
    const suppressed = await this.suppressed(job.tenant_id);
    const detections: Detection[] = [];
    let dropped = 0;
    for (const d of result.top) {
      const stored = this.adopt(job, d);
      if (suppressed.has(suppressionPattern(stored))) dropped++;
      else detections.push(stored);
    }
    const partial: ChunkPartial = {
      windows: result.windows.map((w) =>
        w.service === UNKNOWN_SERVICE && job.options.service ? { ...w, service: job.options.service } : w,
      ),
      sessions: result.sessions,
      ...(result.sessions.length > 0 ? { event_names: result.eventNames } : {}),
      invalid_utf8: result.invalidUtf8,
      truncated: result.truncated,
      suppressed: dropped,
      by_severity: countBySeverity(detections),
    };
    const first = await this.store.recordChunk(
      job.id,
      idx,
      { lines: result.lines, bytes: chunk.length, partial },
      detections,
    );
    if (!first) return;
    if (job.status === 'pending') await this.store.updateJob(job.id, { status: 'processing' }, ['pending']);
    const after = (await this.store.getJob(job.id)) ?? job;
    this.hooks.onChunk?.(after, result.lines, chunk.length, (performance.now() - started) / 1000);
    if (detections.length > 0) {
      this.hooks.onAnomalies?.(after, detections);
      await this.store.appendJobEvent(job.id, 'anomalies', {
        chunk: idx,
        count: detections.length,
        items: [...detections].sort((a, b) => b.score - a.score).slice(0, 20),
      });
    }
    await this.store.appendJobEvent(job.id, 'progress', progressOf(after));
    await this.schedule(job.id);
  }

  private async finalize(job: JobRecord): Promise<void> {
    let lines = 0;
    let invalidUtf8 = 0;
    let truncated = 0;
    let suppressedCount = 0;
    const lineSeverities: Record<Severity, number> = { low: 0, medium: 0, high: 0, critical: 0 };
    // Sessions are held until the end, in a bounded heap: past the cap, a job's later sessions are left out (and
    // counted in its summary) rather than running the scoring thread out of memory.
    const cap = new SessionCap(this.maxSessions);
    const store = this.store;
    // The chunks' partials are read a page at a time and handed on: no thread holds all of a long job's.
    async function* batches() {
      for (let after = -1; ; ) {
        const page = await store.listChunkOutcomes(job.id, { after, limit: FINALIZE_PAGE });
        if (page.length === 0) return;
        after = page[page.length - 1].idx;
        const partials: FinalizePartial[] = [];
        for (const o of page) {
          const p = o.partial as ChunkPartial;
          lines += o.lines;
          invalidUtf8 += p.invalid_utf8;
          truncated += p.truncated;
          suppressedCount += p.suppressed;
          for (const s of SEVERITIES) lineSeverities[s] += p.by_severity?.[s] ?? 0;
          partials.push({ windows: p.windows, sessions: cap.admit(p.sessions), eventNames: p.event_names });
        }
        yield partials;
      }
    }
    // Sessions and windows are scored on a scoring thread: the process's own thread keeps serving the API.
    const result = await this.scorer.finalize({
      source: job.source,
      batches: batches(),
      options: {
        tenant: job.tenant_id,
        threshold: job.options.threshold,
        seed: this.seed,
        windowMs: 60_000,
        sessions: Boolean(job.options.session_key),
        idPrefix: `${job.id}:`,
      },
    });
    const suppressed = await this.suppressed(job.tenant_id);
    const found: Detection[] = [];
    for (const d of result.detections) {
      if (suppressed.has(suppressionPattern(d))) suppressedCount++;
      else found.push(job.options.service && d.service === null ? { ...d, service: job.options.service } : d);
    }
    await this.store.insertDetections(job.id, found);
    const current = (await this.store.getJob(job.id)) ?? job;
    const bySeverity = countBySeverity(found);
    for (const s of SEVERITIES) bySeverity[s] += lineSeverities[s];
    const kinds = { line: current.anomalies_found, session: 0, window: 0 };
    for (const d of found) {
      if (d.kind === 'session') kinds.session++;
      else if (d.kind === 'window') kinds.window++;
    }
    const model =
      current.model_version === null
        ? null
        : await this.model(job.tenant_id, job.source, current.model_version);
    const summary = {
      format: model?.format ?? null,
      templates: model?.templates ?? null,
      reference_lines: model?.reference_lines ?? null,
      model_version: current.model_version,
      lines,
      sessions: result.sessions,
      sessions_not_scored: cap.sessionsLeftOut,
      session_lines_not_scored: cap.linesLeftOut,
      windows: result.windows,
      invalid_utf8: invalidUtf8,
      truncated_lines: truncated,
      suppressed_by_feedback: suppressedCount,
      anomalies: kinds,
      by_severity: bySeverity,
    };
    const ok = await this.store.updateJob(
      job.id,
      {
        status: 'completed',
        anomalies_found: current.anomalies_found + found.length,
        finalize_state: 'done',
        summary,
        finished_at: Date.now(),
      },
      ACTIVE,
    );
    if (!ok) return;
    if (found.length > 0) {
      this.hooks.onAnomalies?.(current, found);
      await this.store.appendJobEvent(job.id, 'anomalies', {
        count: found.length,
        items: [...found].sort((a, b) => b.score - a.score).slice(0, 20),
      });
    }
    const done = (await this.store.getJob(job.id)) ?? current;
    await this.store.appendJobEvent(job.id, 'completed', { ...progressOf(done), summary });
    if (!this.keepChunks) await this.removeChunks(job.id);
    this.hooks.onFinished?.(done);
  }

  /** Gives a chunk's detection its job-scoped id and the job's default service. */
  private adopt(job: JobRecord, d: Detection): Detection {
    return {
      ...d,
      id: `${job.id}:${d.id}`,
      service: d.service ?? job.options.service,
    };
  }

  private async readChunk(jobId: string, idx: number): Promise<Uint8Array> {
    if (this.store.holdsChunkData) {
      const data = await this.store.readChunkData(jobId, idx);
      if (!data) throw new Error(`chunk ${idx} of job ${jobId} has no data`);
      return data;
    }
    if (!this.files) throw new Error('no chunk files configured');
    return this.files.read(jobId, idx);
  }

  private async removeChunks(jobId: string): Promise<void> {
    await this.store.deleteChunkData(jobId);
    await this.files?.remove(jobId);
  }

  private async model(tenantId: string, source: string, version: number): Promise<JobModel> {
    const key = modelKey(tenantId, source, version);
    const cached = this.models.get(key);
    if (cached) return cached;
    const stored = await this.store.getModel(tenantId, source, version);
    if (!stored) throw new Error(`model ${key} is missing`);
    const model = JSON.parse(stored.state) as JobModel;
    this.models.set(key, model);
    if (this.models.size > 32) this.models.delete(this.models.keys().next().value as string);
    return model;
  }

  private async suppressed(tenantId: string): Promise<Set<string>> {
    const cached = this.suppressions.get(tenantId);
    if (cached && Date.now() - cached.at < 2_000) return cached.patterns;
    const patterns = new Set(await this.store.listSuppressions(tenantId));
    this.suppressions.set(tenantId, { at: Date.now(), patterns });
    return patterns;
  }
}

/** The progress fields of a job, as events and the status route report them. */
export function progressOf(job: JobRecord): Record<string, unknown> {
  return {
    status: job.status,
    progress: progressFraction(job),
    bytes_received: job.bytes_received,
    bytes_processed: job.bytes_processed,
    lines_processed: job.lines_processed,
    chunks_processed: job.chunks_processed,
    total_chunks: job.upload_complete ? job.chunks_received : null,
    anomalies_found: job.anomalies_found,
  };
}

/** Share of the work done, 0–1: bytes scored over bytes announced (or received, when the size is unknown). */
export function progressFraction(job: JobRecord): number {
  if (job.status === 'completed') return 1;
  const total = job.declared_size ?? job.bytes_received;
  if (total <= 0) return 0;
  // The last 1% is the job's end (sessions and windows).
  return Math.min(0.99, (job.bytes_processed / total) * 0.99);
}

function isActive(job: JobRecord): boolean {
  return (ACTIVE as readonly string[]).includes(job.status);
}

function modelKey(tenantId: string, source: string, version: number): string {
  return `${tenantId}\u0000${source}\u0000${version}`;
}

function evenlySpaced<T>(items: readonly T[], k: number): T[] {
  if (items.length <= k) return [...items];
  const out: T[] = [];
  for (let i = 0; i < k; i++) out.push(items[Math.floor((i * items.length) / k)]);
  return out;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** How many of the detections have each severity. */
function countBySeverity(detections: readonly Detection[]): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const d of detections) if (d.severity) counts[d.severity]++;
  return counts;
}
