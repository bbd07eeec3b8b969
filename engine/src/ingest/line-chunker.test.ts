import { describe, expect, it } from 'vitest';
import { LineChunker } from './line-chunker.js';
import { splitLines } from './line-splitter.js';

function run(chunker: LineChunker, pieces: string[]): Buffer[] {
  const chunks = pieces.flatMap((p) => chunker.push(Buffer.from(p)));
  const last = chunker.end();
  return last ? [...chunks, last] : chunks;
}

describe('LineChunker', () => {
  it('emits chunks that end right after a newline, the last one keeping a line without newline', () => {
    const chunks = run(new LineChunker({ chunkBytes: 10, maxLineBytes: 100 }), [
      'aaaa\nbb',
      'bb\ncccccc\ndd\nee',
    ]);
    expect(chunks.map(String)).toEqual(['aaaa\nbbbb\n', 'cccccc\ndd\n', 'ee']);
  });

  it('cuts a long line just past maxLineBytes so splitLines makes the final cut and counts it', () => {
    const chunker = new LineChunker({ chunkBytes: 1 << 20, maxLineBytes: 8 });
    const chunks = run(chunker, [`${'x'.repeat(7)}€€€€€ rest\r\nok\n`]);
    expect(chunker.linesTruncated).toBe(1);
    expect(chunks.map(String)).toEqual([`${'x'.repeat(7)}€\nok\n`]);
    const { lines, truncated } = splitLines(chunks[0], { maxLineBytes: 8 });
    expect(lines).toEqual(['x'.repeat(7), 'ok']);
    expect(truncated).toBe(1);
  });

  it('does not mistake a \\r at the cut for a line end', () => {
    const chunker = new LineChunker({ chunkBytes: 1 << 20, maxLineBytes: 4 });
    const [chunk] = run(chunker, ['abcd\rxyz and more\n']);
    expect(splitLines(chunk, { maxLineBytes: 4 })).toMatchObject({ lines: ['abcd'], truncated: 1 });
  });

  it('cuts a long line that spans many pushes and holds no more than maxLineBytes of it', () => {
    const chunker = new LineChunker({ chunkBytes: 16, maxLineBytes: 10 });
    const out: Buffer[] = [];
    out.push(...chunker.push(Buffer.from('head\n0123')));
    for (let i = 0; i < 100; i++) {
      out.push(...chunker.push(Buffer.from('y'.repeat(50))));
      expect(chunker.bufferedBytes).toBeLessThanOrEqual(5 + 10 + 9);
    }
    out.push(...chunker.push(Buffer.from('\r\ntail')));
    const last = chunker.end();
    if (last) out.push(last);
    const { lines, truncated } = splitLines(Buffer.concat(out), { maxLineBytes: 10 });
    expect(lines).toEqual(['head', '0123yyyyyy', 'tail']);
    expect(truncated).toBe(1);
    expect(chunker.linesTruncated).toBe(1);
  });

  it('passes a line a few bytes over maxLineBytes whole, for splitLines to cut', () => {
    const chunker = new LineChunker({ chunkBytes: 1 << 20, maxLineBytes: 4 });
    const [chunk] = run(chunker, ['abcd\r\r\n']);
    expect(String(chunk)).toBe('abcd\r\r\n');
    expect(chunker.linesTruncated).toBe(1);
    expect(splitLines(chunk, { maxLineBytes: 4 })).toMatchObject({ lines: ['abcd'], truncated: 1 });
  });

  it('keeps a line of exactly maxLineBytes ending in \\r\\n across pushes', () => {
    const chunker = new LineChunker({ chunkBytes: 1 << 20, maxLineBytes: 4 });
    const chunks = run(chunker, ['ab', 'cd\r', '\nef']);
    expect(chunker.linesTruncated).toBe(0);
    expect(chunks.map(String)).toEqual(['abcd\r\nef']);
  });
});
