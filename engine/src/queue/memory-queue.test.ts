import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryQueue } from './memory-queue.js';
import type { QueueHandler, QueueMessage } from './work-queue.js';

type Task = { n: number; list: number[] };

afterEach(() => {
  vi.useRealTimers();
});

function consuming(queue: MemoryQueue<Task>, handler: QueueHandler<Task>, concurrency = 1) {
  const controller = new AbortController();
  const done = queue.consume(handler, { concurrency, signal: controller.signal });
  return async () => {
    controller.abort();
    await done;
  };
}

describe('MemoryQueue', () => {
  it('delivers a failed message again only after retryDelayMs, counting it in depth meanwhile', async () => {
    vi.useFakeTimers();
    const queue = new MemoryQueue<Task>({ retryDelayMs: 1_000 });
    const seen: number[] = [];
    const stop = consuming(queue, async (m) => {
      seen.push(m.deliveries);
      if (m.deliveries === 1) throw new Error('first delivery fails');
    });
    await queue.enqueue({ n: 1, list: [] });
    await vi.advanceTimersByTimeAsync(999);
    expect(seen).toEqual([1]);
    expect(await queue.depth()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(seen).toEqual([1, 2]);
    expect(await queue.depth()).toBe(0);
    await stop();
  });

  it('gives every delivery its own copy of the data, as JSON', async () => {
    const queue = new MemoryQueue<Task>({ retryDelayMs: 1 });
    const task = { n: 1, list: [1] };
    await queue.enqueue(task);
    task.list.push(2);
    const seen: QueueMessage<Task>[] = [];
    const stop = consuming(queue, async (m) => {
      seen.push(structuredClone(m));
      m.data.list.push(99);
      if (m.deliveries === 1) throw new Error('first delivery fails');
    });
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    await stop();
    expect(seen.map((m) => m.data)).toEqual([
      { n: 1, list: [1] },
      { n: 1, list: [1] },
    ]);
  });

  it('retries a handler that throws before returning a promise', async () => {
    const queue = new MemoryQueue<Task>({ retryDelayMs: 1, maxDeliveries: 2 });
    const handler: QueueHandler<Task> = () => {
      throw new Error('synchronous');
    };
    const stop = consuming(queue, handler);
    await queue.enqueue({ n: 1, list: [] });
    await vi.waitFor(async () => expect(await queue.deadLetters()).toHaveLength(1));
    await stop();
    expect((await queue.deadLetters())[0].deliveries).toBe(2);
  });

  it('shares messages between consume loops, each message once', async () => {
    const queue = new MemoryQueue<Task>();
    const seen: string[] = [];
    const stops = ['a', 'b'].map((by) =>
      consuming(queue, async (m) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        seen.push(`${by}:${m.data.n}`);
      }),
    );
    for (let n = 0; n < 10; n++) await queue.enqueue({ n, list: [] });
    await vi.waitFor(() => expect(seen).toHaveLength(10));
    await Promise.all(stops.map((stop) => stop()));
    expect(new Set(seen.map((s) => s.split(':')[1])).size).toBe(10);
    expect(seen.some((s) => s.startsWith('a:'))).toBe(true);
    expect(seen.some((s) => s.startsWith('b:'))).toBe(true);
  });

  it('close() ends its consume loops and leaves no timer behind, keeping pending retries in depth', async () => {
    vi.useFakeTimers();
    const queue = new MemoryQueue<Task>({ retryDelayMs: 60_000 });
    const done = queue.consume(
      async () => {
        throw new Error('fails');
      },
      { signal: new AbortController().signal },
    );
    await queue.enqueue({ n: 1, list: [] });
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1);
    await queue.close();
    await done;
    expect(vi.getTimerCount()).toBe(0);
    expect(await queue.depth()).toBe(1);
  });
});
