import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { detectBinary } from './binary-check.js';

describe('detectBinary', () => {
  it('accepts text: ASCII, UTF-8, ANSI colours, Latin-1 accents and an incomplete character at the end', () => {
    expect(detectBinary(Buffer.from('2024-01-01 INFO started\n\tat x\r\n'))).toBeNull();
    expect(detectBinary(Buffer.from('\u001b[31mERROR\u001b[0m ünïcödé 日本\n'))).toBeNull();
    expect(detectBinary(Buffer.from('caf\xe9 cr\xe8me br\xfbl\xe9e\n', 'latin1'))).toBeNull();
    expect(detectBinary(Buffer.from('ok 🚀').subarray(0, 5))).toBeNull();
    expect(detectBinary(Buffer.alloc(0))).toBeNull();
  });

  it('rejects NUL bytes (UTF-16 text, images, executables)', () => {
    expect(detectBinary(Buffer.from('log line\n', 'utf16le'))).toBe('nul');
  });

  it('rejects mostly non-text bytes without NUL', () => {
    const rng = createRng(3);
    const garbage = Buffer.from(Array.from({ length: 4096 }, () => 1 + rng.int(255)));
    expect(detectBinary(garbage)).toBe('non-text');
  });
});
