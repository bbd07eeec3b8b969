import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryQueue } from '../engine/src/queue/memory-queue.js';
import { RedisStreamQueue, type RedisStreamQueueOptions } from '../engine/src/queue/redis-queue.js';
import type { QueueHandler, QueueMessage, WorkQueue } from '../engine/src/queue/work-queue.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const GROUP = 'outlier-workers';
const CLAIM_IDLE_MS = 500;
const RETRY_DELAY_MS = 50;

type Task = { n: number; tag?: string; nested?: { list: (number | null)[] } };

/** Options that both queues take, and the Redis queue's own (ignored by the memory queue). */
type QueueOptions = { maxDeliveries?: number } & Partial<Omit<RedisStreamQueueOptions, 'redis' | 'prefix'>>;

let prefix = '';
let opened: WorkQueue<Task>[] = [];
let children: ChildProcess[] = [];
let redis: Redis;

beforeEach(() => {
  prefix = `outlier-test:queue:${randomUUID()}`;
  opened = [];
  children = [];
  redis = new Redis(REDIS_URL);
});

afterEach(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(opened.map((q) => q.close()));
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 100);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
});

const FIXTURES: { name: string; open: (options?: QueueOptions) => WorkQueue<Task> }[] = [
  {
    name: 'MemoryQueue',
    open: ({ maxDeliveries } = {}) =>
      track(new MemoryQueue<Task>({ maxDeliveries, retryDelayMs: RETRY_DELAY_MS })),
  },
  { name: 'RedisStreamQueue', open: (options = {}) => openRedis(options) },
];

function openRedis(options: QueueOptions = {}): RedisStreamQueue<Task> {
  return track(
    new RedisStreamQueue<Task>({
      redis: REDIS_URL,
      prefix,
      blockMs: 100,
      claimIdleMs: CLAIM_IDLE_MS,
      retryDelayMs: RETRY_DELAY_MS,
      ...options,
    }),
  );
}

function track<Q extends WorkQueue<Task>>(queue: Q): Q {
  opened.push(queue);
  return queue;
}

/** Consumes until stop() (which resolves when consume() does). */
function consuming(queue: WorkQueue<Task>, handler: QueueHandler<Task>, concurrency = 1) {
  const controller = new AbortController();
  const done = queue.consume(handler, { concurrency, signal: controller.signal });
  return {
    done,
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

const settle = { timeout: 5_000, interval: 10 };

describe.each(FIXTURES)('work queue contract: $name', ({ open }) => {
  it('delivers every message once, with its data, when handlers succeed', async () => {
    const queue = open();
    for (const n of range(10)) await queue.enqueue({ n });
    const seen: QueueMessage<Task>[] = [];
    const consumer = consuming(queue, async (m) => void seen.push(m), 3);
    for (const n of range(10)) await queue.enqueue({ n: n + 10, nested: { list: [n, null] } });
    await vi.waitFor(() => expect(seen).toHaveLength(20), settle);
    await sleep(200);
    await consumer.stop();

    expect(seen.map((m) => m.data.n).sort((a, b) => a - b)).toEqual(range(20));
    expect(new Set(seen.map((m) => m.id)).size).toBe(20);
    expect(seen.every((m) => m.deliveries === 1)).toBe(true);
    expect(seen.find((m) => m.data.n === 13)?.data).toEqual({ n: 13, nested: { list: [3, null] } });
    expect(await queue.depth()).toBe(0);
    expect(await queue.deadLetters()).toEqual([]);
  });

  it('runs at most `concurrency` handlers at once, and uses them all', async () => {
    const queue = open();
    for (const n of range(9)) await queue.enqueue({ n });
    let running = 0;
    let most = 0;
    let done = 0;
    const consumer = consuming(
      queue,
      async () => {
        most = Math.max(most, ++running);
        await sleep(60);
        running--;
        done++;
      },
      3,
    );
    await vi.waitFor(() => expect(done).toBe(9), settle);
    await consumer.stop();
    expect(most).toBe(3);
  });

  it('redelivers a message whose handler throws, then dead-letters it after maxDeliveries', async () => {
    const queue = open({ maxDeliveries: 3 });
    const poison = await queue.enqueue({ n: 1, tag: 'poison' });
    const flaky = await queue.enqueue({ n: 2, tag: 'flaky' });
    const seen: (QueueMessage<Task> & { at: number })[] = [];
    const consumer = consuming(queue, async (m) => {
      seen.push({ ...m, at: Date.now() });
      if (m.data.tag === 'poison' || m.deliveries === 1) throw new Error(`fails on delivery ${m.deliveries}`);
    });
    await vi.waitFor(async () => expect(await queue.deadLetters()).toHaveLength(1), settle);
    await sleep(RETRY_DELAY_MS * 4);
    await consumer.stop();

    const poisoned = seen.filter((m) => m.id === poison);
    expect(poisoned.map((m) => m.deliveries)).toEqual([1, 2, 3]);
    // Back after retryDelayMs, well before a Redis consumer would be presumed dead (claimIdleMs).
    for (const [before, after] of [poisoned.slice(0, 2), poisoned.slice(1, 3)]) {
      expect(after.at - before.at).toBeGreaterThanOrEqual(RETRY_DELAY_MS - 5);
      expect(after.at - before.at).toBeLessThan(CLAIM_IDLE_MS - 100);
    }
    expect(seen.filter((m) => m.id === flaky).map((m) => m.deliveries)).toEqual([1, 2]);
    expect(await queue.deadLetters()).toEqual([{ id: poison, data: { n: 1, tag: 'poison' }, deliveries: 3 }]);
    expect(await queue.depth()).toBe(0);
  });

  it('stops taking messages on abort and resolves once running handlers finish', async () => {
    const queue = open();
    await queue.enqueue({ n: 1 });
    await queue.enqueue({ n: 2 });
    const seen: number[] = [];
    let handlerSignal: AbortSignal | null = null;
    let release = () => {};
    const consumer = consuming(queue, async (m, signal) => {
      seen.push(m.data.n);
      handlerSignal = signal;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await vi.waitFor(() => expect(seen).toEqual([1]), settle);
    let resolved = false;
    const stopped = consumer.stop().then(() => {
      resolved = true;
    });
    await sleep(150);
    expect(resolved).toBe(false);
    expect(handlerSignal).toMatchObject({ aborted: true });
    release();
    await stopped;

    expect(seen).toEqual([1]);
    expect(await queue.depth()).toBe(1);
    const next: number[] = [];
    const again = consuming(queue, async (m) => void next.push(m.data.n));
    await vi.waitFor(() => expect(next).toEqual([2]), settle);
    await again.stop();
  });

  it('resolves promptly when aborted while waiting for messages', async () => {
    // Long enough that only an unblocked read explains a prompt return.
    const queue = open({ blockMs: 10_000, claimIdleMs: 60_000, retryDelayMs: 60_000 });
    const consumer = consuming(queue, async () => {});
    await sleep(100);
    const started = Date.now();
    await consumer.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('counts waiting and in-progress messages in depth()', async () => {
    const queue = open();
    expect(await queue.depth()).toBe(0);
    for (const n of range(3)) await queue.enqueue({ n });
    expect(await queue.depth()).toBe(3);
    let release = () => {};
    let started = 0;
    const consumer = consuming(queue, async () => {
      started++;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await vi.waitFor(() => expect(started).toBe(1), settle);
    expect(await queue.depth()).toBe(3);
    release();
    await vi.waitFor(() => expect(started).toBe(2), settle);
    expect(await queue.depth()).toBe(2);
    release();
    await vi.waitFor(() => expect(started).toBe(3), settle);
    release();
    await vi.waitFor(async () => expect(await queue.depth()).toBe(0), settle);
    await consumer.stop();
  });

  it('close() stops its consumers', async () => {
    const queue = open();
    const consumer = consuming(queue, async () => {});
    await sleep(50);
    await queue.close();
    await consumer.done;
  });
});

describe('work queue contract: RedisStreamQueue across consumers', () => {
  it('hands the message of a consumer killed with SIGKILL to a live consumer after claimIdleMs', async () => {
    const queue = openRedis({ consumer: 'survivor', pruneIdleMs: 400 });
    const id = await queue.enqueue({ n: 1 });
    const dying = `dying-${randomUUID()}`;
    const child = await startHoldingConsumer(dying);
    expect(child.held).toMatchObject({ id, data: { n: 1 }, deliveries: 1 });

    const seen: (QueueMessage<Task> & { at: number })[] = [];
    const survivor = consuming(queue, async (m) => void seen.push({ ...m, at: Date.now() }));
    await queue.enqueue({ n: 2 });
    await vi.waitFor(() => expect(seen.map((m) => m.data.n)).toEqual([2]), settle);
    await sleep(CLAIM_IDLE_MS * 2);
    expect(seen.map((m) => m.data.n)).toEqual([2]);

    const killedAt = Date.now();
    await child.kill9();
    await vi.waitFor(() => expect(seen.map((m) => m.data.n)).toEqual([2, 1]), settle);
    const reclaimed = seen[1];
    expect(reclaimed).toMatchObject({ id, data: { n: 1 }, deliveries: 2 });
    expect(reclaimed.at - killedAt).toBeLessThan(CLAIM_IDLE_MS * 2);

    await vi.waitFor(async () => expect(await consumerNames()).toEqual(['survivor']), settle);
    await sleep(CLAIM_IDLE_MS);
    await survivor.stop();
    expect(seen).toHaveLength(2);
    expect(await queue.depth()).toBe(0);
  });

  it('lets a slow but live consumer keep its message: its heartbeat refreshes the claim', async () => {
    const slow = openRedis({ consumer: 'slow', heartbeatMs: 100 });
    const other = openRedis({ consumer: 'other' });
    const id = await slow.enqueue({ n: 1 });
    const seen: string[] = [];
    const slowConsumer = consuming(slow, async (m) => {
      seen.push(`slow:${m.id}:${m.deliveries}`);
      await sleep(CLAIM_IDLE_MS * 3);
    });
    await vi.waitFor(() => expect(seen).toHaveLength(1), settle);
    const otherConsumer = consuming(other, async (m) => void seen.push(`other:${m.id}:${m.deliveries}`));
    await sleep(CLAIM_IDLE_MS * 3 + 200);
    await Promise.all([slowConsumer.stop(), otherConsumer.stop()]);
    expect(seen).toEqual([`slow:${id}:1`]);
    expect(await slow.depth()).toBe(0);
  });

  it('aborts the signal of a handler whose message another consumer took over', async () => {
    const queue = openRedis({ heartbeatMs: 100 });
    const id = await queue.enqueue({ n: 1 });
    let handlerSignal: AbortSignal | null = null;
    const consumer = consuming(queue, async (_m, signal) => {
      handlerSignal = signal;
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    });
    await vi.waitFor(() => expect(handlerSignal).not.toBeNull(), settle);
    await redis.xclaim(`${prefix}:queue`, GROUP, 'thief', 0, id, 'JUSTID');
    await vi.waitFor(() => expect(handlerSignal).toMatchObject({ aborted: true }), {
      timeout: 1_000,
      interval: 10,
    });
    await consumer.stop();
  });

  it('shares the work between two consumers, each message handled once', async () => {
    const a = openRedis({ consumer: 'a' });
    const b = openRedis({ consumer: 'b' });
    const seen: { by: string; n: number }[] = [];
    const handler =
      (by: string): QueueHandler<Task> =>
      async (m) => {
        await sleep(20);
        seen.push({ by, n: m.data.n });
      };
    const consumers = [consuming(a, handler('a'), 2), consuming(b, handler('b'), 2)];
    for (const n of range(20)) await a.enqueue({ n });
    await vi.waitFor(() => expect(seen).toHaveLength(20), settle);
    await sleep(200);
    await Promise.all(consumers.map((c) => c.stop()));
    expect(seen.map((s) => s.n).sort((x, y) => x - y)).toEqual(range(20));
    expect(seen.filter((s) => s.by === 'a').length).toBeGreaterThan(0);
    expect(seen.filter((s) => s.by === 'b').length).toBeGreaterThan(0);
  });

  it('dead-letters, without delivering it again, a message whose consumers died maxDeliveries times', async () => {
    const queue = openRedis({ maxDeliveries: 2 });
    const id = await queue.enqueue({ n: 1 });
    const stream = `${prefix}:queue`;
    await redis.xgroup('CREATE', stream, GROUP, '0');
    await redis.xreadgroup('GROUP', GROUP, 'ghost', 'COUNT', 1, 'STREAMS', stream, '>');
    await redis.xclaim(stream, GROUP, 'ghost', 0, id, 'IDLE', CLAIM_IDLE_MS * 2, 'RETRYCOUNT', 2, 'JUSTID');
    const seen: string[] = [];
    const consumer = consuming(queue, async (m) => void seen.push(m.id));
    await vi.waitFor(async () => expect(await queue.deadLetters()).toHaveLength(1), settle);
    await consumer.stop();
    expect(seen).toEqual([]);
    expect(await queue.deadLetters()).toEqual([{ id, data: { n: 1 }, deliveries: 2 }]);
    expect(await queue.depth()).toBe(0);
  });

  it('recreates its group and goes on when Redis lost the stream', async () => {
    const errors: string[] = [];
    const queue = openRedis({ onError: (e) => errors.push(e.message) });
    const seen: number[] = [];
    const consumer = consuming(queue, async (m) => void seen.push(m.data.n));
    await queue.enqueue({ n: 1 });
    await vi.waitFor(() => expect(seen).toEqual([1]), settle);
    await redis.del(`${prefix}:queue`);
    await vi.waitFor(() => expect(errors.some((e) => e.startsWith('NOGROUP'))).toBe(true), settle);
    await queue.enqueue({ n: 2 });
    await vi.waitFor(() => expect(seen).toEqual([1, 2]), settle);
    await consumer.stop();
  });
});

async function consumerNames(): Promise<string[]> {
  const rows: unknown = await redis.xinfo('CONSUMERS', `${prefix}:queue`, GROUP);
  const list: unknown[] = Array.isArray(rows) ? rows : [];
  return list.map((row) => (Array.isArray(row) ? String(row[1]) : '')).sort();
}

/**
 * A separate `node` process consuming from the same queue, whose handler never finishes: it prints the message
 * it holds. The queue's TypeScript source is loaded through a small transpiling loader.
 */
async function startHoldingConsumer(
  consumer: string,
): Promise<{ held: QueueMessage<Task>; kill9: () => Promise<void> }> {
  const typescript = pathToFileURL(createRequire(import.meta.url).resolve('typescript')).href;
  const loader = `
import { readFile } from 'node:fs/promises';
import ts from ${JSON.stringify(typescript)};
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (!specifier.endsWith('.js') || !context.parentURL?.endsWith('.ts')) throw error;
    return next(specifier.slice(0, -3) + '.ts', context);
  }
}
export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const { outputText } = ts.transpileModule(await readFile(new URL(url), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}`;
  const options = { redis: REDIS_URL, prefix, consumer, blockMs: 100, claimIdleMs: CLAIM_IDLE_MS };
  const script = `
import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(loader)}`)});
const { RedisStreamQueue } = await import(${JSON.stringify(new URL('../engine/src/queue/redis-queue.ts', import.meta.url).href)});
const queue = new RedisStreamQueue(${JSON.stringify(options)});
await queue.consume(async (message) => {
  console.log('holding ' + JSON.stringify(message));
  await new Promise(() => {});
}, { signal: new AbortController().signal });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  child.stdout?.on('data', (d) => {
    output += String(d);
  });
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  const line = await vi.waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`the consumer process exited: ${output}`);
      const match = /^holding (.*)$/m.exec(output);
      if (!match) throw new Error(`no message held yet: ${output}`);
      return match[1];
    },
    { timeout: 15_000, interval: 20 },
  );
  return {
    held: JSON.parse(line),
    kill9: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
