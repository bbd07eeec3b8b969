/**
 * A JSON value: what queue messages carry. Object members may be undefined (optional fields), as JSON drops them.
 * Message shapes should be `type` aliases: an `interface` is not assignable to the object member of this union.
 */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue | undefined };

/** A message as delivered to a handler. */
export interface QueueMessage<T> {
  /** Stays the same across redeliveries. */
  id: string;
  /** A fresh copy of what was enqueued, as it survives a JSON round trip. */
  data: T;
  /** How many times it has been delivered, this time included. */
  deliveries: number;
}

/**
 * Processes one message; resolving acknowledges it, throwing has it delivered again later. The signal aborts when
 * consumption stops or, with Redis, when another consumer took the message over: stop the work then.
 */
export type QueueHandler<T> = (message: QueueMessage<T>, signal: AbortSignal) => Promise<void>;

/** Options of {@link WorkQueue.consume}. */
export interface ConsumeOptions {
  /** Handlers running at once. @defaultValue 1 */
  concurrency?: number;
  /** Stops consuming: no new deliveries, running handlers are awaited. */
  signal: AbortSignal;
}

/**
 * A queue of work shared by consumers: in-process ({@link MemoryQueue}) or Redis Streams ({@link RedisStreamQueue}),
 * with the same delivery rules. Delivery is at least once, so handlers must be idempotent.
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * const done = queue.consume(async ({ data }, signal) => score(data, signal), { concurrency: 4, signal: stop.signal });
 * await queue.enqueue({ kind: 'chunk', job_id: 'j1', idx: 0 });
 * stop.abort();
 * await done;
 * await queue.close();
 * ```
 */
export interface WorkQueue<T extends JsonValue> {
  /** Adds a message; resolves to its id. */
  enqueue(data: T): Promise<string>;
  /**
   * Delivers messages to handler until signal aborts (then waits for running handlers and resolves). A message is
   * acknowledged when the handler resolves; when it throws or its consumer dies it is delivered again later, up to
   * maxDeliveries, then moved to a dead-letter list (observable via deadLetters()).
   */
  consume(handler: QueueHandler<T>, options: ConsumeOptions): Promise<void>;
  /** Messages waiting plus in progress. */
  depth(): Promise<number>;
  /** Messages given up on, oldest first, with the deliveries they had. */
  deadLetters(): Promise<QueueMessage<T>[]>;
  /** Stops every consume() of this queue, waits for them, and releases the queue's resources. */
  close(): Promise<void>;
}

/** A signal that aborts with either of two (a consumer's and its queue's); dispose() detaches it from them. */
export function linkedSignal(a: AbortSignal, b: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (a.aborted || b.aborted) abort();
  a.addEventListener('abort', abort, { once: true });
  b.addEventListener('abort', abort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      a.removeEventListener('abort', abort);
      b.removeEventListener('abort', abort);
    },
  };
}
