import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { ChunkLines, LineSplitter, splitLines } from './line-splitter.js';

const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('splitLines', () => {
  it('splits on \\n and \\r\\n and keeps a lone \\r inside a line', () => {
    const r = splitLines(Buffer.from('a\r\nb\nc\rd\r\n\ne'));
    expect(r.lines).toEqual(['a', 'b', 'c\rd', '', 'e']);
    expect(r).toMatchObject({ invalidUtf8: 0, truncated: 0 });
  });

  it('keeps a last line without newline and adds no empty line after a final newline', () => {
    expect(splitLines(Buffer.from('x\ny')).lines).toEqual(['x', 'y']);
    expect(splitLines(Buffer.from('x\ny\n')).lines).toEqual(['x', 'y']);
    expect(splitLines(Buffer.from('\n')).lines).toEqual(['']);
    expect(splitLines(Buffer.alloc(0)).lines).toEqual([]);
  });

  it('replaces invalid UTF-8 with U+FFFD and counts each sequence, not literal U+FFFD', () => {
    const r = splitLines(
      bytes('caf', [0xe9], ' ok\n', [0xc3, 0x28], ' \uFFFD literal\n', [0xf0, 0x9f, 0x98], '\n'),
    );
    expect(r.lines).toEqual(['caf\uFFFD ok', '\uFFFD( \uFFFD literal', '\uFFFD']);
    expect(r.invalidUtf8).toBe(3);
  });

  it('decodes valid unicode unchanged', () => {
    const text = 'ünïcödé → 日本語 🚀 emoji\nzweite Zeile ß';
    expect(splitLines(Buffer.from(text)).lines).toEqual(text.split('\n'));
  });

  it('cuts lines over maxLineBytes at a UTF-8 character start and counts them', () => {
    const r = splitLines(Buffer.from(`${'a'.repeat(9)}é tail\nshort\n`), { maxLineBytes: 10 });
    expect(r.lines).toEqual(['a'.repeat(9), 'short']);
    expect(r.truncated).toBe(1);
    const exact = splitLines(Buffer.from(`${'b'.repeat(10)}\r\n`), { maxLineBytes: 10 });
    expect(exact).toMatchObject({ lines: ['b'.repeat(10)], truncated: 0 });
  });

  it('reads lines one at a time with where each is in the chunk, as splitLines gives them', () => {
    const chunk = Buffer.from(`first\r\nsécond\n\n${'x'.repeat(12)}\nlast`);
    const reader = new ChunkLines(chunk, 10);
    const read: string[] = [];
    for (let line = reader.read(); line !== null; line = reader.read()) {
      expect(chunk.toString('utf8', reader.start, reader.end)).toBe(line);
      read.push(line);
    }
    expect(read).toEqual(['first', 'sécond', '', 'x'.repeat(10), 'last']);
    expect(reader).toMatchObject({ valid: true, truncated: 1, invalidUtf8: 0 });
    expect(reader.read()).toBeNull();
    const invalid = new ChunkLines(Buffer.from('ok\n\xffbad\n', 'latin1'));
    expect([invalid.read(), invalid.read(), invalid.read()]).toEqual(['ok', '\uFFFDbad', null]);
    expect(invalid).toMatchObject({ valid: false, invalidUtf8: 1 });
  });
});

function randomText(seed: number, size: number): Buffer {
  const rng = createRng(seed);
  const pieces = ['a', 'log line ', 'é', '日', '🚀', '\n', '\r\n', '\r', ' ', '=', '"'];
  const out: Buffer[] = [];
  let length = 0;
  while (length < size) {
    const p = rng.next() < 0.02 ? Buffer.from([0xff]) : Buffer.from(pieces[rng.int(pieces.length)]);
    out.push(p);
    length += p.length;
  }
  return Buffer.concat(out);
}

describe('LineSplitter', () => {
  it('emits the same lines and counts as splitLines however the bytes are cut, even inside a character', () => {
    for (const maxLineBytes of [5, 40]) {
      for (let seed = 1; seed <= 40; seed++) {
        const input = randomText(seed, 3_000);
        const whole = splitLines(input, { maxLineBytes });
        const rng = createRng(seed * 7);
        const splitter = new LineSplitter({ maxLineBytes });
        const lines: string[] = [];
        for (let at = 0; at < input.length; ) {
          const next = Math.min(input.length, at + 1 + rng.int(60));
          lines.push(...splitter.push(input.subarray(at, next)));
          at = next;
        }
        lines.push(...splitter.flush());
        expect(lines).toEqual(whole.lines);
        expect(splitter.invalidUtf8).toBe(whole.invalidUtf8);
        expect(splitter.truncated).toBe(whole.truncated);
      }
    }
  });

  it('joins a UTF-8 character split across pushes', () => {
    const splitter = new LineSplitter();
    const euro = Buffer.from('€\n');
    expect(splitter.push(euro.subarray(0, 1))).toEqual([]);
    expect(splitter.push(euro.subarray(1, 2))).toEqual([]);
    expect(splitter.push(euro.subarray(2))).toEqual(['€']);
    expect(splitter.invalidUtf8).toBe(0);
  });

  it('keeps a last line without newline for flush, and drops a byte-order mark at the start', () => {
    const splitter = new LineSplitter();
    expect(splitter.push(bytes([0xef, 0xbb, 0xbf], 'first\r\nsec'))).toEqual(['first']);
    expect(splitter.push(Buffer.from('ond'))).toEqual([]);
    expect(splitter.flush()).toEqual(['second']);
    expect(splitter.flush()).toEqual([]);
  });

  it('splits a 10 MB line arriving in pieces with bounded memory, and flags it', () => {
    const max = 64 * 1024;
    const splitter = new LineSplitter({ maxLineBytes: max });
    const piece = Buffer.alloc(64 * 1024, 'x');
    let peak = 0;
    for (let i = 0; i < 160; i++) {
      expect(splitter.push(piece)).toEqual([]);
      peak = Math.max(peak, splitter.bufferedBytes);
    }
    const lines = splitter.push(Buffer.from('\nnext\n'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toHaveLength(max);
    expect(lines[1]).toBe('next');
    expect(splitter.truncated).toBe(1);
    expect(peak).toBeLessThanOrEqual(max + 9);
  });
});
