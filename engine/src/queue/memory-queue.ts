import {
  type ConsumeOptions,
  type JsonValue,
  linkedSignal,
  type QueueHandler,
  type QueueMessage,
  type WorkQueue,
} from './work-queue.js';

/** Options of {@link MemoryQueue}. */
export interface MemoryQueueOptions {
  /** Deliveries before a message goes to the dead letters. @defaultValue 5 */
  maxDeliveries?: number;
  /** Wait before a failed message is delivered again. @defaultValue 1000 */
  retryDelayMs?: number;
}

/** A message at rest: kept as JSON so that every delivery gets a fresh copy, as from Redis. */
interface Stored {
  id: string;
  json: string;
  deliveries: number;
}

/** The in-process queue of the embedded default: same delivery rules as the Redis one, gone with the process. */
export class MemoryQueue<T extends JsonValue> implements WorkQueue<T> {
  private readonly waiting: Stored[] = [];
  private readonly retrying = new Map<NodeJS.Timeout, Stored>();
  private readonly dead: Stored[] = [];
  private readonly wakers = new Set<() => void>();
  private readonly consuming = new Set<Promise<void>>();
  private readonly closing = new AbortController();
  private readonly maxDeliveries: number;
  private readonly retryDelayMs: number;
  private inWork = 0;
  private nextId = 1;

  constructor({ maxDeliveries = 5, retryDelayMs = 1000 }: MemoryQueueOptions = {}) {
    this.maxDeliveries = maxDeliveries;
    this.retryDelayMs = retryDelayMs;
  }

  async enqueue(data: T): Promise<string> {
    const id = String(this.nextId++);
    this.push({ id, json: JSON.stringify(data), deliveries: 0 });
    return id;
  }

  async consume(handler: QueueHandler<T>, { concurrency = 1, signal }: ConsumeOptions): Promise<void> {
    const stop = linkedSignal(signal, this.closing.signal);
    const run = this.run(handler, concurrency, stop.signal).finally(stop.dispose);
    this.consuming.add(run);
    try {
      await run;
    } finally {
      this.consuming.delete(run);
    }
  }

  async depth(): Promise<number> {
    return this.waiting.length + this.inWork + this.retrying.size;
  }

  async deadLetters(): Promise<QueueMessage<T>[]> {
    return this.dead.map((stored) => this.message(stored));
  }

  async close(): Promise<void> {
    this.closing.abort();
    for (const [timer, stored] of this.retrying) {
      clearTimeout(timer);
      this.waiting.push(stored);
    }
    this.retrying.clear();
    await Promise.all(this.consuming);
  }

  private async run(handler: QueueHandler<T>, concurrency: number, stop: AbortSignal): Promise<void> {
    const running = new Set<Promise<void>>();
    while (!stop.aborted) {
      const next = running.size < concurrency ? this.waiting.shift() : undefined;
      if (!next) {
        await this.nextChange(stop);
        continue;
      }
      this.inWork++;
      const task = this.deliver(handler, { ...next, deliveries: next.deliveries + 1 }, stop).then(() => {
        this.inWork--;
        running.delete(task);
        this.wake();
      });
      running.add(task);
    }
    await Promise.all(running);
  }

  private async deliver(handler: QueueHandler<T>, stored: Stored, signal: AbortSignal): Promise<void> {
    try {
      await handler(this.message(stored), signal);
    } catch {
      if (stored.deliveries >= this.maxDeliveries) this.dead.push(stored);
      else this.retryLater(stored);
    }
  }

  private message({ id, json, deliveries }: Stored): QueueMessage<T> {
    return { id, data: JSON.parse(json), deliveries };
  }

  private retryLater(stored: Stored): void {
    if (this.closing.signal.aborted) {
      this.waiting.push(stored);
      return;
    }
    const timer = setTimeout(() => {
      this.retrying.delete(timer);
      this.push(stored);
    }, this.retryDelayMs);
    this.retrying.set(timer, stored);
  }

  private push(stored: Stored): void {
    this.waiting.push(stored);
    this.wake();
  }

  private wake(): void {
    const wakers = [...this.wakers];
    this.wakers.clear();
    for (const wake of wakers) wake();
  }

  /** Resolves when a message arrives, a handler finishes, or stop aborts. */
  private nextChange(stop: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.wakers.delete(wake);
        stop.removeEventListener('abort', wake);
        resolve();
      };
      this.wakers.add(wake);
      stop.addEventListener('abort', wake, { once: true });
    });
  }
}
