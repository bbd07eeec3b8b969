import { normalizeLevel } from './level.js';
import type { Level, ParsedRecord } from './record.js';
import { currentYear, TimestampScanner } from './timestamp.js';

/** Options of {@link createGenericParser}. */
export interface GenericParserOptions {
  /** Year of timestamps written without one (`Mmm dd hh:mm:ss`). @defaultValue the current year (UTC) */
  year?: number;
}

const SPACE = 32;
const TAB = 9;
const COLON = 58;
const COMMA = 44;
const DASH = 45;
const PIPE = 124;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
/** Lower-case level words taken without brackets or colon; rarer ones (`alert`, `config`…) start messages too. */
const PLAIN_LEVEL_WORDS = new Set([
  'trace',
  'debug',
  'info',
  'warn',
  'warning',
  'error',
  'err',
  'fatal',
  'crit',
  'critical',
  'panic',
  'notice',
]);
/** Tokens (pids, `[thread]`) that may stand between the time and the level. */
const MAX_HEADER_TOKENS = 2;
const MAX_SERVICE_LENGTH = 80;
/** Longest token taken as a prefix before the time (see {@link GenericScanner.parse}). */
const MAX_PREFIX_LENGTH = 64;

/**
 * Creates the fallback parser, for any line: a leading timestamp in a common shape (see `scanTimestamp`),
 * optionally in brackets, or after one token (a file or host name, kept as the `prefix` field) when it has a time of
 * day; then up to two header tokens (a pid, a `[thread]`) before a level word (`INFO`,
 * `[warn]`, `<ERROR>`, `error:`); then a service (`[name]`, `name:`, a dotted logger followed by ` - `); the rest
 * is the message. Each part is optional and looked for only after the ones before it; a service is looked for
 * only after a time or a level, so that `Error: x` stays a message. Header tokens go to the `pid` and `thread`
 * categorical fields.
 *
 * @returns a parser that never gives `null`.
 *
 * @example
 * ```ts
 * createGenericParser()('2024-05-01 10:00:00,123 [main] WARN  com.example.Pool - pool exhausted');
 * // { timestamp: 1714557600123, level: 'warn', service: 'com.example.Pool', message: 'pool exhausted',
 * //   categorical: { thread: 'main' }, … }
 * ```
 */
export function createGenericParser({
  year = currentYear(),
}: GenericParserOptions = {}): (line: string) => ParsedRecord {
  const scanner = new GenericScanner(year);
  return (line) => scanner.parse(line);
}

/** The scanning state of one generic parser, kept in fields so that a line allocates only its record. */
class GenericScanner {
  private readonly time = new TimestampScanner();
  private line = '';
  /** End of the last thing found. */
  private end = 0;
  private level: Level | null = null;
  /** The level was followed by `:` and a name without space (`WARNING:urllib3.pool:msg`). */
  private glued = false;
  private service: string | null = null;

  constructor(private readonly year: number) {}

  parse(line: string): ParsedRecord {
    this.line = line;
    const categorical: Record<string, string> = {};
    let at = skipSpaces(line, 0);
    let timestamp: number | null = null;
    const bracketed = line.charCodeAt(at) === OPEN_BRACKET;
    let found = this.time.scan(line, bracketed ? at + 1 : at, this.year);
    if (!found && !bracketed) {
      // One token before the time: a file or host name that aggregated logs carry in front of each line.
      const end = tokenEnd(line, at);
      const next = skipSpaces(line, end);
      if (
        end > at &&
        end - at <= MAX_PREFIX_LENGTH &&
        next > end &&
        this.time.scan(line, next, this.year) &&
        isClockTime(line, next, this.time.end) &&
        normalizeLevel(line.slice(at, end)) === null
      ) {
        categorical.prefix = line.slice(at, end);
        found = true;
      }
    }
    if (found) {
      timestamp = this.time.ms;
      at = this.time.end;
      if (bracketed) {
        const close = line.indexOf(']', at);
        if (close >= 0 && close - at <= 12) at = close + 1;
      }
      // A comma may end the time (`2016-09-29 00:00:46, Info  CBS  …`, as Windows' CBS log writes).
      if (line.charCodeAt(at) === COMMA && line.charCodeAt(at + 1) === SPACE) at++;
      at = skipSeparator(line, skipSpaces(line, at));
    }
    this.level = null;
    this.glued = false;
    at = this.findLevel(at, categorical);
    this.service = null;
    if (timestamp !== null || this.level !== null) at = this.findService(at);
    return {
      timestamp,
      level: this.level,
      service: this.service,
      message: at === 0 ? line : line.slice(at),
      numeric: {},
      categorical,
      format: 'generic',
    };
  }

  /** Looks for a level after up to two header tokens; returns where the rest starts. */
  private findLevel(from: number, categorical: Record<string, string>): number {
    const line = this.line;
    let at = from;
    let firstHeader = -1;
    let numericHeaders = true;
    for (let k = 0; k <= MAX_HEADER_TOKENS && at < line.length; k++) {
      if (this.levelAt(at, k > 0 && numericHeaders)) {
        if (firstHeader >= 0) readHeaders(line, firstHeader, at, categorical);
        return this.end;
      }
      const end = tokenEnd(line, at);
      const thread =
        end - at > 2 && line.charCodeAt(at) === OPEN_BRACKET && line.charCodeAt(end - 1) === CLOSE_BRACKET;
      const digits = isDigits(line, at, end);
      if (!thread && !digits) return from;
      if (!digits) numericHeaders = false;
      if (firstHeader < 0) firstHeader = at;
      at = skipSpaces(line, end);
    }
    return from;
  }

  /** A level token at `from`: `WORD`, `[word]`, `<word>`, `(word)`, `word:`; with `letters`, `D`, `I`, `W`, `E`. */
  private levelAt(from: number, letters: boolean): boolean {
    const line = this.line;
    let at = from;
    const open = line.charCodeAt(at);
    const close = open === OPEN_BRACKET ? CLOSE_BRACKET : open === 60 ? 62 : open === 40 ? 41 : 0;
    if (close !== 0) at = skipSpaces(line, at + 1);
    const wordStart = at;
    while (isLetter(line.charCodeAt(at))) at++;
    const length = at - wordStart;
    if (length === 0 || length > 13 || (length === 1 && (!letters || close !== 0))) return false;
    const next = line.charCodeAt(at);
    if (close === 0 && at < line.length && next !== SPACE && next !== TAB && next !== COLON) return false;
    const word = line.slice(wordStart, at);
    const level = normalizeLevel(word, { letters: length === 1 });
    if (level === null) return false;
    let glued = false;
    if (close !== 0) {
      at = skipSpaces(line, at);
      if (line.charCodeAt(at) !== close) return false;
      at++;
      if (line.charCodeAt(at) === COLON) at++;
    } else if (next === COLON) {
      at++;
      glued = at < line.length && line.charCodeAt(at) !== SPACE && line.charCodeAt(at) !== TAB;
    } else if (word !== word.toUpperCase() && !PLAIN_LEVEL_WORDS.has(word.toLowerCase())) return false;
    if (!glued && at < line.length && line.charCodeAt(at) !== SPACE && line.charCodeAt(at) !== TAB)
      return false;
    this.level = level;
    this.glued = glued;
    this.end = glued ? at : skipSeparator(line, skipSpaces(line, at));
    return true;
  }

  /**
   * A service at `from`: `[name]`, `name:`, `dotted.logger -`, after a level a name set off by three or more spaces, or
   * after a glued level `name:`; where the rest starts.
   */
  private findService(from: number): number {
    const line = this.line;
    if (from >= line.length) return from;
    if (this.glued) {
      const colon = line.indexOf(':', from);
      if (colon < 0 || !isServiceName(line, from, colon)) return from;
      this.service = line.slice(from, colon);
      return colon + 1;
    }
    if (line.charCodeAt(from) === OPEN_BRACKET) {
      const close = line.indexOf(']', from + 1);
      if (close < 0 || !isServiceName(line, from + 1, close)) return from;
      this.service = line.slice(from + 1, close);
      return skipSeparator(line, skipSpaces(line, close + 1));
    }
    const end = tokenEnd(line, from);
    if (line.charCodeAt(end - 1) === COLON && end - 1 > from && isServiceName(line, from, end - 1)) {
      this.service = line.slice(from, end - 1);
      return skipSpaces(line, end);
    }
    const after = skipSpaces(line, end);
    // Column layout after a level (`Info      CBS    Loaded …`): a name that three or more spaces set off (two
    // may be a message's own typing).
    if (
      this.level !== null &&
      after - end >= 3 &&
      after < line.length &&
      line.charCodeAt(end) === SPACE &&
      line.charCodeAt(end + 1) === SPACE &&
      line.charCodeAt(end + 2) === SPACE &&
      isServiceName(line, from, end)
    ) {
      this.service = line.slice(from, end);
      return after;
    }
    if (line.charCodeAt(after) !== DASH || line.charCodeAt(after + 1) !== SPACE) return from;
    const dot = line.indexOf('.', from);
    if (dot < 0 || dot >= end || !isServiceName(line, from, end)) return from;
    this.service = line.slice(from, end);
    return skipSpaces(line, after + 1);
  }
}

/** Parses any line with the default options (the current year for year-less times). */
export const parseGeneric: (line: string) => ParsedRecord = createGenericParser();

/** Header tokens in `[from, to)` into `pid` (digits) and `thread` (`[name]`). */
function readHeaders(line: string, from: number, to: number, categorical: Record<string, string>): void {
  let at = from;
  while (at < to) {
    const end = tokenEnd(line, at);
    if (line.charCodeAt(at) === OPEN_BRACKET) categorical.thread = line.slice(at + 1, end - 1);
    else categorical.pid = line.slice(at, end);
    at = skipSpaces(line, end);
  }
}

/**
 * Whether a time read after a prefix, `line[start, end)`, has a time of day and ends the token: an epoch number or a
 * date inside a message is no line time.
 */
function isClockTime(line: string, start: number, end: number): boolean {
  if (end < line.length && line.charCodeAt(end) !== SPACE && line.charCodeAt(end) !== TAB) return false;
  for (let i = start; i < end; i++) if (line.charCodeAt(i) === COLON) return true;
  return false;
}

function skipSpaces(line: string, from: number): number {
  let at = from;
  let c = line.charCodeAt(at);
  while (c === SPACE || c === TAB) c = line.charCodeAt(++at);
  return at;
}

/** Skips a `|` or `-` standing alone between fields. */
function skipSeparator(line: string, at: number): number {
  const c = line.charCodeAt(at);
  const next = line.charCodeAt(at + 1);
  if ((c === PIPE || c === DASH) && (next === SPACE || next === TAB)) return skipSpaces(line, at + 1);
  return at;
}

function tokenEnd(line: string, from: number): number {
  let at = from;
  let c = line.charCodeAt(at);
  while (at < line.length && c !== SPACE && c !== TAB) c = line.charCodeAt(++at);
  return at;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isDigits(line: string, start: number, end: number): boolean {
  if (end <= start || end - start > 12) return false;
  for (let i = start; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Letters, digits and `_.$/@#-`, with a letter, at most 80 characters. */
function isServiceName(line: string, start: number, end: number): boolean {
  if (end <= start || end - start > MAX_SERVICE_LENGTH) return false;
  let letter = false;
  for (let i = start; i < end; i++) {
    const c = line.charCodeAt(i);
    if (isLetter(c)) letter = true;
    else if (
      !(
        (c >= 48 && c <= 57) ||
        c === 95 ||
        c === 46 ||
        c === 36 ||
        c === 47 ||
        c === 64 ||
        c === 35 ||
        c === DASH
      )
    ) {
      return false;
    }
  }
  return letter;
}
