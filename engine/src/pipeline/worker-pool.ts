import { Worker } from 'node:worker_threads';
import type { ChunkResult, ChunkTask } from './chunk-scorer.js';
import type { ScoreWorkerData, ScoreWorkerReply } from './score-worker.js';

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
 * A fixed pool of scoring workers (worker_threads). Tasks are handed to the first idle worker; results come back
 * through the promise of each task, so the caller decides the order in which it consumes them.
 */
export class ScoringPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private closed = false;

  /** Number of workers. */
  get size(): number {
    return this.idle.length + this.busy.size;
  }

  constructor(size: number, data: ScoreWorkerData) {
    const url = new URL('./score-worker.js', import.meta.url);
    for (let i = 0; i < size; i++) {
      // A bounded heap keeps each worker's memory flat however large the input: its work is one chunk at a time.
      const worker = new Worker(url, { workerData: data, resourceLimits: { maxOldGenerationSizeMb: 256 } });
      worker.on('message', (reply: ScoreWorkerReply) => this.onReply(worker, reply));
      worker.on('error', (err) => this.onFailure(worker, err));
      worker.on('exit', (code) => {
        if (!this.closed)
          this.onFailure(worker, new WorkerFailedError(`scoring worker exited with code ${code}`));
      });
      this.idle.push(worker);
    }
  }

  /** Scores a chunk on the next free worker. The chunk's bytes are transferred, not copied. */
  run(task: ChunkTask): Promise<ChunkResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.idle, ...this.busy.keys()].map((w) => w.terminate()));
    this.idle.length = 0;
    this.busy.clear();
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop() as Worker;
      const pending = this.queue.shift() as Pending;
      this.busy.set(worker, pending);
      const { bytes, outputMemory } = pending.task;
      const transfer = [bytes.buffer as ArrayBuffer];
      if (outputMemory) transfer.push(outputMemory);
      worker.postMessage(pending.task, transfer);
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
    const pending = this.busy.get(worker);
    this.busy.delete(worker);
    pending?.reject(err instanceof WorkerFailedError ? err : new WorkerFailedError(err.message));
    for (const p of this.queue.splice(0))
      p.reject(new WorkerFailedError(`scoring worker failed: ${err.message}`));
  }
}
