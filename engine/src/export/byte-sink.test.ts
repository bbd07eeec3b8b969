import { describe, expect, it } from 'vitest';
import { ByteSink } from './byte-sink.js';

describe('ByteSink', () => {
  it('collects JSON strings as UTF-8 across growth and starts anew after a hand-over', () => {
    const sink = new ByteSink(4);
    const parts = ['héllo ', 'wörld ', '✓'.repeat(100), '\n'];
    for (const p of parts) sink.jsonString(p);
    expect(Buffer.from(sink.handOver()).toString('utf8')).toBe(parts.map((p) => JSON.stringify(p)).join(''));
    sink.ascii('again');
    expect(Buffer.from(sink.handOver()).toString('utf8')).toBe('again');
  });

  it('writes the digits of non-negative integers as String does', () => {
    const sink = new ByteSink(2);
    const numbers = [0, 7, 10, 99, 100, 65_535, 2 ** 31, 2 ** 32 + 1, 1e15, Number.MAX_SAFE_INTEGER];
    for (const n of numbers) {
      sink.uint(n);
      sink.ascii(',');
    }
    expect(Buffer.from(sink.handOver()).toString('utf8')).toBe(numbers.map((n) => `${n},`).join(''));
  });

  it('hands its memory over without a copy and writes into memory handed back', () => {
    const sink = new ByteSink(8);
    sink.ascii('first chunk');
    const out = sink.handOver();
    expect(Buffer.from(out).toString('utf8')).toBe('first chunk');
    sink.adopt(out.buffer as ArrayBuffer);
    sink.ascii('second');
    const again = sink.handOver();
    expect(again.buffer).toBe(out.buffer);
    expect(Buffer.from(again).toString('utf8')).toBe('second');
    expect(sink.handOver()).toHaveLength(0);
  });

  it('copies its bytes out and keeps its memory for the next ones', () => {
    const sink = new ByteSink(4);
    expect(sink.copyOut()).toHaveLength(0);
    sink.jsonString('héllo');
    const first = sink.copyOut();
    sink.ascii('next');
    expect(Buffer.from(first).toString('utf8')).toBe('"héllo"');
    expect(Buffer.from(sink.copyOut()).toString('utf8')).toBe('next');
  });
});
