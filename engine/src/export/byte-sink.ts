/**
 * A growable byte buffer that text is encoded into as it is produced, so that millions of short-lived strings
 * (one JSON line per log line) die young instead of being kept for a join and an encode.
 */
export class ByteSink {
  private buf: Buffer | null;
  private length = 0;

  constructor(private readonly initialBytes = 1 << 20) {
    this.buf = null;
  }

  /** Writes into this memory from now on (a buffer handed back after {@link ByteSink.handOver}), when it is larger. */
  adopt(memory: ArrayBuffer): void {
    if (this.length > 0 || (this.buf && this.buf.length >= memory.byteLength)) return;
    this.buf = Buffer.from(memory);
  }

  /** Appends text as UTF-8. */
  write(text: string): void {
    const max = text.length * 3;
    if (this.buf === null || this.length + max > this.buf.length) this.grow(this.length + max);
    const buf = this.buf as Buffer;
    this.length += buf.write(text, this.length, 'utf8');
  }

  /** The bytes written, in a buffer of their own (safe to transfer to another thread). */
  take(): Uint8Array {
    const out = new Uint8Array(this.length);
    if (this.buf) out.set(this.buf.subarray(0, this.length));
    this.length = 0;
    return out;
  }

  /**
   * The bytes written, as a view of the sink's own memory, which the sink gives up (to transfer it without a copy;
   * the receiver may hand it back through {@link ByteSink.adopt}).
   */
  handOver(): Uint8Array {
    const buf = this.buf;
    const out = buf ? new Uint8Array(buf.buffer, buf.byteOffset, this.length) : new Uint8Array(0);
    this.buf = null;
    this.length = 0;
    return out;
  }

  private grow(min: number): void {
    let size = this.buf ? this.buf.length * 2 : this.initialBytes;
    while (size < min) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf?.copy(next, 0, 0, this.length);
    this.buf = next;
  }
}
