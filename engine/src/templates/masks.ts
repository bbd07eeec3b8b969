/**
 * The kinds of variable value the default masks recognise. They are one general set, meant for any log
 * whatever system wrote it, with nothing chosen per dataset:
 * - `url`: `scheme://…`
 * - `path`: `/a/b`, `./a`, `~/a`, `C:\a`, `\\host\share`, or any word with two or more `/` separators
 * - `email`: `user@host.tld`
 * - `host`: a dotted host name ending in a common top-level domain (`db1.example.com`, `zummit.com`)
 * - `uuid`: `8-4-4-4-12` hexadecimal groups
 * - `ipv4`: dotted quad, with an optional `:port`
 * - `ipv6`: hexadecimal groups joined by `:`
 * - `mac`: six pairs of hexadecimal digits joined by `:` or `-`
 * - `hex`: `0x…`, or eight or more hexadecimal characters
 * - `number`: signed integer or decimal, with an optional exponent and unit (`12ms`, `3.5GB`, `80%`)
 * - `datetime`: digits joined by `:` or by two `-`/`/` (`20:30:31.455`, `2016/9/27`, `2017-05-16T00:00:00Z`)
 * - `numeric`: any other run of digits joined by `.`, `-`, `/`, `_`, `,` or `+` (versions, ranges, dotted ids)
 */
export type MaskKind =
  | 'url'
  | 'path'
  | 'email'
  | 'host'
  | 'uuid'
  | 'ipv4'
  | 'ipv6'
  | 'mac'
  | 'hex'
  | 'number'
  | 'datetime'
  | 'numeric';

const DIGIT = 1;
const HEX_LETTER = 2;
const LETTER = 4;
const NUMERIC_JOIN = 8;

const CHAR_CLASS = new Uint8Array(128);
for (let c = 48; c <= 57; c++) CHAR_CLASS[c] = DIGIT;
for (let c = 65; c <= 90; c++) CHAR_CLASS[c] = LETTER;
for (let c = 97; c <= 122; c++) CHAR_CLASS[c] = LETTER;
for (const ch of 'abcdefABCDEF') CHAR_CLASS[ch.charCodeAt(0)] = HEX_LETTER | LETTER;
for (const ch of '.:-/_,+') CHAR_CLASS[ch.charCodeAt(0)] = NUMERIC_JOIN;

/** Units a number may carry (`12ms`, `3.5GB`, `80%`), compared case-insensitively. */
const UNITS = new Set(
  [
    '% b k m g t kb mb gb tb pb kib mib gib tib bytes',
    'ns us ms s sec secs min mins h hr hrs d',
    'hz khz mhz ghz bps kbps mbps gbps x px',
  ]
    .join(' ')
    .split(' '),
);

const SLASH = 47;
const BACKSLASH = 92;
const COLON = 58;
const DOT = 46;
const DASH = 45;
const PLUS = 43;
const AT = 64;
const TILDE = 126;
const PERCENT = 37;

/**
 * Classifies `text.slice(start, end)` as a variable value, scanning characters without allocating.
 *
 * @returns the kind of value, or `null` when the text is not one the default masks recognise.
 *
 * @example
 * ```ts
 * maskKind('from 10.0.0.1:22', 5, 16); // 'ipv4'
 * ```
 */
export function maskKind(text: string, start: number, end: number): MaskKind | null {
  if (end <= start) return null;
  const first = text.charCodeAt(start);
  const len = end - start;
  if (len > 1 && isPathStart(text, start, end, first)) return 'path';
  let digits = 0;
  let hexLetters = 0;
  let letters = 0;
  let joins = 0;
  let colons = 0;
  let dots = 0;
  let slashes = 0;
  let ats = 0;
  let percent = false;
  let firstColon = -1;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    const cls = c < 128 ? CHAR_CLASS[c] : 0;
    if (cls & DIGIT) digits++;
    else if (cls & LETTER) {
      letters++;
      if (cls & HEX_LETTER) hexLetters++;
    } else if (cls & NUMERIC_JOIN) {
      joins++;
      if (c === COLON) {
        if (colons++ === 0) firstColon = i;
      } else if (c === DOT) dots++;
      else if (c === SLASH) slashes++;
    } else if (c === AT) ats++;
    else if (c === PERCENT && i === end - 1) percent = true;
    else return isUrl(text, start, end, firstColon) ? 'url' : null;
  }
  if (colons > 0 && letters > 0 && isUrl(text, start, end, firstColon)) return 'url';
  if (ats > 0) return ats === 1 && letters > 0 && isEmail(text, start, end) ? 'email' : null;
  if (percent) return digits > 0 && isNumberWithUnit(text, start, end) ? 'number' : null;
  if (dots > 0 && letters > 0 && colons + slashes === 0 && isHostName(text, start, end)) return 'host';
  if (digits === 0) {
    if (len >= 8 && letters === hexLetters && letters === len) return 'hex';
    return slashes >= 2 && colons === 0 ? 'path' : null;
  }
  if (len === 36 && isUuid(text, start)) return 'uuid';
  if (len === 17 && joins === 5 && letters === hexLetters && isMac(text, start)) return 'mac';
  if (letters === 0) {
    if (joins === 0) return 'number';
    if (dots === 3 && joins === 3 + colons && colons <= 1 && isIpv4(text, start, end)) return 'ipv4';
    if (colons >= 3 && isIpv6(text, start, end)) return 'ipv6';
    if (isNumberWithUnit(text, start, end)) return 'number';
    if (!isDigit(first)) return null;
    return isDateOrTime(text, start, end, colons) ? 'datetime' : 'numeric';
  }
  if (first === 48 && (text.charCodeAt(start + 1) | 32) === 120) {
    return len > 2 && isAllHex(text, start + 2, end) ? 'hex' : null;
  }
  if (letters === hexLetters) {
    if (colons >= 2 && isIpv6(text, start, end)) return 'ipv6';
    if (joins === 0 && len >= 8) return 'hex';
  }
  if (isNumberWithUnit(text, start, end)) return 'number';
  if (isIsoDateTime(text, start, end)) return 'datetime';
  return slashes >= 2 && joins === slashes + dots + countDashUnderscore(text, start, end) ? 'path' : null;
}

/** {@link maskKind} over a whole string, for callers that already hold the token. */
export function maskOf(token: string): MaskKind | null {
  return maskKind(token, 0, token.length);
}

/** `scheme://rest`, given the position of the first colon (or -1). */
function isUrl(text: string, start: number, end: number, colon: number): boolean {
  if (colon <= start || colon + 3 >= end) return false;
  if (text.charCodeAt(colon + 1) !== SLASH || text.charCodeAt(colon + 2) !== SLASH) return false;
  for (let i = start; i < colon; i++) {
    const c = text.charCodeAt(i);
    const cls = c < 128 ? CHAR_CLASS[c] : 0;
    if ((cls & (LETTER | DIGIT)) === 0 && c !== PLUS && c !== DOT && c !== DASH) return false;
  }
  return true;
}

function isPathStart(text: string, start: number, end: number, first: number): boolean {
  const second = text.charCodeAt(start + 1);
  if (first === SLASH) return second !== SLASH || end - start > 2;
  if (first === TILDE) return second === SLASH;
  if (first === DOT) {
    if (second === SLASH) return true;
    return second === DOT && text.charCodeAt(start + 2) === SLASH;
  }
  if (first === BACKSLASH) return second === BACKSLASH && end - start > 2;
  const cls = first < 128 ? CHAR_CLASS[first] : 0;
  return (
    (cls & LETTER) !== 0 && second === COLON && text.charCodeAt(start + 2) === BACKSLASH && end - start > 3
  );
}

function isEmail(text: string, start: number, end: number): boolean {
  const at = text.indexOf('@', start);
  if (at <= start || at >= end - 3) return false;
  const dot = text.lastIndexOf('.', end - 1);
  if (dot <= at + 1 || dot >= end - 1) return false;
  for (let i = dot + 1; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || (CHAR_CLASS[c] & LETTER) === 0) return false;
  }
  return true;
}

const TOP_LEVEL_DOMAINS = new Set(
  'com net org edu gov mil int info biz io co us uk de fr nl be ch at se no dk fi es it pt pl cz ru ua cn jp kr tw hk sg in au nz ca br mx ar cl za eu local localdomain lan internal arpa'.split(
    ' ',
  ),
);

/** Labels of letters, digits and hyphens joined by dots, the last one a common top-level domain. */
function isHostName(text: string, start: number, end: number): boolean {
  const last = text.charCodeAt(end - 1);
  if (last >= 128 || (CHAR_CLASS[last] & LETTER) === 0) return false;
  const lastDot = text.lastIndexOf('.', end - 1);
  if (lastDot <= start || end - lastDot < 3 || end - lastDot > 12) return false;
  let labelLength = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT) {
      if (labelLength === 0) return false;
      labelLength = 0;
    } else if (c < 128 && (CHAR_CLASS[c] & (LETTER | DIGIT)) !== 0) labelLength++;
    else if (c === DASH && labelLength > 0) labelLength++;
    else return false;
  }
  return TOP_LEVEL_DOMAINS.has(text.slice(lastDot + 1, end));
}

function isUuid(text: string, start: number): boolean {
  for (let i = 0; i < 36; i++) {
    const c = text.charCodeAt(start + i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== DASH) return false;
    } else if (c >= 128 || (CHAR_CLASS[c] & (DIGIT | HEX_LETTER)) === 0) return false;
  }
  return true;
}

function isIpv4(text: string, start: number, end: number): boolean {
  let octets = 0;
  let run = 0;
  let i = start;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT || c === COLON) {
      if (run === 0 || run > 3) return false;
      octets++;
      run = 0;
      if (c === COLON) break;
    } else run++;
  }
  if (i === end) return run > 0 && run <= 3 && octets === 3;
  return octets === 4 && end - i > 1;
}

function isIpv6(text: string, start: number, end: number): boolean {
  let run = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === COLON) run = 0;
    else if (c === DOT || c === DASH || c === SLASH || c === 95 || c === 44 || c === PLUS) return false;
    else if (++run > 4) return false;
  }
  return true;
}

function isMac(text: string, start: number): boolean {
  const sep = text.charCodeAt(start + 2);
  if (sep !== COLON && sep !== DASH) return false;
  for (let i = 2; i < 17; i += 3) if (text.charCodeAt(start + i) !== sep) return false;
  return true;
}

function isAllHex(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || (CHAR_CLASS[c] & (DIGIT | HEX_LETTER)) === 0) return false;
  }
  return true;
}

function isNumberWithUnit(text: string, start: number, end: number): boolean {
  let i = start;
  const first = text.charCodeAt(i);
  if (first === DASH || first === PLUS) i++;
  const digitsFrom = i;
  while (i < end && isDigit(text.charCodeAt(i))) i++;
  if (i === digitsFrom) return false;
  if (i < end && text.charCodeAt(i) === DOT && i + 1 < end && isDigit(text.charCodeAt(i + 1))) {
    i++;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
  }
  if (i === end) return true;
  const c = text.charCodeAt(i);
  if ((c === 101 || c === 69) && i + 1 < end) {
    let j = i + 1;
    const sign = text.charCodeAt(j);
    if (sign === DASH || sign === PLUS) j++;
    const expFrom = j;
    while (j < end && isDigit(text.charCodeAt(j))) j++;
    if (j === end && j > expFrom) return true;
  }
  if (end - i > 5) return false;
  return UNITS.has(text.slice(i, end).toLowerCase());
}

function isDateOrTime(text: string, start: number, end: number, colons: number): boolean {
  if (colons > 0) return true;
  let dashes = 0;
  let slashes = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === DASH) dashes++;
    else if (c === SLASH) slashes++;
  }
  return dashes === 2 || slashes === 2;
}

function isIsoDateTime(text: string, start: number, end: number): boolean {
  if (end - start < 11 || text.charCodeAt(start + 4) !== DASH) return false;
  const t = text.indexOf('T', start);
  if (t < 0 || t >= end) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (i === t || (i === end - 1 && c === 90)) continue;
    if (c >= 128 || (CHAR_CLASS[c] & (DIGIT | NUMERIC_JOIN)) === 0) return false;
  }
  return isDigit(text.charCodeAt(t + 1));
}

function countDashUnderscore(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === DASH || c === 95) n++;
  }
  return n;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** A set of short words that answers `has` for a slice of a string without allocating. */
class WordSet {
  private readonly byKey = new Map<number, string[]>();
  private readonly initials = new Uint8Array(128);
  private longest = 0;

  constructor(words: Iterable<string>) {
    for (const word of words) {
      const key = word.charCodeAt(0) * 64 + word.length;
      const list = this.byKey.get(key);
      if (list === undefined) this.byKey.set(key, [word]);
      else list.push(word);
      this.initials[word.charCodeAt(0)] = 1;
      this.longest = Math.max(this.longest, word.length);
    }
  }

  has(text: string, start: number, end: number): boolean {
    const length = end - start;
    const first = text.charCodeAt(start);
    if (length <= 0 || length > this.longest || first >= 128 || this.initials[first] === 0) return false;
    const list = this.byKey.get(first * 64 + length);
    if (list === undefined) return false;
    for (let i = 0; i < list.length; i++) if (text.startsWith(list[i], start)) return true;
    return false;
  }
}

const CALENDAR_WORDS = new WordSet(
  [
    'Jan Feb Mar Apr May Jun Jul Aug Sep Sept Oct Nov Dec',
    'January February March April June July August September October November December',
    'Mon Tue Wed Thu Fri Sat Sun Monday Tuesday Wednesday Thursday Friday Saturday Sunday',
  ]
    .join(' ')
    .split(' ')
    .flatMap((word) => [word, word.toUpperCase()]),
);

/**
 * Whether `text.slice(start, end)` is a month or weekday name (`Jul`, `July`, `JUL`, `Fri`); the tokenizer
 * masks such words when they are part of a date.
 */
export function isCalendarWord(text: string, start: number, end: number): boolean {
  return CALENDAR_WORDS.has(text, start, end);
}

const UNIT_WORDS = new WordSet(
  ['B KB MB GB TB PB kB KiB MiB GiB TiB bytes Bytes', 'ns us ms s sec secs seconds min mins minutes hours']
    .join(' ')
    .split(' '),
);

/**
 * Whether `text.slice(start, end)`, less a trailing period, is a unit of size or time (`KB`, `ms`, `secs`);
 * the tokenizer masks such words after a number.
 */
export function isUnitWord(text: string, start: number, end: number): boolean {
  return UNIT_WORDS.has(text, start, text.charCodeAt(end - 1) === DOT ? end - 1 : end);
}
