/** Why a sample does not look like text. */
export type BinaryReason = 'nul' | 'non-text';

/** Bytes of the decompressed start of a file that {@link detectBinary} looks at. */
export const BINARY_SAMPLE_BYTES = 64 * 1024;

/** Share of non-text bytes above which a sample is binary; Latin-1 logs stay far below it. */
const MAX_NON_TEXT_SHARE = 0.3;

// Control characters text does not hold; tab, LF, VT, FF, CR and ESC (ANSI colours) are text.
const CONTROL = new Uint8Array(256);
for (let b = 0; b < 32; b++) CONTROL[b] = 1;
for (const b of [9, 10, 11, 12, 13, 27]) CONTROL[b] = 0;
CONTROL[127] = 1;

/**
 * Tells whether the start of a file is binary: any NUL byte, or more than 30 % of bytes that are control
 * characters or not part of valid UTF-8. An incomplete UTF-8 character at the very end of the sample is text.
 *
 * @returns the reason, or `null` for text.
 */
export function detectBinary(sample: Uint8Array): BinaryReason | null {
  if (sample.indexOf(0) >= 0) return 'nul';
  let nonText = 0;
  let i = 0;
  const n = sample.length;
  while (i < n) {
    const b = sample[i];
    if (b < 0x80) {
      nonText += CONTROL[b];
      i++;
      continue;
    }
    const size = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (size === 0) {
      nonText++;
      i++;
      continue;
    }
    let k = 1;
    while (k < size && i + k < n && (sample[i + k] & 0xc0) === 0x80) k++;
    if (k === size || i + k === n) i += k;
    else {
      nonText++;
      i++;
    }
  }
  return n > 0 && nonText / n > MAX_NON_TEXT_SHARE ? 'non-text' : null;
}
