/** A timestamp found in text: epoch milliseconds and the index just after it. */
export interface TimestampMatch {
  ms: number;
  end: number;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const threeLetterKey = (a: number, b: number, c: number): number =>
  ((a | 32) << 16) | ((b | 32) << 8) | (c | 32);
const MONTH_BY_KEY = new Map(
  MONTHS.map((m, i) => [threeLetterKey(m.charCodeAt(0), m.charCodeAt(1), m.charCodeAt(2)), i + 1]),
);
const WEEKDAY_KEYS = new Set(
  WEEKDAYS.map((d) => threeLetterKey(d.charCodeAt(0), d.charCodeAt(1), d.charCodeAt(2))),
);

const SPACE = 32;
const COLON = 58;
const DOT = 46;
const COMMA = 44;
const SLASH = 47;
const DASH = 45;
const PLUS = 43;

/** The current UTC year: the default year of timestamps written without one (`Mmm dd hh:mm:ss`). */
export function currentYear(): number {
  return new Date().getUTCFullYear();
}

/**
 * Reads a timestamp at `start` in one of the shapes logs put first:
 * - ISO 8601 / RFC 3339: `2024-03-05T10:11:12.123Z`, `2024-03-05 10:11:12,123`, `2024/03/05 10:11:12 +0100`
 * - `yyMMdd HHmmss` (HDFS), `yy/MM/dd HH:mm:ss` (Spark), `MM-dd HH:mm:ss.SSS` (Android, in `year`)
 * - `Mmm dd hh:mm:ss` (syslog, in `year`, or followed by a four-digit year), `Www Mmm dd hh:mm:ss[.ffffff] yyyy`
 * - `dd/Mmm/yyyy:hh:mm:ss zone` (nginx/Apache)
 * - epoch seconds (10 digits, optionally with a fraction), milliseconds (13), microseconds (16), nanoseconds (19)
 *
 * A time without a zone is read as UTC, so that results do not depend on the machine's zone. Hot paths use a
 * {@link TimestampScanner}, which allocates nothing.
 *
 * @param year - the year of shapes that have none.
 * @returns the time and where it ends, or `null` when no timestamp starts at `start`.
 */
export function scanTimestamp(text: string, start: number, year: number): TimestampMatch | null {
  const scanner = new TimestampScanner();
  return scanner.scan(text, start, year) ? { ms: scanner.ms, end: scanner.end } : null;
}

/**
 * Parses text that is a timestamp and nothing else (surrounding spaces allowed): any shape of
 * {@link scanTimestamp}, or a number of epoch seconds, milliseconds, microseconds or nanoseconds.
 *
 * @returns epoch milliseconds, or `null`.
 */
export function parseTimestamp(text: string, year: number = currentYear()): number | null {
  return new TimestampScanner().parse(text, year);
}

const EPOCH_TEXT = /^\d{9,19}(\.\d+)?$/;

/**
 * Reads an epoch number by its magnitude: seconds below 10¹¹, milliseconds below 10¹⁴, microseconds below
 * 10¹⁷, nanoseconds above.
 *
 * @returns epoch milliseconds, or `null` for values before 1973 (too small to be a time of day) or not finite.
 */
export function epochToMs(value: number): number | null {
  if (!Number.isFinite(value) || value < 1e8) return null;
  if (value < 1e11) return Math.round(value * 1000);
  if (value < 1e14) return Math.round(value);
  if (value < 1e17) return Math.round(value / 1e3);
  return Math.round(value / 1e6);
}

function digit(text: string, i: number): number {
  const d = text.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

/** `n` digits at `i` as a number, or -1. */
function digits(text: string, i: number, n: number): number {
  let value = 0;
  for (let k = 0; k < n; k++) {
    const d = digit(text, i + k);
    if (d < 0) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** Days from 1970-01-01 to a civil date (proleptic Gregorian), without allocating a Date. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function validDate(month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

function validTime(hour: number, minute: number, second: number): boolean {
  return hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 60;
}

function monthAt(text: string, i: number): number {
  return (
    MONTH_BY_KEY.get(threeLetterKey(text.charCodeAt(i), text.charCodeAt(i + 1), text.charCodeAt(i + 2))) ?? 0
  );
}

/**
 * Finds timestamps (see {@link scanTimestamp}) without allocating: the last match is in `ms` and `end`. One per
 * parser; not reentrant.
 *
 * @example
 * ```ts
 * const scanner = new TimestampScanner();
 * if (scanner.scan(line, 0, 2024)) console.log(scanner.ms, line.slice(scanner.end));
 * ```
 */
export class TimestampScanner {
  /** Epoch milliseconds of the last match. */
  ms = 0;
  /** Index just after the last match. */
  end = 0;
  private hour = 0;
  private minute = 0;
  private second = 0;
  private millis = 0;
  /** Zone offset of the last `readZone`, in minutes. */
  private offset = 0;

  /** Looks for a timestamp at `start`; `year` is used by shapes that have none. */
  scan(text: string, start: number, year: number): boolean {
    const c = text.charCodeAt(start);
    if (c >= 48 && c <= 57) return this.scanNumeric(text, start, year);
    if ((c | 32) >= 97 && (c | 32) <= 122) return this.scanNamed(text, start, year);
    return false;
  }

  /** Parses text that is only a timestamp or an epoch number (see {@link parseTimestamp}). */
  parse(text: string, year: number): number | null {
    let start = 0;
    let end = text.length;
    while (start < end && text.charCodeAt(start) <= SPACE) start++;
    while (end > start && text.charCodeAt(end - 1) <= SPACE) end--;
    if (start === end) return null;
    if (this.scan(text, start, year) && this.end === end) return this.ms;
    const value = start === 0 && end === text.length ? text : text.slice(start, end);
    return EPOCH_TEXT.test(value) ? epochToMs(Number(value)) : null;
  }

  private found(year: number, month: number, day: number, end: number): true {
    this.ms =
      ((daysFromCivil(year, month, day) * 24 + this.hour) * 60 + this.minute - this.offset) * 60000 +
      this.second * 1000 +
      this.millis;
    this.end = end;
    return true;
  }

  /** Reads `hh:mm:ss[.fff]` at `i`; returns the end or -1. */
  private readClock(text: string, i: number): number {
    const hour = digits(text, i, 2);
    if (hour < 0 || text.charCodeAt(i + 2) !== COLON) return -1;
    const minute = digits(text, i + 3, 2);
    if (minute < 0 || text.charCodeAt(i + 5) !== COLON) return -1;
    const second = digits(text, i + 6, 2);
    if (second < 0 || !validTime(hour, minute, second)) return -1;
    this.hour = hour;
    this.minute = minute;
    this.second = second;
    this.millis = 0;
    this.offset = 0;
    let at = i + 8;
    const c = text.charCodeAt(at);
    if ((c !== DOT && c !== COMMA) || digit(text, at + 1) < 0) return at;
    at++;
    let ms = 0;
    let scale = 100;
    for (let d = digit(text, at); d >= 0; d = digit(text, ++at)) {
      ms += d * scale;
      scale /= 10;
    }
    this.millis = Math.floor(ms);
    return at;
  }

  /** Reads a zone at `i` (`Z`, `±hh:mm`, `±hhmm`, `±hh`, or one space then `±hhmm`) into `offset`; the end. */
  private readZone(text: string, i: number): number {
    let c = text.charCodeAt(i);
    if (c === 90 || c === 122) return i + 1;
    let at = i;
    if (c === SPACE) {
      c = text.charCodeAt(i + 1);
      if ((c !== PLUS && c !== DASH) || digits(text, i + 2, 4) < 0) return i;
      at = i + 1;
    } else if (c !== PLUS && c !== DASH) return i;
    const hours = digits(text, at + 1, 2);
    if (hours < 0 || hours > 14) return i;
    let end = at + 3;
    let minutes = 0;
    if (text.charCodeAt(end) === COLON && digits(text, end + 1, 2) >= 0) {
      minutes = digits(text, end + 1, 2);
      end += 3;
    } else if (digits(text, end, 2) >= 0) {
      minutes = digits(text, end, 2);
      end += 2;
    }
    this.offset = (c === DASH ? -1 : 1) * (hours * 60 + minutes);
    return end;
  }

  private scanNumeric(text: string, i: number, year: number): boolean {
    const c2 = text.charCodeAt(i + 2);
    const c4 = text.charCodeAt(i + 4);
    if ((c4 === DASH || c4 === SLASH || c4 === DOT) && text.charCodeAt(i + 7) === c4) {
      // yyyy-MM-dd[T ]hh:mm:ss[.fff][zone]
      const y = digits(text, i, 4);
      const month = digits(text, i + 5, 2);
      const day = digits(text, i + 8, 2);
      const sep = text.charCodeAt(i + 10);
      if (y < 0 || !validDate(month, day) || (sep !== 84 && sep !== 116 && sep !== SPACE && sep !== 95))
        return false;
      const end = this.readClock(text, i + 11);
      return end >= 0 && this.found(y, month, day, this.readZone(text, end));
    }
    if (c2 === SLASH) {
      const c3 = text.charCodeAt(i + 3);
      if ((c3 | 32) >= 97 && (c3 | 32) <= 122) return this.scanCommonLog(text, i);
      // yy/MM/dd hh:mm:ss
      const y = digits(text, i, 2);
      const month = digits(text, i + 3, 2);
      const day = digits(text, i + 6, 2);
      if (
        y < 0 ||
        text.charCodeAt(i + 5) !== SLASH ||
        !validDate(month, day) ||
        text.charCodeAt(i + 8) !== SPACE
      ) {
        return false;
      }
      const end = this.readClock(text, i + 9);
      return end >= 0 && this.found(2000 + y, month, day, end);
    }
    if (c2 === DASH && text.charCodeAt(i + 5) === SPACE) {
      // MM-dd hh:mm:ss.SSS
      const month = digits(text, i, 2);
      const day = digits(text, i + 3, 2);
      if (!validDate(month, day)) return false;
      const end = this.readClock(text, i + 6);
      return end >= 0 && this.found(year, month, day, end);
    }
    if (text.charCodeAt(i + 6) === SPACE && digit(text, i + 13) < 0) {
      // yyMMdd HHmmss
      const y = digits(text, i, 2);
      const month = digits(text, i + 2, 2);
      const day = digits(text, i + 4, 2);
      const hour = digits(text, i + 7, 2);
      const minute = digits(text, i + 9, 2);
      const second = digits(text, i + 11, 2);
      if (y < 0 || !validDate(month, day) || !validTime(hour, minute, second)) return false;
      this.hour = hour;
      this.minute = minute;
      this.second = second;
      this.millis = 0;
      this.offset = 0;
      return this.found(2000 + y, month, day, i + 13);
    }
    return this.scanEpoch(text, i);
  }

  /** `dd/Mmm/yyyy:hh:mm:ss[ zone]` at `i`. */
  private scanCommonLog(text: string, i: number): boolean {
    const day = digits(text, i, 2);
    const month = monthAt(text, i + 3);
    const y = digits(text, i + 7, 4);
    if (
      y < 0 ||
      !validDate(month, day) ||
      text.charCodeAt(i + 6) !== SLASH ||
      text.charCodeAt(i + 11) !== COLON
    ) {
      return false;
    }
    const end = this.readClock(text, i + 12);
    return end >= 0 && this.found(y, month, day, this.readZone(text, end));
  }

  private scanEpoch(text: string, i: number): boolean {
    let end = i;
    while (digit(text, end) >= 0) end++;
    const length = end - i;
    if (length !== 10 && length !== 13 && length !== 16 && length !== 19) return false;
    if (length === 10 && text.charCodeAt(end) === DOT && digit(text, end + 1) >= 0) {
      end++;
      while (digit(text, end) >= 0) end++;
    }
    const next = text.charCodeAt(end);
    if (end < text.length && next !== SPACE && next !== 9 && next !== 93 && next !== COMMA && next !== 124)
      return false;
    const ms = epochToMs(Number(text.slice(i, end)));
    if (ms === null) return false;
    this.ms = ms;
    this.end = end;
    return true;
  }

  /** `Mmm dd hh:mm:ss[.fff][ yyyy]` or `Www Mmm dd hh:mm:ss[.ffffff] yyyy` at `i`. */
  private scanNamed(text: string, i: number, year: number): boolean {
    if (text.charCodeAt(i + 3) !== SPACE) return false;
    let at = i;
    const weekday = WEEKDAY_KEYS.has(
      threeLetterKey(text.charCodeAt(i), text.charCodeAt(i + 1), text.charCodeAt(i + 2)),
    );
    if (weekday) {
      at = i + 4;
      if (text.charCodeAt(at + 3) !== SPACE) return false;
    }
    const month = monthAt(text, at);
    if (month === 0) return false;
    at += 4;
    if (text.charCodeAt(at) === SPACE) at++;
    let day = digit(text, at);
    if (day < 0) return false;
    at++;
    const d2 = digit(text, at);
    if (d2 >= 0) {
      day = day * 10 + d2;
      at++;
    }
    if (!validDate(month, day) || text.charCodeAt(at) !== SPACE) return false;
    const end = this.readClock(text, at + 1);
    if (end < 0) return false;
    const yearAfter = text.charCodeAt(end) === SPACE ? digits(text, end + 1, 4) : -1;
    if (yearAfter >= 0 && digit(text, end + 5) < 0) return this.found(yearAfter, month, day, end + 5);
    return !weekday && this.found(year, month, day, end);
  }
}
