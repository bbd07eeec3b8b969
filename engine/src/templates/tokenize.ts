import { isCalendarWord, isUnitWord, type MaskKind, maskKind } from './masks.js';

/** How the miner treats a token. */
export const TokenKind = {
  /** Plain text: compared as written. */
  Literal: 0,
  /** Probably a value: holds a digit, is a dotted name (`com.example.app`) or an empty slot (`()`, `key=`). */
  Variable: 1,
  /** A value recognised by a default mask: always a wildcard in templates. */
  Masked: 2,
} as const;
/** A {@link TokenKind} value. */
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];

/**
 * Token positions of one message, kept in typed arrays that are reused from line to line. Token `i` is
 * `message.slice(starts[i], ends[i])`; the text between tokens (whitespace and delimiters) is their glue.
 */
export class TokenBuffer {
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  kinds = new Uint8Array(64);
  count = 0;

  /** Appends a token, growing the arrays when full. */
  push(start: number, end: number, kind: TokenKind): void {
    if (this.count === this.starts.length) this.grow();
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.kinds[this.count] = kind;
    this.count++;
  }

  private grow(): void {
    const size = this.starts.length * 2;
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    const kinds = new Uint8Array(size);
    starts.set(this.starts);
    ends.set(this.ends);
    kinds.set(this.kinds);
    this.starts = starts;
    this.ends = ends;
    this.kinds = kinds;
  }
}

const SPACE = 1;
const DELIMITER = 2;
const OPENER = 4;
const CLOSER = 8;
const DIGIT = 16;
const LETTER = 32;
/** Characters that may make a word a masked value (with digits): `/ \ @ ~ . %`. */
const HINT = 64;
const HEX_LETTER = 128;
const DOT_CLASS = 256;

const CLASS = new Uint16Array(128);
for (let c = 0; c <= 32; c++) CLASS[c] = SPACE;
CLASS[127] = SPACE;
for (const ch of '=:,;()[]{}<>"|@#&\'') CLASS[ch.charCodeAt(0)] |= DELIMITER;
for (const ch of '([{<"\'') CLASS[ch.charCodeAt(0)] |= OPENER;
for (const ch of ')]}>"\',;:.!?') CLASS[ch.charCodeAt(0)] |= CLOSER;
for (const ch of '/\\@~.%') CLASS[ch.charCodeAt(0)] |= HINT;
for (let c = 48; c <= 57; c++) CLASS[c] = DIGIT;
for (let c = 65; c <= 90; c++) CLASS[c] = LETTER;
for (let c = 97; c <= 122; c++) CLASS[c] = LETTER;
for (const ch of 'abcdefABCDEF') CLASS[ch.charCodeAt(0)] |= HEX_LETTER;
CLASS[46] |= DOT_CLASS;

const APOSTROPHE = 39;
const EQUALS = 61;
const DOT = 46;
const COMMA = 44;
const COLON = 58;
const SLASH = 47;

function charClass(c: number): number {
  return c < 128 ? CLASS[c] : 0;
}

/** Whether a word or piece with these OR-ed and AND-ed character classes could be a masked value. */
function mayBeMasked(or: number, and: number, length: number): boolean {
  return (or & (DIGIT | HINT)) !== 0 || ((and & HEX_LETTER) !== 0 && length >= 8);
}

/**
 * Whether `text.slice(start, end)`, whose characters' classes OR to `or` (-1 when unknown), is masked. Digits,
 * or digits and dots after a leading digit (numbers, addresses, versions), are decided without a scan.
 */
function isMasked(text: string, start: number, end: number, or: number): boolean {
  if (
    or === DIGIT ||
    (or === (DIGIT | HINT | DOT_CLASS | CLOSER) && charClass(text.charCodeAt(start)) === DIGIT)
  ) {
    return true;
  }
  return maskKind(text, start, end) !== null;
}

/**
 * Splits a message into tokens, writing them into `out` (which is cleared first). Words are separated by
 * whitespace. A whole word (less wrapping brackets, quotes and trailing punctuation) that a default mask
 * recognises is one masked token, so `10.0.0.1:22` or `2016/9/27:20:30:31` stay whole; other words are split
 * further on `= : , ; ( ) [ ] { } < > " | @ # &` and on quotes that are not apostrophes, and each piece is
 * masked, marked variable, or kept literal. Then month and weekday names of dates and units after numbers
 * are masked, and runs of values separated by spaces or commas become one masked token.
 *
 * @returns the number of tokens.
 */
export function scanTokens(message: string, out: TokenBuffer): number {
  out.count = 0;
  const n = message.length;
  let i = 0;
  while (i < n) {
    while (i < n && charClass(message.charCodeAt(i)) & SPACE) i++;
    if (i >= n) break;
    const wordStart = i;
    let or = 0;
    let and = 0xffff;
    while (i < n) {
      const cls = charClass(message.charCodeAt(i));
      if (cls & SPACE) break;
      or |= cls;
      and &= cls;
      i++;
    }
    const wordEnd = i;
    if (mayBeMasked(or, and, wordEnd - wordStart)) {
      let coreStart = wordStart;
      let coreEnd = wordEnd;
      if (or & DELIMITER) {
        while (coreStart < coreEnd && charClass(message.charCodeAt(coreStart)) & OPENER) coreStart++;
      }
      while (coreEnd > coreStart && charClass(message.charCodeAt(coreEnd - 1)) & CLOSER) coreEnd--;
      if (
        coreEnd > coreStart &&
        isMasked(message, coreStart, coreEnd, coreEnd - coreStart === wordEnd - wordStart ? or : -1)
      ) {
        out.push(coreStart, coreEnd, TokenKind.Masked);
        continue;
      }
    }
    if ((or & DELIMITER) === 0) pushPiece(message, wordStart, wordEnd, or, and, out);
    else splitWord(message, wordStart, wordEnd, out);
  }
  if (out.count > 0) {
    maskDateAndUnitWords(message, out);
    mergeValueRuns(message, out);
  }
  return out.count;
}

/** Splits a word on delimiters, pushing its pieces and the empty value slots between them. */
function splitWord(message: string, wordStart: number, wordEnd: number, out: TokenBuffer): void {
  let pieceStart = wordStart;
  let or = 0;
  let and = 0xffff;
  for (let j = wordStart; j < wordEnd; j++) {
    const c = message.charCodeAt(j);
    const cls = charClass(c);
    if (
      (cls & DELIMITER) === 0 ||
      (c === APOSTROPHE &&
        j > wordStart &&
        j + 1 < wordEnd &&
        isLetterAt(message, j - 1) &&
        isLetterAt(message, j + 1))
    ) {
      or |= cls;
      and &= cls;
      continue;
    }
    if (c === COLON && isUrlScheme(message, pieceStart, j, wordEnd)) {
      let urlEnd = wordEnd;
      while (urlEnd > j + 3 && charClass(message.charCodeAt(urlEnd - 1)) & CLOSER) urlEnd--;
      out.push(pieceStart, urlEnd, TokenKind.Masked);
      pieceStart = urlEnd;
      j = urlEnd - 1;
      or = 0;
      and = 0xffff;
      continue;
    }
    if (j > pieceStart) pushPiece(message, pieceStart, j, or, and, out);
    pieceStart = j + 1;
    or = 0;
    and = 0xffff;
    if (isEmptyValue(message, c, j, wordStart, wordEnd)) out.push(j + 1, j + 1, TokenKind.Variable);
  }
  if (wordEnd > pieceStart) pushPiece(message, pieceStart, wordEnd, or, and, out);
}

/** Whether `message.slice(start, colon)` is a URL scheme followed by `://` inside the word. */
function isUrlScheme(message: string, start: number, colon: number, wordEnd: number): boolean {
  if (colon === start || colon + 3 >= wordEnd) return false;
  if (message.charCodeAt(colon + 1) !== SLASH || message.charCodeAt(colon + 2) !== SLASH) return false;
  for (let i = start; i < colon; i++) if ((charClass(message.charCodeAt(i)) & LETTER) === 0) return false;
  return true;
}

function pushPiece(
  message: string,
  start: number,
  end: number,
  or: number,
  and: number,
  out: TokenBuffer,
): void {
  if (mayBeMasked(or, and, end - start) && isMasked(message, start, end, or)) {
    out.push(start, end, TokenKind.Masked);
  } else if (or & DIGIT || (or & HINT && innerDots(message, start, end) >= 2)) {
    out.push(start, end, TokenKind.Variable);
  } else out.push(start, end, TokenKind.Literal);
}

function innerDots(message: string, start: number, end: number): number {
  let dots = 0;
  for (let i = start + 1; i < end - 1; i++) {
    if (message.charCodeAt(i) === DOT && message.charCodeAt(i + 1) !== DOT) dots++;
  }
  return dots;
}

function isLetterAt(message: string, at: number): boolean {
  return (charClass(message.charCodeAt(at)) & LETTER) !== 0;
}

const CLOSING = new Uint8Array(128);
for (const pair of ['()', '[]', '{}', '<>', '""', "''"]) CLOSING[pair.charCodeAt(0)] = pair.charCodeAt(1);

/** An empty pair of brackets or quotes, or a `key=` with no value: a value slot worth an (empty) token. */
function isEmptyValue(message: string, c: number, at: number, wordStart: number, wordEnd: number): boolean {
  const next = at + 1 < wordEnd ? message.charCodeAt(at + 1) : -1;
  if (c === EQUALS) {
    if (at === wordStart || charClass(message.charCodeAt(at - 1)) & DELIMITER) return false;
    return next === -1 || next === COMMA || next === 59 || next === 38;
  }
  return c < 128 && CLOSING[c] !== 0 && next === CLOSING[c];
}

/**
 * Masks words that belong to a masked value: month and weekday names of a date (before a masked value, or a
 * month after one) and a unit after a number (`5.2 KB`, `3 secs`).
 */
function maskDateAndUnitWords(message: string, out: TokenBuffer): void {
  const { starts, ends, kinds, count } = out;
  for (let i = 0; i < count; i++) {
    if (kinds[i] !== TokenKind.Literal) continue;
    const afterValue = i > 0 && kinds[i - 1] === TokenKind.Masked;
    if (
      afterValue &&
      onlySpaces(message, ends[i - 1], starts[i]) &&
      isUnitWord(message, starts[i], ends[i])
    ) {
      kinds[i] = TokenKind.Masked;
      if (message.charCodeAt(ends[i] - 1) === DOT) ends[i]--;
      continue;
    }
    const next = i + 1;
    let end = -1;
    if (next < count && kinds[next] === TokenKind.Masked) end = next;
    else if (
      next + 1 < count &&
      kinds[next] === TokenKind.Literal &&
      kinds[next + 1] === TokenKind.Masked &&
      isCalendarWord(message, starts[next], ends[next])
    ) {
      end = next + 1;
    } else if (afterValue) end = next;
    if (end < 0 || !isCalendarWord(message, starts[i], ends[i])) continue;
    for (let k = i; k < end; k++) kinds[k] = TokenKind.Masked;
    i = end - 1;
  }
}

function onlySpaces(message: string, start: number, end: number): boolean {
  if (end === start) return false;
  for (let i = start; i < end; i++) if ((charClass(message.charCodeAt(i)) & SPACE) === 0) return false;
  return true;
}

/**
 * Joins runs of values separated only by spaces or commas into one masked token, so that lists of any length
 * give the same template: masked values (`Fri Jul 1 07:57:30 2005`, `10.0.0.1:50010 10.0.0.2:50010`), or
 * variable tokens that start with the same letters (`blk_1 blk_2 blk_3`).
 */
function mergeValueRuns(message: string, out: TokenBuffer): void {
  const { starts, ends, kinds, count } = out;
  let kept = 1;
  let runStart = starts[0];
  for (let i = 1; i < count; i++) {
    const last = kept - 1;
    const kind = kinds[i];
    if (
      kind !== TokenKind.Literal &&
      kinds[last] !== TokenKind.Literal &&
      (kind === TokenKind.Masked
        ? kinds[last] === TokenKind.Masked
        : sameLeadingLetters(message, runStart, starts[i], ends[i])) &&
      isListGlue(message, ends[last], starts[i])
    ) {
      ends[last] = ends[i];
      kinds[last] = TokenKind.Masked;
      continue;
    }
    starts[kept] = starts[i];
    ends[kept] = ends[i];
    kinds[kept] = kinds[i];
    runStart = starts[i];
    kept++;
  }
  out.count = kept;
}

/** Whether the token at `b` starts with the same letters (and underscores) as the one at `a`, at least one. */
function sameLeadingLetters(message: string, a: number, b: number, bEnd: number): boolean {
  let k = 0;
  for (; b + k < bEnd; k++) {
    const c = message.charCodeAt(b + k);
    if ((charClass(c) & LETTER) === 0 && c !== 95) break;
    if (message.charCodeAt(a + k) !== c) return false;
  }
  if (k === 0) return false;
  const after = message.charCodeAt(a + k);
  return !((charClass(after) & LETTER) !== 0 || after === 95);
}

function isListGlue(message: string, start: number, end: number): boolean {
  if (end === start) return false;
  let spaces = false;
  for (let i = start; i < end; i++) {
    const c = message.charCodeAt(i);
    if (charClass(c) & SPACE) spaces = true;
    else if (c !== COMMA) return false;
  }
  return spaces || end - start === 1;
}

/** One token of a message, as {@link tokenize} returns it. */
export interface Token {
  text: string;
  kind: TokenKind;
  /** What a default mask recognised it as, for single masked tokens; `null` otherwise. */
  mask: MaskKind | null;
  start: number;
  end: number;
}

/**
 * Splits a message into tokens (see {@link scanTokens}); a convenience for tests and tools, the miner reuses a
 * {@link TokenBuffer} instead.
 *
 * @example
 * ```ts
 * tokenize('uid=0 rhost=10.0.0.1').map((t) => t.text); // ['uid', '0', 'rhost', '10.0.0.1']
 * ```
 */
export function tokenize(message: string): Token[] {
  const buffer = new TokenBuffer();
  const count = scanTokens(message, buffer);
  const tokens: Token[] = [];
  for (let i = 0; i < count; i++) {
    const start = buffer.starts[i];
    const end = buffer.ends[i];
    const kind = buffer.kinds[i] as TokenKind;
    tokens.push({
      text: message.slice(start, end),
      kind,
      mask: kind === TokenKind.Masked ? maskKind(message, start, end) : null,
      start,
      end,
    });
  }
  return tokens;
}
