import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countLines, sampleLines } from './reservoir.js';

const dir = mkdtempSync(join(tmpdir(), 'outlier-reservoir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file of numbered lines of uneven length: `line 0000042 xxx…`. */
function numbered(name: string, lines: number): string {
  const path = join(dir, name);
  const rows: string[] = [];
  for (let i = 0; i < lines; i++)
    rows.push(`line ${String(i).padStart(7, '0')} ${'x'.repeat((i * 37) % 90)}`);
  writeFileSync(path, `\ufeff${rows.join('\n')}\n`);
  return path;
}
const numberOf = (line: string) => Number(line.slice(5, 12));

describe('sampleLines', () => {
  const path = numbered('small.log', 20_000);

  it('keeps every line of a file smaller than the sample, in order, without the BOM', async () => {
    const s = await sampleLines([path], { size: 50_000 });
    expect(s.totalLines).toBe(20_000);
    expect(s.lines).toHaveLength(20_000);
    expect(s.lines[0].startsWith('line 0000000')).toBe(true);
    expect(s.lines.map(numberOf)).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
    expect(s.whole).toBe(true);
    expect((await sampleLines([path], { size: 20_000 })).whole).toBe(true);
    expect((await sampleLines([path], { size: 19_999 })).whole).toBe(false);
  });

  it('draws a uniform sample in file order, the same for the same seed', async () => {
    const a = await sampleLines([path], { size: 1000, seed: 7 });
    const b = await sampleLines([path], { size: 1000, seed: 7 });
    expect(a.lines).toEqual(b.lines);
    const idx = a.lines.map(numberOf);
    expect(idx).toEqual([...idx].sort((x, y) => x - y));
    // Every tenth of the file holds about a tenth of the sample.
    for (let d = 0; d < 10; d++) {
      const inDecile = idx.filter((i) => Math.floor(i / 2000) === d).length;
      expect(inDecile).toBeGreaterThan(60);
      expect(inDecile).toBeLessThan(140);
    }
  });

  it('samples a large file from blocks spread over all of it: whole lines, in order, read partly', async () => {
    const big = numbered('big.log', 400_000);
    let read = 0;
    const blocks = { minFileBytes: 1 << 20, count: 32, blockBytes: 16 * 1024 };
    const s = await sampleLines([big], { size: 2000, blocks, onBytes: (b) => (read = b) });
    expect(read).toBeLessThan(blocks.count * blocks.blockBytes + 1000);
    const idx = s.lines.map(numberOf);
    expect(idx).toEqual([...idx].sort((x, y) => x - y));
    expect(new Set(idx).size).toBe(idx.length);
    for (const line of s.lines) expect(line).toMatch(/^line \d{7} x*$/);
    expect(idx[0]).toBeLessThan(400_000 / 32);
    expect(idx[idx.length - 1]).toBeGreaterThan(400_000 - 400_000 / 16);
    expect(await sampleLines([big], { size: 2000, blocks })).toEqual(s);
    // Blocks of lines were skipped: never the whole file, however few lines the blocks held.
    expect((await sampleLines([big], { size: 1_000_000, blocks })).whole).toBe(false);
  });
});

describe('countLines', () => {
  it('counts a last line without a newline', () => {
    expect(countLines(Buffer.from('a\nb\nc'))).toBe(3);
    expect(countLines(Buffer.from('a\nb\n'))).toBe(2);
    expect(countLines(Buffer.from(''))).toBe(0);
  });
});
