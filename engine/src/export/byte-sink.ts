/**
 * A growable byte buffer that JSON is encoded into as it is produced, so that no string is built for each of the
 * millions of lines `analyze --json` writes.
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

  private ensure(bytes: number): void {
    if (this.buf === null || this.length + bytes > this.buf.length) this.grow(this.length + bytes);
  }

  /** Appends bytes. */
  bytes(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    const buf = this.buf as Buffer;
    // Most pieces are a few bytes (keys, punctuation), for which a loop beats the call into `set`.
    if (n > 32) buf.set(b, this.length);
    else for (let i = 0, p = this.length; i < n; i++) buf[p + i] = b[i];
    this.length += n;
  }

  /** Appends text known to be printable ASCII with nothing to escape (keys, numbers, fixed words). */
  ascii(text: string): void {
    this.ensure(text.length);
    const buf = this.buf as Buffer;
    let p = this.length;
    for (let i = 0; i < text.length; i++) buf[p++] = text.charCodeAt(i);
    this.length = p;
  }

  /** Appends the decimal digits of a non-negative safe integer (as `String(n)`). */
  uint(n: number): void {
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    this.ensure(digits);
    const b = this.buf as Buffer;
    let p = this.length + digits;
    this.length = p;
    let x = n;
    do {
      const q = Math.floor(x / 10);
      b[--p] = 48 + (x - q * 10);
      x = q;
    } while (x > 0);
  }

  /** Appends `JSON.stringify(text)` as UTF-8, byte for byte, without making the string. */
  jsonString(text: string): void {
    const n = text.length;
    this.ensure(6 * n + 2);
    const b = this.buf as Buffer;
    let p = this.length;
    b[p++] = 34;
    if (!NEEDS_ESCAPE.test(text)) {
      // Nothing to escape (the common case): the runtime's encoder is several times faster than a loop here.
      p += b.write(text, p, 'utf8');
      b[p++] = 34;
      this.length = p;
      return;
    }
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c !== 34 && c !== 92) b[p++] = c;
        else p = escapeAscii(b, p, c);
      } else if (c < 0x800) {
        b[p++] = 0xc0 | (c >> 6);
        b[p++] = 0x80 | (c & 0x3f);
      } else if (c < 0xd800 || c > 0xdfff) {
        b[p++] = 0xe0 | (c >> 12);
        b[p++] = 0x80 | ((c >> 6) & 0x3f);
        b[p++] = 0x80 | (c & 0x3f);
      } else {
        const d = c <= 0xdbff && i + 1 < n ? text.charCodeAt(i + 1) : 0;
        if (d >= 0xdc00 && d <= 0xdfff) {
          const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          b[p++] = 0xf0 | (cp >> 18);
          b[p++] = 0x80 | ((cp >> 12) & 0x3f);
          b[p++] = 0x80 | ((cp >> 6) & 0x3f);
          b[p++] = 0x80 | (cp & 0x3f);
          i++;
        } else p = hexEscape(b, p, c); // a lone surrogate, escaped as JSON.stringify does
      }
    }
    b[p++] = 34;
    this.length = p;
  }

  /**
   * Appends the JSON string of UTF-8 text given as bytes (`bytes[start..end)`, valid UTF-8): what
   * {@link ByteSink.jsonString} gives for the decoded text, without decoding or re-encoding it.
   */
  jsonUtf8(bytes: Uint8Array, start: number, end: number): void {
    this.ensure(6 * (end - start) + 2);
    const b = this.buf as Buffer;
    let p = this.length;
    b[p++] = 34;
    for (let i = start; i < end; i++) {
      const c = bytes[i];
      // Valid UTF-8 holds no surrogates, so only ASCII controls, the quote and the backslash are escaped.
      if (ESCAPED_BYTE[c] === 0) b[p++] = c;
      else p = escapeAscii(b, p, c);
    }
    b[p++] = 34;
    this.length = p;
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

  /** A copy of the bytes written, which are then dropped (the sink keeps its memory). */
  copyOut(): Uint8Array {
    const out = new Uint8Array(this.length);
    if (this.buf !== null) out.set(this.buf.subarray(0, this.length));
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

/** Characters JSON.stringify escapes, and surrogates (it escapes lone ones). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what JSON escapes.
export const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** 1 for the bytes JSON escapes in UTF-8 text: ASCII controls, `"` and `\`. */
const ESCAPED_BYTE = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) ESCAPED_BYTE[c] = 1;
ESCAPED_BYTE[34] = 1;
ESCAPED_BYTE[92] = 1;

const HEX = '0123456789abcdef';
/** The letter of JSON's two-character escape of an ASCII character, by code (0: none). */
const SHORT_ESCAPES = new Uint8Array(128);
for (const [c, letter] of [
  [8, 98],
  [9, 116],
  [10, 110],
  [12, 102],
  [13, 114],
  [34, 34],
  [92, 92],
])
  SHORT_ESCAPES[c] = letter;

/** Writes JSON's escape of an ASCII control character, quote or backslash; returns the new position. */
function escapeAscii(b: Buffer, at: number, c: number): number {
  const short = SHORT_ESCAPES[c];
  if (short === 0) return hexEscape(b, at, c);
  b[at] = 92;
  b[at + 1] = short;
  return at + 2;
}

/** Writes a `\u` escape with four lowercase hex digits, as JSON.stringify does; returns the new position. */
function hexEscape(b: Buffer, at: number, c: number): number {
  b[at] = 92;
  b[at + 1] = 117;
  b[at + 2] = HEX.charCodeAt((c >> 12) & 15);
  b[at + 3] = HEX.charCodeAt((c >> 8) & 15);
  b[at + 4] = HEX.charCodeAt((c >> 4) & 15);
  b[at + 5] = HEX.charCodeAt(c & 15);
  return at + 6;
}
