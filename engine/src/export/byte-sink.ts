/**
 * A growable byte buffer that text is encoded into as it is produced, so that millions of short-lived strings
 * (one JSON line per log line) die young instead of being kept for a join and an encode.
 */
export class ByteSink {
  private buf: Buffer;
  private length = 0;

  constructor(initialBytes = 1 << 20) {
    this.buf = Buffer.allocUnsafeSlow(initialBytes);
  }

  /** Appends text as UTF-8. */
  write(text: string): void {
    const max = text.length * 3;
    if (this.length + max > this.buf.length) this.grow(this.length + max);
    this.length += this.buf.write(text, this.length, 'utf8');
  }

  /** The bytes written, in a buffer of their own (safe to transfer to another thread). */
  take(): Uint8Array {
    const out = new Uint8Array(this.length);
    out.set(this.buf.subarray(0, this.length));
    this.length = 0;
    return out;
  }

  private grow(min: number): void {
    let size = this.buf.length * 2;
    while (size < min) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
}
