import { isUtf8 } from 'node:buffer';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { type ReadChunksOptions, readChunks } from './chunk-reader.js';
import {
  BinaryFileError,
  CorruptGzipError,
  FileNotFoundError,
  FileNotReadableError,
  IsDirectoryError,
  TruncatedGzipError,
} from './errors.js';
import { splitLines } from './line-splitter.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'outlier-chunk-reader-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fixture(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function collect(path: string, options: ReadChunksOptions = {}): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of readChunks(path, options)) chunks.push(chunk);
  return chunks;
}

function logText(lines: number): string {
  return Array.from(
    { length: lines },
    (_, i) => `2024-05-01T10:00:${String(i % 60).padStart(2, '0')}Z INFO line ${i}\n`,
  ).join('');
}

describe('readChunks', () => {
  it('gives chunks of whole lines that split back into the file', async () => {
    const text = logText(5_000);
    const path = await fixture('plain.log', text);
    const reader = readChunks(path, { chunkBytes: 10_000 });
    const chunks: Buffer[] = [];
    for await (const chunk of reader) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks) expect(chunk[chunk.length - 1]).toBe(10);
    expect(chunks.flatMap((c) => splitLines(c).lines)).toEqual(text.split('\n').slice(0, -1));
    expect(reader.stats).toEqual({
      fileSize: text.length,
      bytesRead: text.length,
      bytesDecoded: text.length,
      linesTruncated: 0,
      gzip: false,
    });
  });

  it('never splits a UTF-8 character, even where disk reads cut one', async () => {
    const line = 'é日🚀 ünïcödé '.repeat(7);
    const text = Array.from({ length: 60_000 }, (_, i) => `${i} ${line}\n`).join('');
    const path = await fixture('unicode.log', text);
    const chunks = await collect(path, { chunkBytes: 100_000 });
    expect(chunks.length).toBeGreaterThan(40);
    for (const chunk of chunks) expect(isUtf8(chunk)).toBe(true);
    const lines = chunks.flatMap((c) => splitLines(c).lines);
    expect(lines).toHaveLength(60_000);
    expect(lines[59_999]).toBe(`59999 ${line}`);
  });

  it('keeps a last line without newline and mixed CRLF', async () => {
    const path = await fixture('crlf.log', 'one\r\ntwo\nthree\r\nlast');
    const chunks = await collect(path);
    expect(chunks.flatMap((c) => splitLines(c).lines)).toEqual(['one', 'two', 'three', 'last']);
  });

  it('gives nothing for an empty file', async () => {
    expect(await collect(await fixture('empty.log', ''))).toEqual([]);
  });

  it('reads gzip by its magic bytes, whatever the name', async () => {
    const text = logText(20_000);
    const path = await fixture('access.log', gzipSync(text));
    const reader = readChunks(path, { chunkBytes: 64 * 1024 });
    const lines: string[] = [];
    for await (const chunk of reader) lines.push(...splitLines(chunk).lines);
    expect(lines.join('\n')).toBe(text.slice(0, -1));
    expect(reader.stats.gzip).toBe(true);
    expect(reader.stats.bytesDecoded).toBe(text.length);
    expect(reader.stats.bytesRead).toBe(reader.stats.fileSize);
    expect(reader.stats.fileSize).toBeLessThan(text.length / 3);
  });

  it('delivers what a truncated gzip decoded, then raises TruncatedGzipError', async () => {
    const text = logText(50_000);
    const gz = gzipSync(text);
    const path = await fixture('cut.log.gz', gz.subarray(0, Math.floor(gz.length * 0.8)));
    const lines: string[] = [];
    let failure: unknown;
    try {
      for await (const chunk of readChunks(path, { chunkBytes: 64 * 1024 }))
        lines.push(...splitLines(chunk).lines);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(TruncatedGzipError);
    expect(String(failure)).toContain('cut.log.gz');
    expect(lines.length).toBeGreaterThan(30_000);
    expect(lines.slice(0, -1)).toEqual(text.split('\n').slice(0, lines.length - 1));
  });

  it('raises CorruptGzipError for damaged gzip data', async () => {
    const gz = gzipSync(logText(100));
    gz.fill(0x55, 20, 60);
    await expect(collect(await fixture('bad.gz', gz))).rejects.toBeInstanceOf(CorruptGzipError);
  });

  it('rejects binary garbage, naming the file', async () => {
    const rng = createRng(9);
    const garbage = Buffer.from(Array.from({ length: 100_000 }, () => rng.int(256)));
    const path = await fixture('image.png', garbage);
    await expect(collect(path)).rejects.toThrow(BinaryFileError);
    await expect(collect(path)).rejects.toThrow(/image\.png/);
    await expect(collect(await fixture('utf16.log', Buffer.from('hello\n', 'utf16le')))).rejects.toThrow(
      BinaryFileError,
    );
  });

  it('rejects binary data inside gzip', async () => {
    const path = await fixture('blob.gz', gzipSync(Buffer.alloc(200_000)));
    await expect(collect(path)).rejects.toBeInstanceOf(BinaryFileError);
  });

  it('cuts a 10 MB single line, flags it and never holds more than a chunk and a line', async () => {
    const maxLineBytes = 64 * 1024;
    const chunkBytes = 256 * 1024;
    const path = await fixture('long.log', `${'é'.repeat(5 * 1024 * 1024)}\nafter\n`);
    const reader = readChunks(path, { chunkBytes, maxLineBytes });
    const lines: string[] = [];
    let truncated = 0;
    let largest = 0;
    for await (const chunk of reader) {
      largest = Math.max(largest, chunk.length);
      const r = splitLines(chunk, { maxLineBytes });
      lines.push(...r.lines);
      truncated += r.truncated;
    }
    expect(lines).toEqual(['é'.repeat(maxLineBytes / 2), 'after']);
    expect(truncated).toBe(1);
    expect(reader.stats.linesTruncated).toBe(1);
    expect(largest).toBeLessThanOrEqual(chunkBytes + maxLineBytes + 16);
  });

  it('replaces and counts invalid UTF-8 in the lines', async () => {
    const path = await fixture('latin1.log', Buffer.from('caf\xe9 ok\nna\xefve\n', 'latin1'));
    const [chunk] = await collect(path);
    expect(splitLines(chunk)).toMatchObject({ lines: ['caf\uFFFD ok', 'na\uFFFDve'], invalidUtf8: 2 });
  });

  it('drops a UTF-8 byte-order mark', async () => {
    const path = await fixture('bom.log', Buffer.from('\uFEFF{"msg":"a"}\n'));
    const [chunk] = await collect(path);
    expect(splitLines(chunk).lines).toEqual(['{"msg":"a"}']);
  });

  it('names the file in clear errors: not found, directory, not readable', async () => {
    await expect(collect(join(dir, 'missing.log'))).rejects.toThrow(FileNotFoundError);
    await expect(collect(join(dir, 'missing.log'))).rejects.toThrow(/missing\.log: no such file/);
    await expect(collect(dir)).rejects.toThrow(IsDirectoryError);
  });

  it.skipIf(process.getuid?.() === 0)('raises FileNotReadableError without read permission', async () => {
    const path = await fixture('secret.log', 'x\n');
    await chmod(path, 0o000);
    await expect(collect(path)).rejects.toThrow(FileNotReadableError);
  });

  it('stops when its signal aborts', async () => {
    const path = await fixture('abort.log', logText(20_000));
    const controller = new AbortController();
    const reading = (async () => {
      let n = 0;
      for await (const _ of readChunks(path, { chunkBytes: 4096, signal: controller.signal })) {
        if (++n === 3) controller.abort();
      }
      return n;
    })();
    await expect(reading).rejects.toThrow(/abort/i);
  });

  it('is read once', async () => {
    const reader = readChunks(await fixture('once.log', 'a\n'));
    for await (const _ of reader) {
      // drain
    }
    expect(() => reader[Symbol.asyncIterator]()).toThrow(/already/);
  });
});
