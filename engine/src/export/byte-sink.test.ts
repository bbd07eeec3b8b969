import { describe, expect, it } from 'vitest';
import { ByteSink } from './byte-sink.js';

describe('ByteSink', () => {
  it('collects UTF-8 text across growth and resets on take', () => {
    const sink = new ByteSink(4);
    const parts = ['héllo ', 'wörld ', '✓'.repeat(100), '\n'];
    for (const p of parts) sink.write(p);
    expect(Buffer.from(sink.take()).toString('utf8')).toBe(parts.join(''));
    sink.write('again');
    expect(Buffer.from(sink.take()).toString('utf8')).toBe('again');
  });
});
