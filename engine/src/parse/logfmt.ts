import type { ParsedRecord } from './record.js';
import { RecordBuilder } from './structured-fields.js';
import { currentYear } from './timestamp.js';

/** Options of {@link createLogfmtParser}. */
export interface LogfmtParserOptions {
  /** Year of timestamps written without one. @defaultValue the current year */
  year?: number;
}

const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const BACKSLASH = 92;
const DASH = 45;
const PLUS = 43;
const DOT = 46;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r' };

/**
 * Creates a logfmt parser (`time=… level=info msg="user \"bob\" logged in" dur=12.5`). The line must start with a
 * `key=value` pair and hold at least two of them, separated by spaces; bare keys (flags) are allowed but must be
 * fewer than pairs.
 * Quoted values may hold `\"`, `\\`, `\n`, `\t`. Keys follow the same conventions as JSON lines; unquoted numbers
 * become numeric fields, everything else categorical.
 *
 * @returns a parser giving `null` for a line that is not logfmt.
 *
 * @example
 * ```ts
 * createLogfmtParser()('ts=2024-05-01T10:00:00Z level=error msg="db timeout" component=api latency_ms=5012');
 * // { level: 'error', service: 'api', message: 'db timeout', numeric: { latency_ms: 5012 }, … }
 * ```
 */
export function createLogfmtParser({
  year = currentYear(),
}: LogfmtParserOptions = {}): (line: string) => ParsedRecord | null {
  const builder = new RecordBuilder(year);
  return (line) => {
    const length = line.length;
    let pairs = 0;
    let flags = 0;
    let at = skipSpaces(line, 0);
    while (at < length) {
      const equals = line.indexOf('=', at);
      let space = line.indexOf(' ', at);
      if (space < 0) space = length;
      if (equals < 0 || space < equals) {
        if (pairs === 0 || !isKey(line, at, space)) return discard(builder);
        flags++;
        builder.add(line.slice(at, space), true);
        at = skipSpaces(line, space);
        continue;
      }
      if (!isKey(line, at, equals)) return discard(builder);
      const key = line.slice(at, equals);
      at = equals + 1;
      if (line.charCodeAt(at) === QUOTE) {
        const end = closingQuote(line, at + 1);
        if (end < 0) return discard(builder);
        builder.add(key, unquote(line, at + 1, end));
        at = end + 1;
        if (at < length && line.charCodeAt(at) !== SPACE) return discard(builder);
      } else {
        const value = line.slice(at, space);
        builder.add(key, isNumber(value) ? Number(value) : value);
        at = space;
      }
      pairs++;
      at = skipSpaces(line, at);
    }
    if (pairs < 2 || flags >= pairs) return discard(builder);
    return builder.build('logfmt');
  };
}

/** A key: at least one character, no quote or tab. */
function isKey(line: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c === QUOTE || c === TAB) return false;
  }
  return true;
}

function discard(builder: RecordBuilder): null {
  builder.build('logfmt');
  return null;
}

function skipSpaces(line: string, from: number): number {
  let at = from;
  let c = line.charCodeAt(at);
  while (c === SPACE || c === TAB) c = line.charCodeAt(++at);
  return at;
}

/** The closing `"` from `from`, skipping escaped ones; -1 when there is none. */
function closingQuote(line: string, from: number): number {
  for (let quote = line.indexOf('"', from); quote >= 0; quote = line.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (line.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
  return -1;
}

function unquote(line: string, start: number, end: number): string {
  const raw = line.slice(start, end);
  if (raw.indexOf('\\') < 0) return raw;
  return raw.replace(/\\(.)/g, (_, ch: string) => ESCAPES[ch] ?? ch);
}

/** A plain decimal (`-12`, `3.5`, `1e3`); not `0x1f`, `12ms`, `1.2.3`, `NaN` or `Infinity`. */
function isNumber(value: string): boolean {
  const length = value.length;
  let at = value.charCodeAt(0) === DASH ? 1 : 0;
  const digitsStart = at;
  while (isDigit(value.charCodeAt(at))) at++;
  let digits = at - digitsStart;
  if (value.charCodeAt(at) === DOT) {
    const fractionStart = ++at;
    while (isDigit(value.charCodeAt(at))) at++;
    digits += at - fractionStart;
  }
  if (digits === 0) return false;
  if (at < length && (value.charCodeAt(at) | 32) === 101) {
    at++;
    const sign = value.charCodeAt(at);
    if (sign === DASH || sign === PLUS) at++;
    const exponentStart = at;
    while (isDigit(value.charCodeAt(at))) at++;
    if (at === exponentStart) return false;
  }
  return at === length;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Parses a logfmt line with the default options (the current year for year-less times). */
export const parseLogfmt: (line: string) => ParsedRecord | null = createLogfmtParser();
