import { utf8CutAfter } from './utf8-boundary.js';

const LF = 10;
const CR = 13;
const NEWLINE = Buffer.from('\n');
/** Lines up to this many bytes past `maxLineBytes` pass whole; beyond, {@link utf8CutAfter} cuts within them. */
const SLACK = 8;

/** Options of {@link LineChunker}. */
export interface LineChunkerOptions {
  /** A chunk is emitted once it holds this many bytes, at the next end of line. */
  chunkBytes: number;
  /** Lines longer than this (without `\n` / `\r\n`) are cut just past it and the rest dropped. */
  maxLineBytes: number;
}

/**
 * Regroups bytes cut anywhere into chunks of whole lines: every chunk but the last ends right after a `\n`, so
 * chunks decode independently and a UTF-8 character is never split. Memory stays bounded whatever the input: a
 * line longer than `maxLineBytes` keeps only its first bytes, cut a little past `maxLineBytes` at a character
 * end (see {@link utf8CutAfter}) so that `splitLines` with the same `maxLineBytes` makes the final cut and counts
 * it; the rest of the line is dropped as it arrives.
 *
 * @example
 * ```ts
 * const chunker = new LineChunker({ chunkBytes: 4 << 20, maxLineBytes: 65_536 });
 * for (const piece of pieces) for (const chunk of chunker.push(piece)) handle(chunk);
 * const last = chunker.end();
 * if (last) handle(last);
 * ```
 */
export class LineChunker {
  /** Lines cut so far. */
  linesTruncated = 0;
  private readonly chunkBytes: number;
  private readonly maxLineBytes: number;
  /** Longer lines are cut here; shorter ones pass whole, for `splitLines` to cut. */
  private readonly cutBeyond: number;
  private parts: Buffer[] = [];
  private size = 0;
  /** The start of a line that continues in the next input. */
  private readonly carry: Buffer;
  private carryLength = 0;
  /** The carried line outgrew `carry`: its bytes beyond are being dropped. */
  private overflow = false;

  constructor({ chunkBytes, maxLineBytes }: LineChunkerOptions) {
    this.chunkBytes = chunkBytes;
    this.maxLineBytes = maxLineBytes;
    this.cutBeyond = maxLineBytes + SLACK;
    // One byte more for the `\r` of a `\r\n`.
    this.carry = Buffer.allocUnsafe(this.cutBeyond + 1);
  }

  /** Bytes held: whole lines not yet emitted and the start of an unfinished line. */
  get bufferedBytes(): number {
    return this.size + this.carryLength;
  }

  /**
   * Takes the next bytes of the input. Emitted chunks are copies, but until then the chunker may hold views of
   * `input`: do not change it afterwards.
   *
   * @returns the chunks that reached `chunkBytes`, in order.
   */
  push(input: Buffer): Buffer[] {
    const chunks: Buffer[] = [];
    let pos = 0;
    if (this.carryLength > 0 || this.overflow) {
      const lf = input.indexOf(LF);
      if (lf < 0) {
        this.appendCarry(input, 0, input.length);
        return chunks;
      }
      this.appendCarry(input, 0, lf);
      this.finishCarriedLine(true);
      pos = lf + 1;
      if (this.size >= this.chunkBytes) chunks.push(this.take());
    }
    let runStart = pos;
    for (let lf = input.indexOf(LF, pos); lf >= 0; lf = input.indexOf(LF, pos)) {
      const contentEnd = lf > pos && input[lf - 1] === CR ? lf - 1 : lf;
      if (contentEnd - pos > this.maxLineBytes) {
        this.linesTruncated++;
        if (contentEnd - pos > this.cutBeyond) {
          this.add(input.subarray(runStart, pos));
          this.add(input.subarray(pos, utf8CutAfter(input, pos, contentEnd, this.maxLineBytes)));
          this.add(NEWLINE);
          runStart = lf + 1;
        }
      }
      pos = lf + 1;
      if (this.size + pos - runStart >= this.chunkBytes) {
        this.add(input.subarray(runStart, pos));
        chunks.push(this.take());
        runStart = pos;
      }
    }
    this.add(input.subarray(runStart, pos));
    if (pos < input.length) this.appendCarry(input, pos, input.length);
    return chunks;
  }

  /** The whole lines held so far as one chunk, or `null` when none; for consumers that cannot wait. */
  drain(): Buffer | null {
    return this.size > 0 ? this.take() : null;
  }

  /** Ends the input: what is left, including a last line without a newline, or `null` when nothing is. */
  end(): Buffer | null {
    if (this.carryLength > 0 || this.overflow) this.finishCarriedLine(false);
    return this.drain();
  }

  private add(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.parts.push(bytes);
    this.size += bytes.length;
  }

  private take(): Buffer {
    const chunk = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    return chunk;
  }

  private appendCarry(input: Buffer, from: number, to: number): void {
    if (this.overflow) return;
    const room = this.carry.length - this.carryLength;
    const end = Math.min(to, from + room);
    input.copy(this.carry, this.carryLength, from, end);
    this.carryLength += end - from;
    if (end < to) this.overflow = true;
  }

  private finishCarriedLine(newline: boolean): void {
    const length = this.carryLength;
    const content = newline && !this.overflow && this.carry[length - 1] === CR ? length - 1 : length;
    let keep = length;
    if (this.overflow || content > this.maxLineBytes) this.linesTruncated++;
    if (this.overflow || content > this.cutBeyond)
      keep = utf8CutAfter(this.carry, 0, content, this.maxLineBytes);
    this.add(Buffer.from(this.carry.subarray(0, keep)));
    if (newline) this.add(NEWLINE);
    this.carryLength = 0;
    this.overflow = false;
  }
}
