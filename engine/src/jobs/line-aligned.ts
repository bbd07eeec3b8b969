import type { ChunkMeta } from '../store/store.js';

/** Reads a chunk's bytes. */
export type ReadChunk = (idx: number) => Promise<Uint8Array>;

/**
 * The whole lines a chunk owns: a line belongs to the chunk holding the newline before it (the first line to the
 * first chunk). So chunk `idx` reads from after its first newline (from its start for the first chunk) on into the
 * next chunks up to their first newline, for at most `maxLineBytes` more (a longer line is truncated by the
 * splitter anyway). Chunks are cut wherever the client cut them; lines are not.
 */
export async function readLineAligned(
  chunks: readonly ChunkMeta[],
  idx: number,
  read: ReadChunk,
  maxLineBytes: number,
): Promise<Uint8Array> {
  const own = await read(idx);
  let start = 0;
  if (idx > 0) {
    const nl = own.indexOf(10);
    if (nl < 0) return new Uint8Array(0);
    start = nl + 1;
  }
  const parts: Uint8Array[] = [own.subarray(start)];
  // The line after the chunk's last newline is its own too, wherever it ends.
  let extra = 0;
  for (let j = idx + 1; j < chunks.length && extra <= maxLineBytes; j++) {
    const next = await read(j);
    const nl = next.indexOf(10);
    if (nl >= 0) {
      parts.push(next.subarray(0, nl + 1));
      break;
    }
    parts.push(next.subarray(0, Math.min(next.length, maxLineBytes + 1 - extra)));
    extra += next.length;
  }
  return parts.length === 1 ? Uint8Array.from(parts[0]) : Buffer.concat(parts);
}

/** Whether chunk `idx` can be read whole: the upload ended, or enough bytes follow it to finish its last line. */
export function chunkReady(
  chunk: ChunkMeta,
  bytesReceived: number,
  complete: boolean,
  maxLineBytes: number,
): boolean {
  return complete || bytesReceived >= chunk.byte_offset + chunk.length + maxLineBytes + 1;
}

/** Number of the first line that starts in a chunk (1-based, counted over the whole upload). */
export function firstLineNumber(chunk: ChunkMeta): number {
  return chunk.idx === 0 ? 1 : chunk.newlines_before + 2;
}
