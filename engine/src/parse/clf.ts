import type { Level, ParsedRecord } from './record.js';
import { TimestampScanner } from './timestamp.js';

const SPACE = 32;
const QUOTE = 34;
const BACKSLASH = 92;
const CLOSE_BRACKET = 93;
const DASH = 45;
const COMMA = 44;
const DOT = 46;
const EQUALS = 61;
/** The year argument of scanTimestamp; CLF times always carry their year. */
const ANY_YEAR = 1970;
const LATENCY_KEYS: Record<string, 'latency_ms' | 'upstream_latency_ms'> = {
  rt: 'latency_ms',
  request_time: 'latency_ms',
  urt: 'upstream_latency_ms',
  upstream_response_time: 'upstream_latency_ms',
};

/**
 * Creates a parser of nginx/Apache access log lines in the common or combined format:
 * `client ident user [dd/Mmm/yyyy:hh:mm:ss zone] "METHOD target PROTOCOL" status bytes ["referer" "agent"]`,
 * optionally after a virtual host (`vhost:port client …`) and followed by more fields: quoted strings (such as
 * `$http_x_forwarded_for`) are skipped, and the first two numbers, bare or as `rt=`/`urt=`
 * (`$request_time`, `$upstream_response_time`, in seconds) become `latency_ms` and `upstream_latency_ms`.
 *
 * The message is `METHOD PATH PROTOCOL STATUS`, the path without its query string and otherwise as logged (the
 * template miner masks ids). `status` and `bytes` (`-` is 0) are numeric; `client`, `method`, `path`,
 * `user_agent`, `referer`, `user`, `vhost` categorical when present. The level is `error` for 5xx, `warn` for
 * 4xx and `info` otherwise; there is no service.
 *
 * @returns a parser giving `null` for a line that is not in this format.
 *
 * @example
 * ```ts
 * createClfParser()('203.0.113.9 - - [01/May/2024:10:00:00 +0000] "GET /api/users/42?x=1 HTTP/1.1" 503 12 "-" "curl/8" 0.250');
 * // { level: 'error', message: 'GET /api/users/42 HTTP/1.1 503',
 * //   numeric: { status: 503, bytes: 12, latency_ms: 250 }, categorical: { client: '203.0.113.9', … }, … }
 * ```
 */
export function createClfParser(): (line: string) => ParsedRecord | null {
  const time = new TimestampScanner();
  return (line) => {
    const bracket = line.indexOf(' [');
    if (bracket < 5 || bracket > 300) return null;
    const categorical = headFields(line, bracket);
    if (categorical === null) return null;
    if (!time.scan(line, bracket + 2, ANY_YEAR) || line.charCodeAt(time.end) !== CLOSE_BRACKET) return null;
    let at = time.end + 1;
    if (line.charCodeAt(at) !== SPACE || line.charCodeAt(at + 1) !== QUOTE) return null;
    const requestStart = at + 2;
    const requestEnd = closingQuote(line, requestStart);
    if (requestEnd < 0) return null;
    at = requestEnd + 1;
    if (line.charCodeAt(at) !== SPACE) return null;
    const status = threeDigits(line, at + 1);
    if (status < 0 || line.charCodeAt(at + 4) !== SPACE) return null;
    at += 5;
    let bytes = 0;
    if (line.charCodeAt(at) === DASH) at++;
    else {
      const start = at;
      for (let d = line.charCodeAt(at) - 48; d >= 0 && d <= 9; d = line.charCodeAt(++at) - 48)
        bytes = bytes * 10 + d;
      if (at === start) return null;
    }
    if (at < line.length && line.charCodeAt(at) !== SPACE) return null;

    const numeric: Record<string, number> = { status, bytes };
    let message: string;
    const methodEnd = line.indexOf(' ', requestStart);
    const protocolStart = line.lastIndexOf(' ', requestEnd - 1) + 1;
    if (
      methodEnd > requestStart &&
      methodEnd < requestEnd &&
      protocolStart > methodEnd + 1 &&
      isMethod(line, requestStart, methodEnd)
    ) {
      const method = line.slice(requestStart, methodEnd);
      const query = line.indexOf('?', methodEnd + 1);
      const path = line.slice(methodEnd + 1, query >= 0 && query < protocolStart ? query : protocolStart - 1);
      categorical.method = method;
      categorical.path = path;
      message = `${method} ${path} ${line.slice(protocolStart, requestEnd)} ${status}`;
    } else message = `${line.slice(requestStart, requestEnd)} ${status}`;
    readTail(line, at, numeric, categorical);
    return {
      timestamp: time.ms,
      level: levelOfStatus(status),
      service: null,
      message,
      numeric,
      categorical,
      format: 'clf',
    };
  };
}

/** Parses an nginx/Apache access log line (see {@link createClfParser}). */
export const parseClf: (line: string) => ParsedRecord | null = createClfParser();

function levelOfStatus(status: number): Level {
  return status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
}

/** `[vhost] client ident user` before the time (three or four tokens) as categorical fields, or `null`. */
function headFields(line: string, end: number): Record<string, string> | null {
  let spaces = 0;
  let first = -1;
  let second = -1;
  let third = -1;
  for (let at = line.indexOf(' '); at >= 0 && at < end; at = line.indexOf(' ', at + 1)) {
    if (++spaces > 3) return null;
    if (spaces === 1) first = at;
    else if (spaces === 2) second = at;
    else third = at;
  }
  if (spaces === 2) return fields(line, null, 0, first, second + 1, end);
  if (spaces === 3) return fields(line, line.slice(0, first), first + 1, second, third + 1, end);
  return null;
}

function fields(
  line: string,
  vhost: string | null,
  clientStart: number,
  clientEnd: number,
  userStart: number,
  userEnd: number,
): Record<string, string> | null {
  if (clientEnd <= clientStart || userEnd <= userStart) return null;
  const categorical: Record<string, string> = { client: line.slice(clientStart, clientEnd) };
  if (userEnd - userStart !== 1 || line.charCodeAt(userStart) !== DASH)
    categorical.user = line.slice(userStart, userEnd);
  if (vhost !== null) categorical.vhost = vhost;
  return categorical;
}

function threeDigits(line: string, at: number): number {
  const a = line.charCodeAt(at) - 48;
  const b = line.charCodeAt(at + 1) - 48;
  const c = line.charCodeAt(at + 2) - 48;
  if (!(a >= 1 && a <= 9 && b >= 0 && b <= 9 && c >= 0 && c <= 9)) return -1;
  return a * 100 + b * 10 + c;
}

function isMethod(line: string, start: number, end: number): boolean {
  if (end - start > 16) return false;
  for (let i = start; i < end; i++) {
    const c = line.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || c === 95 || c === DASH)) return false;
  }
  return true;
}

/** The closing `"` of a quoted field starting at `from`, skipping `\"`; -1 when there is none. */
function closingQuote(line: string, from: number): number {
  for (let at = from; at < line.length; at++) {
    const c = line.charCodeAt(at);
    if (c === BACKSLASH) at++;
    else if (c === QUOTE) return at;
  }
  return -1;
}

/** Referer and user agent, then extra fields: quoted ones skipped, request times read. */
function readTail(
  line: string,
  from: number,
  numeric: Record<string, number>,
  categorical: Record<string, string>,
): void {
  const length = line.length;
  let at = from;
  let quoted = 0;
  let times = 0;
  let listed = false;
  while (at < length) {
    while (line.charCodeAt(at) === SPACE) at++;
    if (at >= length) return;
    if (line.charCodeAt(at) === QUOTE) {
      const end = closingQuote(line, at + 1);
      if (end < 0) return;
      if (quoted < 2 && (end - at !== 2 || line.charCodeAt(at + 1) !== DASH)) {
        categorical[quoted === 0 ? 'referer' : 'user_agent'] = line.slice(at + 1, end);
      }
      quoted++;
      at = end + 1;
      continue;
    }
    const start = at;
    let equals = -1;
    for (let c = line.charCodeAt(at); at < length && c !== SPACE; c = line.charCodeAt(++at)) {
      if (c === EQUALS && equals < 0) equals = at;
    }
    // `0.012, 0.003`: the upstream times of a retried request; the first one counts.
    const continuation = listed;
    listed = line.charCodeAt(at - 1) === COMMA;
    if (continuation) continue;
    if (equals > start) {
      const key = LATENCY_KEYS[line.slice(start, equals)];
      const seconds = parseSeconds(line, equals + 1, at);
      if (key !== undefined && seconds >= 0) numeric[key] = toMs(seconds);
      continue;
    }
    const seconds = parseSeconds(line, start, at);
    if (seconds < 0 && (at - start !== 1 || line.charCodeAt(start) !== DASH)) continue;
    if (times === 0 && seconds >= 0) numeric.latency_ms = toMs(seconds);
    else if (times === 1 && seconds >= 0) numeric.upstream_latency_ms = toMs(seconds);
    times++;
  }
}

/** Seconds to milliseconds, to the microsecond (`0.29 * 1000` is not 290 in floating point). */
function toMs(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e3;
}

/** A decimal number of seconds in `[start, end)`, optionally quoted, up to a `,`; -1 when there is none. */
function parseSeconds(line: string, start: number, end: number): number {
  let at = start;
  if (line.charCodeAt(at) === QUOTE) at++;
  let whole = 0;
  let digits = 0;
  let c = line.charCodeAt(at);
  for (; at < end && c >= 48 && c <= 57; c = line.charCodeAt(++at)) {
    whole = whole * 10 + (c - 48);
    digits++;
  }
  let fraction = 0;
  let scale = 1;
  if (c === DOT) {
    for (c = line.charCodeAt(++at); at < end && c >= 48 && c <= 57; c = line.charCodeAt(++at)) {
      fraction = fraction * 10 + (c - 48);
      scale *= 10;
      digits++;
    }
  }
  if (digits === 0) return -1;
  if (at < end && c !== COMMA && c !== QUOTE) return -1;
  return whole + fraction / scale;
}
