import { isUtf8 } from 'node:buffer';
import { LineChunker } from './line-chunker.js';
import { utf8CutBefore } from './utf8-boundary.js';

const LF = 10;
const CR = 13;
const REPLACEMENT_BYTES = Buffer.from('\uFFFD');
const BOM = 0xfeff;

/** Options of {@link splitLines} and {@link LineSplitter}. */
export interface SplitLinesOptions {
  /** Lines longer than this many bytes are cut at a UTF-8 character start. @defaultValue 65_536 */
  maxLineBytes?: number;
}

/** The lines of a chunk and what had to be repaired in them. */
export interface SplitLinesResult {
  lines: string[];
  /** Invalid UTF-8 sequences, each replaced by U+FFFD. */
  invalidUtf8: number;
  /** Lines cut to `maxLineBytes`. */
  truncated: number;
}

/**
 * Splits a chunk of whole lines (as {@link readChunks} gives) into strings. Lines end at `\n` or `\r\n`; a lone
 * `\r` stays in its line, and a last line without a newline is kept. Invalid UTF-8 becomes U+FFFD and is counted;
 * lines over `maxLineBytes` bytes are cut at a character start and counted.
 *
 * @example
 * ```ts
 * splitLines(Buffer.from('a\r\nb\n\xffc', 'latin1'), { maxLineBytes: 65_536 });
 * // { lines: ['a', 'b', '\uFFFDc'], invalidUtf8: 1, truncated: 0 }
 * ```
 */
export function splitLines(
  chunk: Buffer,
  { maxLineBytes = 65_536 }: SplitLinesOptions = {},
): SplitLinesResult {
  const reader = new ChunkLines(chunk, maxLineBytes);
  const lines: string[] = [];
  for (let line = reader.read(); line !== null; line = reader.read()) lines.push(line);
  return { lines, invalidUtf8: reader.invalidUtf8, truncated: reader.truncated };
}

/**
 * Reads the lines of a chunk one at a time, as {@link splitLines} gives them, so that each line's string can be
 * dropped once it is handled instead of living as long as the chunk.
 */
export class ChunkLines {
  /** Whether the chunk is valid UTF-8: then each line is exactly the text of its bytes. */
  readonly valid: boolean;
  /** Where the last line read is in the chunk: `[start, end)`, without its newline or any cut part. */
  start = 0;
  end = 0;
  /** Invalid UTF-8 sequences replaced so far. */
  invalidUtf8 = 0;
  /** Lines cut to `maxLineBytes` so far. */
  truncated = 0;
  private next = 0;

  constructor(
    private readonly chunk: Buffer,
    private readonly maxLineBytes = 65_536,
  ) {
    this.valid = isUtf8(chunk);
  }

  /** The next line, or `null` after the last. */
  read(): string | null {
    const chunk = this.chunk;
    const length = chunk.length;
    const start = this.next;
    if (start >= length) return null;
    let lf = chunk.indexOf(LF, start);
    let stop: number;
    if (lf < 0) {
      lf = length;
      stop = length;
    } else stop = lf > start && chunk[lf - 1] === CR ? lf - 1 : lf;
    if (stop - start > this.maxLineBytes) {
      stop = utf8CutBefore(chunk, start, this.maxLineBytes);
      this.truncated++;
    }
    const line = chunk.toString('utf8', start, stop);
    if (!this.valid) this.invalidUtf8 += countReplaced(line, chunk, start, stop);
    this.start = start;
    this.end = stop;
    this.next = lf + 1;
    return line;
  }
}

/** U+FFFD in the decoded line that the bytes did not hold as such: one per invalid sequence. */
function countReplaced(line: string, bytes: Buffer, start: number, stop: number): number {
  let decoded = 0;
  for (let at = line.indexOf('\uFFFD'); at >= 0; at = line.indexOf('\uFFFD', at + 1)) decoded++;
  if (decoded === 0) return 0;
  let literal = 0;
  for (let at = bytes.indexOf(REPLACEMENT_BYTES, start); at >= 0 && at + 3 <= stop; ) {
    literal++;
    at = bytes.indexOf(REPLACEMENT_BYTES, at + 3);
  }
  return decoded - literal;
}

/**
 * Splits a byte stream cut anywhere (an HTTP upload body, a socket) into the same lines {@link splitLines} gives
 * for the whole input: a line or a UTF-8 character may span pushes. Memory stays bounded by `maxLineBytes` plus
 * the bytes of one push. A UTF-8 byte-order mark at the start is dropped.
 *
 * @example
 * ```ts
 * const splitter = new LineSplitter();
 * for await (const piece of request.body) for (const line of splitter.push(piece)) handle(line);
 * for (const line of splitter.flush()) handle(line);
 * ```
 */
export class LineSplitter {
  /** Invalid UTF-8 sequences replaced so far. */
  invalidUtf8 = 0;
  /** Lines cut to `maxLineBytes` so far. */
  truncated = 0;
  private readonly chunker: LineChunker;
  private readonly maxLineBytes: number;
  private atStart = true;

  constructor({ maxLineBytes = 65_536 }: SplitLinesOptions = {}) {
    this.maxLineBytes = maxLineBytes;
    this.chunker = new LineChunker({ chunkBytes: Number.POSITIVE_INFINITY, maxLineBytes });
  }

  /** Bytes held back: the start of a line whose end has not arrived. */
  get bufferedBytes(): number {
    return this.chunker.bufferedBytes;
  }

  /**
   * Takes the next bytes; the chunker may keep views of them until their line ends, so do not change them.
   *
   * @returns the lines completed by these bytes.
   */
  push(bytes: Uint8Array): string[] {
    this.chunker.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return this.split(this.chunker.drain());
  }

  /** Ends the stream: the last line when it had no newline (or nothing). */
  flush(): string[] {
    return this.split(this.chunker.end());
  }

  private split(chunk: Buffer | null): string[] {
    if (chunk === null) return [];
    const result = splitLines(chunk, { maxLineBytes: this.maxLineBytes });
    this.invalidUtf8 += result.invalidUtf8;
    this.truncated += result.truncated;
    const lines = result.lines;
    if (this.atStart && lines.length > 0) {
      this.atStart = false;
      const first = lines[0];
      if (first.charCodeAt(0) === BOM) lines[0] = first.slice(1);
    }
    return lines;
  }
}
