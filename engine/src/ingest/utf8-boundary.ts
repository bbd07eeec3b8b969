const CR = 13;

function isContinuation(byte: number): boolean {
  return (byte & 0xc0) === 0x80;
}

/**
 * Where to cut a line of more than `maxBytes` bytes so that it keeps at most `maxBytes` and never ends inside a
 * UTF-8 character: the last character start at or before `start + maxBytes`. Invalid bytes (four or more
 * continuation bytes in a row) are cut at `start + maxBytes`.
 *
 * @param bytes - holds the line at `[start, …)`, longer than `maxBytes`.
 * @returns the end (exclusive) of the kept bytes.
 */
export function utf8CutBefore(bytes: Uint8Array, start: number, maxBytes: number): number {
  const limit = start + maxBytes;
  let cut = limit;
  while (cut > limit - 3 && cut > start && isContinuation(bytes[cut])) cut--;
  return isContinuation(bytes[cut]) ? limit : cut;
}

/**
 * Where a reader cuts a line of more than `maxBytes` bytes when it must drop the rest but leave the final cut to
 * the line splitter: just past `maxBytes`, at the end of the character that byte starts, and never right after a
 * `\r` (which would read as a CRLF and hide that the line was longer). The result keeps more than `maxBytes`
 * bytes, so a splitter given the same `maxBytes` still cuts and counts the line.
 *
 * @param end - end (exclusive) of the line's bytes in `bytes`; the cut is at most `start + maxBytes + 8` and,
 * when the line is longer than that, before `end`.
 */
export function utf8CutAfter(bytes: Uint8Array, start: number, end: number, maxBytes: number): number {
  let cut = skipContinuation(bytes, start + maxBytes + 1, end);
  if (bytes[cut - 1] === CR && cut < end) cut = skipContinuation(bytes, cut + 1, end);
  return cut;
}

function skipContinuation(bytes: Uint8Array, from: number, end: number): number {
  let at = from;
  while (at < end && at < from + 3 && isContinuation(bytes[at])) at++;
  return at;
}
