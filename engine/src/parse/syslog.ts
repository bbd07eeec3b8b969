import { levelFromSyslogSeverity, normalizeLevel } from './level.js';
import type { ParsedRecord } from './record.js';
import { currentYear, TimestampScanner } from './timestamp.js';

/** Options of {@link createSyslogParser}. */
export interface SyslogParserOptions {
  /**
   * Year of RFC 3164 timestamps (`Mmm dd hh:mm:ss` has none). Lines from last December read in January get the
   * wrong year unless this is set. @defaultValue the current year (UTC)
   */
  year?: number;
}

const SPACE = 32;
const LT = 60;
const COLON = 58;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const CLOSE_PAREN = 41;
const QUOTE = 34;
const BACKSLASH = 92;
const DASH = 45;
const BOM = 0xfeff;
/** Structured-data parameters kept per line. */
const MAX_PARAMS = 32;
const FACILITIES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'security',
  'console',
  'solaris-cron',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
];

/**
 * Creates a syslog parser for RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`) and RFC 3164 lines
 * (`<PRI>Mmm dd hh:mm:ss host app[pid]: msg`), the `<PRI>` optional as in files written by rsyslog, which may
 * also write an RFC 3339 time in place of `Mmm dd hh:mm:ss`. The level comes from the PRI severity, the service
 * is the app name; `host`, `pid`, `facility`, `msgid` and structured-data parameters (`sdid.name`) are
 * categorical fields.
 *
 * Without a PRI a line must still look like syslog: after a `Mmm dd` time, a host that is not a level word; after
 * an RFC 3339 time, a host and an `app[pid]:` / `app:` tag.
 *
 * @returns a parser giving `null` for a line that is not syslog.
 *
 * @example
 * ```ts
 * createSyslogParser({ year: 2024 })('<86>May  1 10:00:00 web-1 sshd[811]: Accepted publickey for deploy');
 * // { level: 'info', service: 'sshd', message: 'Accepted publickey for deploy',
 * //   categorical: { facility: 'authpriv', host: 'web-1', pid: '811' }, … }
 * ```
 */
export function createSyslogParser({
  year = currentYear(),
}: SyslogParserOptions = {}): (line: string) => ParsedRecord | null {
  const time = new TimestampScanner();
  return (line) => {
    let at = 0;
    let pri = -1;
    if (line.charCodeAt(0) === LT) {
      const close = line.indexOf('>', 1);
      if (close < 2 || close > 4) return null;
      pri = Number(line.slice(1, close));
      if (!Number.isInteger(pri) || pri > 191 || line.charCodeAt(1) === SPACE) return null;
      at = close + 1;
      if (line.charCodeAt(at) === 49 && line.charCodeAt(at + 1) === SPACE)
        return parse5424(line, at + 2, pri, time);
    }
    return parse3164(line, at, pri, year, time);
  };
}

/** Parses a syslog line with the default options (the current year for RFC 3164 times). */
export const parseSyslog: (line: string) => ParsedRecord | null = createSyslogParser();

function record(
  pri: number,
  timestamp: number | null,
  service: string | null,
  message: string,
): ParsedRecord {
  const categorical: Record<string, string> = {};
  if (pri >= 0) categorical.facility = FACILITIES[pri >> 3];
  return {
    timestamp,
    level: pri >= 0 ? levelFromSyslogSeverity(pri & 7) : null,
    service,
    message,
    numeric: {},
    categorical,
    format: 'syslog',
  };
}

function tokenEnd(line: string, from: number): number {
  const space = line.indexOf(' ', from);
  return space < 0 ? line.length : space;
}

function parse3164(
  line: string,
  from: number,
  pri: number,
  year: number,
  time: TimestampScanner,
): ParsedRecord | null {
  if (!time.scan(line, from, year) || line.charCodeAt(time.end) !== SPACE) return null;
  const iso = line.charCodeAt(from) <= 57;
  let at = time.end + 1;
  while (line.charCodeAt(at) === SPACE) at++;
  let hostEnd = tokenEnd(line, at);
  let host: string | null = line.slice(at, hostEnd);
  if (host.length === 0) return null;
  let tag = readTag(line, at, hostEnd);
  if (tag !== null) host = null;
  else {
    if (pri < 0 && normalizeLevel(host) !== null) return null;
    at = hostEnd + 1;
    hostEnd = tokenEnd(line, at);
    tag = at < line.length ? readTag(line, at, hostEnd) : null;
    if (tag === null && at < line.length) {
      const wide = readWideTag(line, at);
      if (wide !== null) {
        tag = wide;
        hostEnd = wide.end;
      }
    }
    if (tag === null && pri < 0 && iso) return null;
  }
  const messageStart = tag === null ? at : hostEnd + 1;
  const out = record(
    pri,
    time.ms,
    tag?.app ?? null,
    messageStart < line.length ? line.slice(messageStart) : '',
  );
  if (host !== null) out.categorical.host = host;
  if (tag?.pid) out.categorical.pid = tag.pid;
  return out;
}

/** `app[pid]:` or `app:` in `[start, end)`; `null` when the token is no tag. */
function readTag(line: string, start: number, end: number): { app: string; pid: string | null } | null {
  if (end - start < 2 || end - start > 128 || line.charCodeAt(end - 1) !== COLON) return null;
  if (line.charCodeAt(end - 2) === CLOSE_BRACKET) {
    const open = line.lastIndexOf('[', end - 3);
    if (open <= start) return null;
    return { app: line.slice(start, open), pid: line.slice(open + 1, end - 2) };
  }
  return { app: line.slice(start, end - 1), pid: null };
}

/** Characters a tag of {@link readWideTag} spans at most. */
const MAX_WIDE_TAG = 128;
/** Spaces in the app name of such a tag at most. */
const MAX_WIDE_TAG_SPACES = 2;

/**
 * A tag that is more than one word, up to the first `: `: an app name with spaces (`Microsoft Word[14463]:`,
 * `BezelServices 255.10[94]:`), or `app[pid]` followed by a context in parentheses (`sandboxd[129] ([31211]):`, as
 * macOS writes). The app and pid are read; the context is dropped with the tag. `null` unless it ends in a numeric
 * `[pid]` and its app has at most {@link MAX_WIDE_TAG_SPACES} spaces.
 */
function readWideTag(line: string, start: number): { app: string; pid: string; end: number } | null {
  const colon = line.indexOf(': ', start);
  const end = colon < 0 && line.charCodeAt(line.length - 1) === COLON ? line.length - 1 : colon;
  if (end <= start || end - start > MAX_WIDE_TAG) return null;
  let close = end - 1;
  if (line.charCodeAt(close) === CLOSE_PAREN) {
    const open = line.lastIndexOf(' (', close);
    if (open <= start) return null;
    close = open - 1;
  }
  if (line.charCodeAt(close) !== CLOSE_BRACKET) return null;
  const open = line.lastIndexOf('[', close - 1);
  if (open <= start || open + 1 === close) return null;
  for (let i = open + 1; i < close; i++) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  // An app name of a few words; more is a message that happens to hold `[n]: `.
  let spaces = 0;
  for (let i = start; i < open; i++)
    if (line.charCodeAt(i) === SPACE && ++spaces > MAX_WIDE_TAG_SPACES) return null;
  return { app: line.slice(start, open), pid: line.slice(open + 1, close), end: end + 1 };
}

function parse5424(line: string, from: number, pri: number, time: TimestampScanner): ParsedRecord | null {
  const fields: string[] = [];
  let at = from;
  for (let k = 0; k < 5; k++) {
    const end = tokenEnd(line, at);
    if (end === at || end >= line.length) return null;
    fields.push(line.slice(at, end));
    at = end + 1;
  }
  const [stamp, host, app, procid, msgid] = fields;
  let timestamp: number | null = null;
  if (stamp !== '-') {
    // RFC 3339 only: the year argument is never used.
    if (!time.scan(stamp, 0, 1970) || time.end !== stamp.length) return null;
    timestamp = time.ms;
  }
  const params: Record<string, string> = {};
  if (line.charCodeAt(at) === DASH) at++;
  else {
    at = readStructuredData(line, at, params);
    if (at < 0) return null;
  }
  if (at < line.length && line.charCodeAt(at) !== SPACE) return null;
  let messageStart = at + 1;
  if (line.charCodeAt(messageStart) === BOM) messageStart++;
  const out = record(
    pri,
    timestamp,
    app === '-' ? null : app,
    messageStart < line.length ? line.slice(messageStart) : '',
  );
  if (host !== '-') out.categorical.host = host;
  if (procid !== '-') out.categorical.pid = procid;
  if (msgid !== '-') out.categorical.msgid = msgid;
  Object.assign(out.categorical, params);
  return out;
}

/** `[id name="value" …]…` at `from` into `params`; returns the end, or -1 when malformed. */
function readStructuredData(line: string, from: number, params: Record<string, string>): number {
  let at = from;
  let count = 0;
  while (line.charCodeAt(at) === OPEN_BRACKET) {
    const idEnd = nextOf(line, at + 1, SPACE, CLOSE_BRACKET);
    if (idEnd < 0) return -1;
    const id = line.slice(at + 1, idEnd);
    at = idEnd;
    while (line.charCodeAt(at) === SPACE) {
      const equals = line.indexOf('=', at + 1);
      if (equals < 0 || line.charCodeAt(equals + 1) !== QUOTE) return -1;
      const name = line.slice(at + 1, equals);
      let value = '';
      let k = equals + 2;
      for (; k < line.length; k++) {
        const c = line.charCodeAt(k);
        if (c === QUOTE) break;
        if (c === BACKSLASH && k + 1 < line.length) k++;
        value += line[k];
      }
      if (k >= line.length) return -1;
      if (count++ < MAX_PARAMS) params[`${id}.${name}`] = value;
      at = k + 1;
    }
    if (line.charCodeAt(at) !== CLOSE_BRACKET) return -1;
    at++;
  }
  return at === from ? -1 : at;
}

function nextOf(line: string, from: number, a: number, b: number): number {
  for (let at = from; at < line.length; at++) {
    const c = line.charCodeAt(at);
    if (c === a || c === b) return at;
  }
  return -1;
}
