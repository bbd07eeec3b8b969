import { describe, expect, it } from 'vitest';
import type { ChunkMeta } from '../store/store.js';
import { firstLineNumber, readLineAligned } from './line-aligned.js';

function cut(text: string, sizes: number[]): { chunks: ChunkMeta[]; data: Uint8Array[] } {
  const bytes = new TextEncoder().encode(text);
  const chunks: ChunkMeta[] = [];
  const data: Uint8Array[] = [];
  let offset = 0;
  let newlines = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const part = bytes.subarray(offset, offset + (sizes[i] ?? bytes.length));
    const n = part.filter((b) => b === 10).length;
    chunks.push({
      idx: i,
      byte_offset: offset,
      length: part.length,
      sha256: '',
      newlines_before: newlines,
      newlines: n,
      enqueued: false,
    });
    data.push(part);
    offset += part.length;
    newlines += n;
  }
  return { chunks, data };
}

async function linesOf(
  text: string,
  sizes: number[],
  maxLineBytes = 1000,
): Promise<{ line: string; no: number }[]> {
  const { chunks, data } = cut(text, sizes);
  const out: { line: string; no: number }[] = [];
  for (const c of chunks) {
    const bytes = await readLineAligned(chunks, c.idx, async (i) => data[i], maxLineBytes);
    const lines = new TextDecoder().decode(bytes).split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    lines.forEach((line, k) => {
      out.push({ line, no: firstLineNumber(c) + k });
    });
  }
  return out;
}

describe('readLineAligned', () => {
  const text = 'alpha\nbeta\ngamma delta\n\nepsilon\nzeta';
  const expected = text.split('\n').map((line, i) => ({ line, no: i + 1 }));

  it('gives every line exactly once, with its number, wherever the chunks are cut', async () => {
    for (let a = 1; a < text.length; a++)
      for (const b of [1, 3, 6, 11]) expect(await linesOf(text, [a, b, 4, 2, 7, 100])).toEqual(expected);
  });

  it('keeps chunks that end exactly on a newline', async () => {
    expect(await linesOf(text, [6, 5, 12])).toEqual(expected);
  });

  it('reads a long line on only as far as the cap', async () => {
    const long = `a\n${'x'.repeat(50)}\nb\n`;
    const { chunks, data } = cut(long, [3, 10, 10, 10, 10, 10]);
    const first = await readLineAligned(chunks, 0, async (i) => data[i], 20);
    expect(first.length).toBeLessThanOrEqual(3 + 21 + 10);
    const all = await linesOf(long, [3, 10, 10, 10, 10, 10], 20);
    expect(all.map((l) => l.line[0])).toEqual(['a', 'x', 'b']);
    expect(all.at(-1)?.no).toBe(3);
  });
});
