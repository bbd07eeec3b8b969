import { Worker } from 'node:worker_threads';
import type { ScoreAggregateOptions } from '../pipeline/aggregate.js';
import type { ChunkResult, ChunkScorerOptions, ChunkTask } from '../pipeline/chunk-scorer.js';
import { SCORING_YOUNG_GENERATION_MB } from '../pipeline/worker-pool.js';
import type { JobOptions } from '../store/store.js';
import type { JobModel } from './job-model.js';
import type { FinalizePartial, FinalizeResult, ScoringReply, ScoringRequest } from './scoring-thread.js';

/** Trains models and scores chunks, off the caller's thread. */
export interface Scorer {
  /**
   * Trains a model; `burstJob` names the job whose own lines these are, `whole` says they are all of its lines (see
   * `trainJobModel`).
   */
  train(
    lines: string[],
    options: Pick<JobOptions, 'format' | 'log_format'>,
    burstJob?: string | null,
    whole?: boolean,
  ): Promise<JobModel>;
  /** Scores a chunk against the model named `key` (loaded with `load` the first time a thread needs it). */
  score(
    key: string,
    load: () => Promise<{ model: JobModel; options: ChunkScorerOptions }>,
    task: ChunkTask,
  ): Promise<ChunkResult>;
  /** Scores a job's sessions and windows from its chunks' partials. */
  finalize(job: FinalizeJob): Promise<FinalizeResult>;
  close(): Promise<void>;
}

/** A job's end: its chunks' partials in chunk order, a batch at a time (so that no one holds them all). */
export interface FinalizeJob {
  source: string;
  options: ScoreAggregateOptions;
  batches: Iterable<FinalizePartial[]> | AsyncIterable<FinalizePartial[]>;
}

/** Chunk partials sent to a scoring thread in one message at the end of a job (see {@link ThreadScorer.finalize}). */
export const FINALIZE_BATCH = 64;

/**
 * Sessions sent to a scoring thread in one message at the end of a job, at most (unless one chunk has more): the 36
 * chunks of a 300 MB upload with a session id per request went as one message of about 650,000 sessions, and the
 * thread ran out of heap reading it, which took the whole process down.
 */
export const FINALIZE_BATCH_SESSIONS = 20_000;

/** A fault inside a scoring thread. */
export class ScoringThreadError extends Error {
  override name = 'ScoringThreadError';
}

interface Slot {
  worker: Worker | null;
  busy: boolean;
  pending: Map<number, (reply: ScoringReply) => void>;
}

/**
 * A pool of worker threads that train and score for many jobs at once, each thread keeping the last few models
 * it used. A request waits for an idle thread, so at most `size` chunks are in work at any time.
 */
export class ThreadScorer implements Scorer {
  private readonly slots: Slot[] = [];
  private readonly waiting: ((slot: Slot) => void)[] = [];
  private nextId = 1;
  private closed = false;

  /**
   * @param size - threads
   * @param url - the thread's script; tests running TypeScript sources pass the built one
   */
  constructor(size: number, url: URL = new URL('./scoring-thread.js', import.meta.url)) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn(url));
  }

  async train(
    lines: string[],
    options: Pick<JobOptions, 'format' | 'log_format'>,
    burstJob: string | null = null,
    whole = false,
  ): Promise<JobModel> {
    const reply = await this.request((id) => ({ id, type: 'train', lines, options, burstJob, whole }));
    if (!reply.ok || !reply.model)
      throw new ScoringThreadError(reply.ok ? 'no model came back' : reply.message);
    return reply.model;
  }

  /**
   * Scores a job's sessions and windows on one thread, its chunks' partials sent as its batches come, at most
   * {@link FINALIZE_BATCH} and about {@link FINALIZE_BATCH_SESSIONS} sessions at a time: a job of thousands of chunks,
   * or of hundreds of thousands of sessions, sent in one message was more than the thread's heap holds.
   */
  async finalize(job: FinalizeJob): Promise<FinalizeResult> {
    const slot = await this.acquire();
    try {
      const run = this.nextId;
      for await (const partials of job.batches) {
        for (let at = 0; at < partials.length; ) {
          const end = batchEnd(partials, at);
          const reply = await this.send(slot, {
            id: this.nextId++,
            type: 'merge',
            run,
            source: job.source,
            partials: partials.slice(at, end),
            windowMs: job.options.windowMs,
          });
          if (!reply.ok) throw new ScoringThreadError(reply.message);
          at = end;
        }
      }
      const reply = await this.send(slot, {
        id: this.nextId++,
        type: 'finalize',
        run,
        options: job.options,
      });
      if (!reply.ok || !reply.final)
        throw new ScoringThreadError(reply.ok ? 'no result came back' : reply.message);
      return reply.final;
    } finally {
      this.release(slot);
    }
  }

  async score(
    key: string,
    load: () => Promise<{ model: JobModel; options: ChunkScorerOptions }>,
    task: ChunkTask,
  ): Promise<ChunkResult> {
    const slot = await this.acquire();
    try {
      let loaded: { model: JobModel; options: ChunkScorerOptions } | null = null;
      for (;;) {
        const id = this.nextId++;
        const req: ScoringRequest = {
          id,
          type: 'score',
          key,
          model: loaded?.model ?? null,
          options: loaded?.options ?? null,
          task,
        };
        const reply = await this.send(slot, req);
        if (reply.ok && reply.result) return reply.result;
        if (!reply.ok && reply.missingModel && !loaded) {
          loaded = await load();
          continue;
        }
        throw new ScoringThreadError(reply.ok ? 'no result came back' : reply.message);
      }
    } finally {
      this.release(slot);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker?.terminate()));
  }

  private spawn(url: URL): Slot {
    const slot: Slot = { worker: null, busy: false, pending: new Map() };
    this.attach(slot, url);
    return slot;
  }

  private attach(slot: Slot, url: URL): void {
    const worker = new Worker(url, {
      resourceLimits: { maxOldGenerationSizeMb: 384, maxYoungGenerationSizeMb: SCORING_YOUNG_GENERATION_MB },
    });
    slot.worker = worker;
    worker.on('message', (reply: ScoringReply) => {
      const done = slot.pending.get(reply.id);
      slot.pending.delete(reply.id);
      done?.(reply);
    });
    let failed = false;
    const fail = (message: string) => {
      if (failed) return;
      failed = true;
      for (const [id, done] of slot.pending) done({ id, ok: false, message });
      slot.pending.clear();
      // A thread that died (out of memory, a bug) is replaced so that the pool keeps its size.
      if (!this.closed) this.attach(slot, url);
    };
    worker.on('error', (err) => fail(`scoring thread failed: ${err.message}`));
    worker.on('exit', (code) => fail(`scoring thread exited with code ${code}`));
  }

  private async request(make: (id: number) => ScoringRequest): Promise<ScoringReply> {
    const slot = await this.acquire();
    try {
      return await this.send(slot, make(this.nextId++));
    } finally {
      this.release(slot);
    }
  }

  private send(slot: Slot, req: ScoringRequest): Promise<ScoringReply> {
    return new Promise((resolve) => {
      slot.pending.set(req.id, resolve);
      if (slot.worker) slot.worker.postMessage(req);
      else resolve({ id: req.id, ok: false, message: 'the scoring thread is gone' });
    });
  }

  private acquire(): Promise<Slot> {
    if (this.closed) return Promise.reject(new ScoringThreadError('the scorer is closed'));
    const idle = this.slots.find((s) => !s.busy);
    if (idle) {
      idle.busy = true;
      return Promise.resolve(idle);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(slot: Slot): void {
    slot.busy = false;
    this.handOver(slot);
  }

  private handOver(slot: Slot): void {
    const next = this.waiting.shift();
    if (next) {
      slot.busy = true;
      next(slot);
    }
  }
}

/** Where the batch of partials starting at `at` ends (exclusive): see {@link FINALIZE_BATCH_SESSIONS}. */
export function batchEnd(partials: readonly FinalizePartial[], at: number): number {
  let end = at;
  let sessions = 0;
  while (end < partials.length && end - at < FINALIZE_BATCH) {
    sessions += partials[end].sessions.length;
    if (sessions > FINALIZE_BATCH_SESSIONS && end > at) break;
    end++;
  }
  return end;
}
