import { Worker } from 'node:worker_threads';
import type { ChunkResult, ChunkTask } from './chunk-scorer.js';
import type { ScoreWorkerData, ScoreWorkerMessage, ScoreWorkerReply } from './score-worker.js';

/**
 * Young generation of a scoring thread, MB (V8 gives workers 48). A chunk's garbage dies young either way, and with a
 * third of the space the 1 GB bench peaks about 40 MB lower at the same speed (446 against 479–490 MB, three runs
 * each; 8 MB went lower still but looked slower).
 */
export const SCORING_YOUNG_GENERATION_MB = 16;

/** A fault inside a scoring worker (a bug, not bad input: bad input is handled line by line). */
export class WorkerFailedError extends Error {
  override name = 'WorkerFailedError';
}

interface Pending {
  task: ChunkTask;
  resolve: (r: ChunkResult) => void;
  reject: (e: Error) => void;
}

/**
 * A fixed pool of scoring workers (worker_threads). The workers start as soon as the pool is made, so that they
 * load while the model is trained; {@link ScoringPool.start} then hands them the model. Tasks go to the first
 * idle worker; results come back through the promise of each task, so the caller decides the order in which it
 * consumes them.
 */
export class ScoringPool {
  /** Number of workers. */
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private started = false;
  private closed = false;
  /** Why the pool can no longer score (a worker failed or exited). */
  private failure: WorkerFailedError | null = null;

  constructor(size: number) {
    this.size = size;
    const url = new URL('./score-worker.js', import.meta.url);
    for (let i = 0; i < size; i++) {
      // A bounded heap keeps each worker's memory flat however large the input: its work is one chunk at a time.
      const worker = new Worker(url, {
        resourceLimits: {
          maxOldGenerationSizeMb: 256,
          maxYoungGenerationSizeMb: SCORING_YOUNG_GENERATION_MB,
        },
      });
      worker.on('message', (reply: ScoreWorkerReply) => this.onReply(worker, reply));
      worker.on('error', (err) => this.onFailure(worker, err));
      worker.on('exit', (code) => {
        if (!this.closed)
          this.onFailure(worker, new WorkerFailedError(`scoring worker exited with code ${code}`));
      });
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  /** Hands every worker the model and options that each task is scored with; once, before any task. */
  start(data: ScoreWorkerData): void {
    if (this.started) throw new Error('the scoring pool has already started');
    this.started = true;
    const message: ScoreWorkerMessage = { init: data };
    for (const worker of this.workers) worker.postMessage(message);
    this.dispatch();
  }

  /** Scores a chunk on the next free worker. The chunk's bytes are transferred, not copied. */
  run(task: ChunkTask): Promise<ChunkResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    this.closed = true;
    const workers = this.workers.splice(0);
    this.idle.length = 0;
    this.busy.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private dispatch(): void {
    if (!this.started) return;
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop() as Worker;
      const pending = this.queue.shift() as Pending;
      this.busy.set(worker, pending);
      const { bytes, outputMemory } = pending.task;
      const transfer = [bytes.buffer as ArrayBuffer];
      if (outputMemory) transfer.push(outputMemory);
      const message: ScoreWorkerMessage = { task: pending.task };
      worker.postMessage(message, transfer);
    }
  }

  private onReply(worker: Worker, reply: ScoreWorkerReply): void {
    const pending = this.busy.get(worker);
    this.busy.delete(worker);
    this.idle.push(worker);
    if (pending) {
      if (reply.ok) pending.resolve(reply.result);
      else pending.reject(new WorkerFailedError(`scoring chunk ${reply.seq} failed: ${reply.message}`));
    }
    this.dispatch();
  }

  private onFailure(worker: Worker, err: Error): void {
    const failure = err instanceof WorkerFailedError ? err : new WorkerFailedError(err.message);
    this.failure ??= failure;
    const idleAt = this.idle.indexOf(worker);
    if (idleAt >= 0) this.idle.splice(idleAt, 1);
    const pending = this.busy.get(worker);
    this.busy.delete(worker);
    pending?.reject(failure);
    for (const p of this.queue.splice(0))
      p.reject(new WorkerFailedError(`scoring worker failed: ${failure.message}`));
  }
}
