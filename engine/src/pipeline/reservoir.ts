import { readChunks } from '../ingest/chunk-reader.js';
import { createRng } from '../random/rng.js';

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
  signal?: AbortSignal;
}

/** A uniform sample of lines, in file order. */
export interface LineSample {
  lines: string[];
  /** Lines seen in all the files. */
  totalLines: number;
}

/**
 * Draws a uniform random sample of lines from files in one streaming pass (reservoir sampling, Li's algorithm L,
 * which skips over lines without touching them), decoding only the lines it keeps. Lines come back in file order,
 * so that an order-sensitive learner (the template miner) sees them as they were written.
 */
export async function sampleLines(
  paths: readonly string[],
  options: SampleLinesOptions = {},
): Promise<LineSample> {
  const { size = 100_000, seed = 0x5eed, maxLineBytes = 65_536, onBytes, signal } = options;
  const rng = createRng(seed);
  const kept: { index: number; line: string }[] = [];
  let index = 0;
  let w = Math.exp(Math.log(rng.next() || 1e-12) / size);
  let next = size + Math.floor(Math.log(rng.next() || 1e-12) / Math.log(1 - w));
  let bytes = 0;
  for (const path of paths) {
    for await (const chunk of readChunks(path, { maxLineBytes, signal })) {
      bytes += chunk.length;
      onBytes?.(bytes);
      let start = 0;
      while (start < chunk.length) {
        let end = chunk.indexOf(10, start);
        if (end < 0) end = chunk.length;
        if (index < size) {
          kept.push({ index, line: decodeLine(chunk, start, end) });
        } else if (index === next) {
          kept[rng.int(size)] = { index, line: decodeLine(chunk, start, end) };
          w *= Math.exp(Math.log(rng.next() || 1e-12) / size);
          next += 1 + Math.floor(Math.log(rng.next() || 1e-12) / Math.log(1 - w));
        }
        index++;
        start = end + 1;
      }
    }
  }
  kept.sort((a, b) => a.index - b.index);
  return { lines: kept.map((k) => k.line), totalLines: index };
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
