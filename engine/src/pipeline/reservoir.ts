import { open } from 'node:fs/promises';
import { readChunks } from '../ingest/chunk-reader.js';
import { createRng, type Rng } from '../random/rng.js';

/** How large plain files are sampled: from evenly spaced blocks instead of being read whole. */
export interface BlockSampling {
  /** Files larger than this are sampled from blocks. */
  minFileBytes: number;
  count: number;
  blockBytes: number;
}

/** 64 MiB read from files over 256 MiB, however large, spread over all of the file. */
export const BLOCK_SAMPLING: BlockSampling = {
  minFileBytes: 256 * 1024 * 1024,
  count: 256,
  blockBytes: 256 * 1024,
};

/** Options of {@link sampleLines}. */
export interface SampleLinesOptions {
  /** Lines kept at most. @defaultValue 100_000 */
  size?: number;
  /** @defaultValue 0x5eed */
  seed?: number;
  /** @defaultValue 65_536 */
  maxLineBytes?: number;
  /** Called with the bytes read so far. */
  onBytes?: (bytes: number) => void;
  /** @defaultValue {@link BLOCK_SAMPLING} */
  blocks?: BlockSampling;
  signal?: AbortSignal;
}

/** A uniform sample of lines, in file order. */
export interface LineSample {
  lines: string[];
  /** Lines seen in all the files (in the blocks read, for a file sampled from blocks). */
  totalLines: number;
  /** Whether the sample is every line of the files (read whole, and no more lines than the sample's size). */
  whole: boolean;
}

/**
 * Draws a uniform random sample of lines from files (reservoir sampling, Li's algorithm L, which skips over lines
 * without touching them), decoding only the lines it keeps. Lines come back in file order, so that an
 * order-sensitive learner (the template miner) sees them as they were written. Files are read in one streaming
 * pass, except large plain files ({@link BLOCK_SAMPLING}): their lines are drawn from evenly spaced blocks, so
 * that sampling a 10 GB file reads 64 MiB, not 10 GB.
 */
export async function sampleLines(
  paths: readonly string[],
  options: SampleLinesOptions = {},
): Promise<LineSample> {
  const {
    size = 100_000,
    seed = 0x5eed,
    maxLineBytes = 65_536,
    onBytes,
    blocks: how = BLOCK_SAMPLING,
    signal,
  } = options;
  const reservoir = new Reservoir(size, createRng(seed));
  let bytes = 0;
  let fromBlocks = false;
  for (const path of paths) {
    const reader = readChunks(path, {
      maxLineBytes,
      signal,
      chunkBytes: how.blockBytes,
    });
    let blocks: number[] | null = null;
    for await (const chunk of reader) {
      const { fileSize, gzip } = reader.stats;
      if (
        blocks === null &&
        !gzip &&
        fileSize > how.minFileBytes &&
        fileSize > 2 * how.count * how.blockBytes
      ) {
        // The first block came through the reader, which checked that the file is text and dropped a BOM.
        blocks = blockStarts(fileSize, how.count);
        reservoir.offerLines(chunk, 0, chunk.length);
        bytes += chunk.length;
        onBytes?.(bytes);
        break;
      }
      bytes += chunk.length;
      onBytes?.(bytes);
      reservoir.offerLines(chunk, 0, chunk.length);
    }
    if (blocks !== null) fromBlocks = true;
    if (blocks !== null)
      bytes = await sampleBlocks(path, blocks, reservoir, {
        blockBytes: how.blockBytes,
        maxLineBytes,
        signal,
        onBytes,
        bytes,
      });
  }
  return {
    lines: reservoir.lines(),
    totalLines: reservoir.seen,
    whole: !fromBlocks && reservoir.seen <= size,
  };
}

/** Where the blocks after the first one start: evenly spaced over the file. */
function blockStarts(fileSize: number, count: number): number[] {
  const starts: number[] = [];
  const stride = fileSize / count;
  for (let i = 1; i < count; i++) starts.push(Math.floor(i * stride));
  return starts;
}

/** Offers the whole lines of each block (after its first newline, up to its last) to the reservoir. */
async function sampleBlocks(
  path: string,
  starts: readonly number[],
  reservoir: Reservoir,
  o: {
    blockBytes: number;
    maxLineBytes: number;
    signal?: AbortSignal;
    onBytes?: (bytes: number) => void;
    bytes: number;
  },
): Promise<number> {
  const handle = await open(path, 'r');
  const block = Buffer.allocUnsafe(o.blockBytes);
  let bytes = o.bytes;
  try {
    for (const start of starts) {
      o.signal?.throwIfAborted();
      const { bytesRead } = await handle.read(block, 0, o.blockBytes, start);
      const first = block.indexOf(10);
      const last = block.lastIndexOf(10, bytesRead - 1);
      if (first >= 0 && last > first) reservoir.offerLines(block, first + 1, last + 1, o.maxLineBytes);
      bytes += bytesRead;
      o.onBytes?.(bytes);
    }
  } finally {
    await handle.close();
  }
  return bytes;
}

/** Algorithm L over lines offered in order; keeps each kept line's position to return them in order. */
class Reservoir {
  seen = 0;
  private readonly kept: { index: number; line: string }[] = [];
  private w: number;
  private next: number;

  constructor(
    private readonly size: number,
    private readonly rng: Rng,
  ) {
    this.w = Math.exp(Math.log(rng.next() || 1e-12) / size);
    this.next = size + Math.floor(Math.log(rng.next() || 1e-12) / Math.log(1 - this.w));
  }

  /** Offers the lines of `chunk[from, to)`, which ends after a newline or at the end of its file. */
  offerLines(chunk: Buffer, from: number, to: number, maxLineBytes = Number.POSITIVE_INFINITY): void {
    const { rng, size, kept } = this;
    let start = from;
    while (start < to) {
      let end = chunk.indexOf(10, start);
      if (end < 0 || end > to) end = to;
      if (this.seen < size || this.seen === this.next) {
        const line = decodeLine(chunk, start, Math.min(end, start + maxLineBytes));
        if (this.seen < size) kept.push({ index: this.seen, line });
        else {
          kept[rng.int(size)] = { index: this.seen, line };
          this.w *= Math.exp(Math.log(rng.next() || 1e-12) / size);
          this.next += 1 + Math.floor(Math.log(rng.next() || 1e-12) / Math.log(1 - this.w));
        }
      }
      this.seen++;
      start = end + 1;
    }
  }

  /** The kept lines, in the order they were offered. */
  lines(): string[] {
    this.kept.sort((a, b) => a.index - b.index);
    return this.kept.map((k) => k.line);
  }
}

function decodeLine(chunk: Buffer, start: number, end: number): string {
  const stop = end > start && chunk[end - 1] === 13 ? end - 1 : end;
  return chunk.toString('utf8', start, stop);
}

/** Number of lines in a chunk that ends after a newline (or at the end of its file). */
export function countLines(chunk: Uint8Array): number {
  if (chunk.length === 0) return 0;
  let n = 0;
  let i = chunk.indexOf(10);
  while (i >= 0) {
    n++;
    i = chunk.indexOf(10, i + 1);
  }
  return chunk[chunk.length - 1] === 10 ? n : n + 1;
}
