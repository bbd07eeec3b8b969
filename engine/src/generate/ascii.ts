/**
 * Writing ASCII straight into a byte buffer: every function takes the buffer and a position and returns the
 * position after what it wrote. Lines are built this way, without intermediate strings, because building and
 * then flattening a string per line costs as much as generating it.
 */

/** A text that is not plain ASCII (every byte of a synthetic log is one character). */
export class NonAsciiTextError extends Error {
  override name = 'NonAsciiTextError';
}

const HEX_DIGITS = Uint8Array.from('0123456789abcdef', (ch) => ch.charCodeAt(0));

/** Encodes ASCII text; throws {@link NonAsciiTextError} on any other character. */
export function ascii(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 127) throw new NonAsciiTextError(`non-ASCII character in ${JSON.stringify(text)}`);
    bytes[i] = code;
  }
  return bytes;
}

/** Copies `bytes` to `out` at `pos`. */
export function putBytes(out: Uint8Array, pos: number, bytes: Uint8Array): number {
  const n = bytes.length;
  // A native copy beats a loop from about a dozen bytes.
  if (n > 12) {
    out.set(bytes, pos);
    return pos + n;
  }
  for (let i = 0; i < n; i++) out[pos + i] = bytes[i];
  return pos + n;
}

/** Writes a non-negative integer below 2^31 in decimal. */
export function putInt(out: Uint8Array, pos: number, value: number): number {
  let n = value;
  const end =
    pos +
    (n < 10
      ? 1
      : n < 100
        ? 2
        : n < 1e3
          ? 3
          : n < 1e4
            ? 4
            : n < 1e5
              ? 5
              : n < 1e6
                ? 6
                : n < 1e7
                  ? 7
                  : n < 1e8
                    ? 8
                    : n < 1e9
                      ? 9
                      : 10);
  let p = end;
  do {
    const q = (n / 10) | 0;
    out[--p] = 48 + n - q * 10;
    n = q;
  } while (n > 0);
  return end;
}

/** Writes an integer in [0, 100) as two digits. */
export function put2(out: Uint8Array, pos: number, n: number): number {
  const tens = (n / 10) | 0;
  out[pos] = 48 + tens;
  out[pos + 1] = 48 + n - tens * 10;
  return pos + 2;
}

/** Writes an integer in [0, 1000) as three digits. */
export function put3(out: Uint8Array, pos: number, n: number): number {
  const hundreds = (n / 100) | 0;
  out[pos] = 48 + hundreds;
  return put2(out, pos + 1, n - hundreds * 100);
}

/** Writes the low `digits` hex digits (1–8) of a 32-bit value, most significant first. */
export function putHex(out: Uint8Array, pos: number, value: number, digits = 8): number {
  for (let i = 0; i < digits; i++) out[pos + i] = HEX_DIGITS[(value >>> ((digits - 1 - i) * 4)) & 15];
  return pos + digits;
}
