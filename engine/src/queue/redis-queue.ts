import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import {
  type ConsumeOptions,
  type JsonValue,
  linkedSignal,
  type QueueHandler,
  type QueueMessage,
  type WorkQueue,
} from './work-queue.js';

/** Options of {@link RedisStreamQueue}. */
export interface RedisStreamQueueOptions {
  /**
   * A Redis URL, or a function opening a new connection. The queue opens one for commands and one per consume() for
   * its blocking reads, and quits them all on close().
   */
  redis: string | (() => Redis);
  /** Start of the queue's keys: the stream is `${prefix}:queue`. */
  prefix: string;
  /** Consumer group that the workers share. @defaultValue 'outlier-workers' */
  group?: string;
  /** This process's name in the group. @defaultValue `${hostname}:${pid}:${6 random hex digits}` */
  consumer?: string;
  /** Longest wait of one blocking read, and the pause after a fault. @defaultValue 1000 */
  blockMs?: number;
  /** An entry whose consumer has not refreshed it for this long goes to another consumer. @defaultValue 30_000 */
  claimIdleMs?: number;
  /** How often a consumer refreshes the entries it works on; below claimIdleMs. @defaultValue claimIdleMs / 3 */
  heartbeatMs?: number;
  /** Deliveries before a message goes to the dead letters. @defaultValue 5 */
  maxDeliveries?: number;
  /** Wait before a failed message can be delivered again, to any consumer. @defaultValue 1000 */
  retryDelayMs?: number;
  /** Stream of the dead letters. @defaultValue `${prefix}:dead` */
  deadLetter?: string;
  /** Dead letters kept, roughly; older ones are trimmed. @defaultValue 10_000 */
  deadLetterMaxLength?: number;
  /** Consumers holding nothing and unseen this long leave the group (restarts leave names behind). @defaultValue 3_600_000 */
  pruneIdleMs?: number;
  /** Told of faults in background work (Redis unreachable…); consuming resumes after a pause. @defaultValue logs to stderr */
  onError?: (error: Error) => void;
}

/** A message taken by this consumer: the JSON of its data and its deliveries so far, this one included. */
interface Delivery {
  id: string;
  json: string;
  deliveries: number;
}

/** A stream entry; json is null when the entry has no `data` field (deleted, or not written by a queue). */
interface Entry {
  id: string;
  json: string | null;
}

// KEYS: stream. ARGV: group, consumer, idle ms, ids… Sets the idle time of the ids this consumer still holds; returns the others.
const TOUCH = `local lost = {}
for i = 4, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'IDLE', ARGV[3], 'JUSTID')
  else
    lost[#lost + 1] = ARGV[i]
  end
end
return lost`;

// KEYS: stream, dead letters. ARGV: group, consumer, id, data, deliveries, max length. Only the holder moves an entry.
const BURY = `local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if not p[1] or p[1][2] ~= ARGV[2] then return 0 end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', 'id', ARGV[3], 'data', ARGV[4], 'deliveries', ARGV[5])
return 1`;

// KEYS: stream. ARGV: group, idle ms. In a script so that no entry is read between the check and the removal.
const PRUNE = `local removed = 0
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local f = {}
  for i = 1, #c, 2 do f[c[i]] = c[i + 1] end
  if f['pending'] == 0 and f['idle'] > tonumber(ARGV[2]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], f['name'])
    removed = removed + 1
  end
end
return removed`;

/**
 * The queue of Redis mode: a stream read by a consumer group, so that `outlier worker` processes on several
 * machines share the work. A consumer refreshes the entries it works on every heartbeatMs; entries left alone for
 * claimIdleMs (their consumer died) are taken over with XAUTOCLAIM by the next consumer with a free slot. A failed
 * message becomes claimable after retryDelayMs. Acknowledged entries are deleted, so the stream holds only the work
 * left.
 */
export class RedisStreamQueue<T extends JsonValue> implements WorkQueue<T> {
  private readonly open: () => Redis;
  private readonly redis: Redis;
  private readonly stream: string;
  private readonly deadStream: string;
  private readonly group: string;
  private readonly consumer: string;
  private readonly blockMs: number;
  private readonly claimIdleMs: number;
  private readonly heartbeatMs: number;
  private readonly maxDeliveries: number;
  private readonly retryDelayMs: number;
  private readonly deadLetterMaxLength: number;
  private readonly pruneIdleMs: number;
  private readonly reclaimEveryMs: number;
  private readonly onError: (error: Error) => void;
  private readonly closing = new AbortController();
  private readonly consuming = new Set<Promise<void>>();
  private groupReady: Promise<void> | null = null;

  constructor({
    redis,
    prefix,
    group = 'outlier-workers',
    consumer = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    blockMs = 1000,
    claimIdleMs = 30_000,
    heartbeatMs = claimIdleMs / 3,
    maxDeliveries = 5,
    retryDelayMs = 1000,
    deadLetter = `${prefix}:dead`,
    deadLetterMaxLength = 10_000,
    pruneIdleMs = 3_600_000,
    onError = (error) => console.error(`[outlier] queue ${prefix}: ${error.message}`),
  }: RedisStreamQueueOptions) {
    if (!(heartbeatMs > 0 && heartbeatMs < claimIdleMs))
      throw new RangeError(
        `heartbeatMs (${heartbeatMs}) must be above 0 and below claimIdleMs (${claimIdleMs})`,
      );
    if (!(blockMs >= 1 && maxDeliveries >= 1))
      throw new RangeError('blockMs and maxDeliveries must be at least 1');
    this.open = () => {
      const connection = typeof redis === 'string' ? new Redis(redis) : redis();
      connection.on('error', (error: Error) => this.onError(error));
      return connection;
    };
    this.stream = `${prefix}:queue`;
    this.deadStream = deadLetter;
    this.group = group;
    this.consumer = consumer;
    this.blockMs = Math.round(blockMs);
    this.claimIdleMs = Math.round(claimIdleMs);
    this.heartbeatMs = heartbeatMs;
    this.maxDeliveries = maxDeliveries;
    this.retryDelayMs = retryDelayMs;
    this.deadLetterMaxLength = deadLetterMaxLength;
    this.pruneIdleMs = pruneIdleMs;
    this.reclaimEveryMs = Math.max(10, Math.min(claimIdleMs, retryDelayMs) / 2);
    this.onError = onError;
    this.redis = this.open();
  }

  async enqueue(data: T): Promise<string> {
    const id = await this.redis.xadd(this.stream, '*', 'data', JSON.stringify(data));
    if (id === null) throw new Error(`XADD to ${this.stream} returned no id`);
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
    return this.redis.xlen(this.stream);
  }

  async deadLetters(): Promise<QueueMessage<T>[]> {
    const entries = await this.redis.xrange(this.deadStream, '-', '+');
    return entries.map(([, fields]) => ({
      id: fieldValue(fields, 'id') ?? '',
      data: JSON.parse(fieldValue(fields, 'data') ?? 'null'),
      deliveries: Number(fieldValue(fields, 'deliveries')),
    }));
  }

  async close(): Promise<void> {
    this.closing.abort();
    await Promise.all(this.consuming);
    await quit(this.redis);
  }

  private async run(handler: QueueHandler<T>, concurrency: number, stop: AbortSignal): Promise<void> {
    if (stop.aborted) return;
    const reader = this.open();
    const held = new Map<string, AbortController>();
    const tasks = new Set<Promise<void>>();
    const report = (err: unknown) => this.onError(err instanceof Error ? err : new Error(String(err)));
    let slotFreed = () => {};
    let reading: Promise<number | null> | null = null;
    const unblock = () => {
      void reading?.then((id) => (id === null ? null : this.redis.client('UNBLOCK', id))).catch(report);
    };
    stop.addEventListener('abort', unblock, { once: true });
    const heartbeat = setInterval(() => {
      if (held.size === 0) return;
      this.touch([...held.keys()], 0).then((lost) => {
        for (const id of lost) held.get(id)?.abort();
      }, report);
    }, this.heartbeatMs);

    const start = (delivery: Delivery) => {
      const lost = new AbortController();
      const signal = linkedSignal(stop, lost.signal);
      held.set(delivery.id, lost);
      const task = this.handle(handler, delivery, signal.signal)
        .then((ok) => {
          held.delete(delivery.id);
          signal.dispose();
          return ok ? this.ack(delivery.id) : this.retryOrBury(delivery);
        })
        .catch(report)
        .finally(() => {
          tasks.delete(task);
          slotFreed();
        });
      tasks.add(task);
    };

    let cursor = '0-0';
    let nextReclaim = 0;
    let nextPrune = Date.now() + this.pruneIdleMs / 2;
    try {
      while (!stop.aborted) {
        if (tasks.size >= concurrency) {
          await new Promise<void>((resolve) => {
            slotFreed = resolve;
          });
          continue;
        }
        try {
          await this.ensureGroup();
          const free = concurrency - tasks.size;
          let batch: Delivery[] = [];
          if (Date.now() >= nextReclaim) {
            nextReclaim = Date.now() + this.reclaimEveryMs;
            ({ cursor, batch } = await this.reclaim(cursor, free));
            if (Date.now() >= nextPrune) {
              nextPrune = Date.now() + this.pruneIdleMs / 2;
              await this.redis.eval(PRUNE, 1, this.stream, this.group, this.pruneIdleMs);
            }
          }
          if (batch.length === 0 && !stop.aborted) {
            const blockMs = Math.max(1, Math.min(this.blockMs, Math.ceil(nextReclaim - Date.now())));
            const read = this.read(reader, free, blockMs);
            reading = read.clientId;
            batch = await read.deliveries.finally(() => {
              reading = null;
            });
          }
          // Taken just as consuming stopped: let the next consumer have them at once.
          if (stop.aborted)
            await this.touch(
              batch.map((d) => d.id),
              this.claimIdleMs,
            );
          else for (const delivery of batch) start(delivery);
        } catch (err) {
          report(err);
          if (err instanceof Error && err.message.startsWith('NOGROUP')) this.groupReady = null;
          await pause(this.blockMs, stop);
        }
      }
      await Promise.all(tasks);
    } finally {
      clearInterval(heartbeat);
      stop.removeEventListener('abort', unblock);
      await quit(reader);
    }
  }

  private async handle(handler: QueueHandler<T>, delivery: Delivery, signal: AbortSignal): Promise<boolean> {
    try {
      await handler(
        { id: delivery.id, data: JSON.parse(delivery.json), deliveries: delivery.deliveries },
        signal,
      );
      return true;
    } catch {
      return false;
    }
  }

  private ensureGroup(): Promise<void> {
    this.groupReady ??= this.redis.xgroup('CREATE', this.stream, this.group, '0', 'MKSTREAM').then(
      () => undefined,
      (err: unknown) => {
        if (err instanceof Error && err.message.startsWith('BUSYGROUP')) return;
        this.groupReady = null;
        throw err;
      },
    );
    return this.groupReady;
  }

  /** New entries, waiting up to blockMs; clientId lets an abort unblock the read. */
  private read(
    reader: Redis,
    count: number,
    blockMs: number,
  ): { clientId: Promise<number | null>; deliveries: Promise<Delivery[]> } {
    const clientId = reader.client('ID').catch(() => null);
    const reply = reader.xreadgroup(
      'GROUP',
      this.group,
      this.consumer,
      'COUNT',
      count,
      'BLOCK',
      blockMs,
      'STREAMS',
      this.stream,
      '>',
    );
    const deliveries = reply.then(async (streams) => {
      const entries = (streams ?? []).flatMap(([, items]) => parseEntries(items));
      return this.usable(entries.map((entry) => ({ ...entry, deliveries: 1 })));
    });
    return { clientId, deliveries };
  }

  /** Entries idle for claimIdleMs, now this consumer's, with their delivery counts. */
  private async reclaim(cursor: string, count: number): Promise<{ cursor: string; batch: Delivery[] }> {
    const reply = await this.redis.xautoclaim(
      this.stream,
      this.group,
      this.consumer,
      this.claimIdleMs,
      cursor,
      'COUNT',
      count,
    );
    const next = typeof reply[0] === 'string' ? reply[0] : '0-0';
    const entries = parseEntries(reply[1]);
    if (entries.length === 0) return { cursor: next, batch: [] };
    const pipeline = this.redis.pipeline();
    for (const { id } of entries) pipeline.xpending(this.stream, this.group, id, id, 1);
    const counts = (await pipeline.exec()) ?? [];
    const claimed = entries.map((entry, i) => ({ ...entry, deliveries: pendingCount(counts[i]?.[1]) }));
    const batch: Delivery[] = [];
    for (const delivery of await this.usable(claimed)) {
      // Its last consumer died holding it at the last allowed delivery.
      if (delivery.deliveries > this.maxDeliveries)
        await this.bury({ ...delivery, deliveries: delivery.deliveries - 1 });
      else batch.push(delivery);
    }
    return { cursor: next, batch };
  }

  /** Drops (and reports) entries that carry no data. */
  private async usable(entries: (Entry & { deliveries: number })[]): Promise<Delivery[]> {
    const out: Delivery[] = [];
    for (const { id, json, deliveries } of entries) {
      if (json !== null) out.push({ id, json, deliveries });
      else {
        this.onError(new Error(`entry ${id} of ${this.stream} has no data field; dropped`));
        await this.ack(id);
      }
    }
    return out;
  }

  private async ack(id: string): Promise<void> {
    await this.redis.multi().xack(this.stream, this.group, id).xdel(this.stream, id).exec();
  }

  private async retryOrBury(delivery: Delivery): Promise<void> {
    if (delivery.deliveries >= this.maxDeliveries) await this.bury(delivery);
    else await this.touch([delivery.id], Math.max(0, this.claimIdleMs - this.retryDelayMs));
  }

  private async bury({ id, json, deliveries }: Delivery): Promise<void> {
    await this.redis.eval(
      BURY,
      2,
      this.stream,
      this.deadStream,
      this.group,
      this.consumer,
      id,
      json,
      deliveries,
      this.deadLetterMaxLength,
    );
  }

  /** Sets how long the entries look idle, if this consumer still holds them; resolves to those it does not. */
  private async touch(ids: string[], idleMs: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const lost = await this.redis.eval(
      TOUCH,
      1,
      this.stream,
      this.group,
      this.consumer,
      Math.round(idleMs),
      ...ids,
    );
    return Array.isArray(lost) ? lost.filter((id): id is string => typeof id === 'string') : [];
  }
}

function parseEntries(reply: unknown): Entry[] {
  const items: unknown[] = Array.isArray(reply) ? reply : [];
  const entries: Entry[] = [];
  for (const item of items) {
    const parts: unknown[] = Array.isArray(item) ? item : [];
    if (typeof parts[0] === 'string') entries.push({ id: parts[0], json: fieldValue(parts[1], 'data') });
  }
  return entries;
}

function fieldValue(fields: unknown, name: string): string | null {
  const flat: unknown[] = Array.isArray(fields) ? fields : [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const value = flat[i + 1];
    if (flat[i] === name && typeof value === 'string') return value;
  }
  return null;
}

/** The delivery count in an XPENDING reply for one id. */
function pendingCount(reply: unknown): number {
  const rows: unknown[] = Array.isArray(reply) ? reply : [];
  const row: unknown[] = Array.isArray(rows[0]) ? rows[0] : [];
  return typeof row[3] === 'number' ? row[3] : 1;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

async function quit(connection: Redis): Promise<void> {
  await connection.quit().catch(() => connection.disconnect());
}
