import { normalizeLevel } from './level.js';
import { compileLoghubFormat } from './loghub-format.js';
import type { ParsedRecord } from './record.js';
import { currentYear, TimestampScanner } from './timestamp.js';

/** Options of {@link createLoghubParser}. */
export interface LoghubParserOptions {
  /** Year of timestamps written without one (`<Month> <Date> <Time>`). @defaultValue the current year (UTC) */
  year?: number;
}

/** Header fields that name the service, most specific first. */
const SERVICE_FIELDS = ['Service', 'Component', 'Logger', 'Program', 'Application', 'Process'];
const LEVEL_FIELDS = ['Level', 'Severity', 'LogLevel'];
/** Header fields whose values, joined by a space, may form a time; tried in this order. */
const TIME_FIELDS: readonly (readonly string[])[] = [
  ['Month', 'Date', 'Time'],
  ['Month', 'Day', 'Time'],
  ['Date', 'Day', 'Time'],
  ['Date', 'Time'],
  ['Timestamp'],
  ['Time'],
  ['Date'],
];

/**
 * Creates a parser for a Loghub header format such as `<Date> <Time> <Pid> <Level> <Component>: <Content>`. The
 * message is `<Content>`; every header field is a categorical field under its own name; `Level` (or `Severity`)
 * becomes the level when it is a level word or letter, `Component` (or `Service`, `Logger`, `Program`…) the
 * service, and `Date`/`Time` (with `Month`/`Day` when the format has them), or a `Timestamp`, the time when
 * they read as one of the shapes of `scanTimestamp`.
 *
 * @throws `InvalidLogFormatError` when the format cannot be compiled.
 * @returns a parser giving `null` for a line that does not fit the format.
 *
 * @example
 * ```ts
 * const parse = createLoghubParser('<Date> <Time> <Pid> <Level> <Component>: <Content>');
 * parse('081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating');
 * // { timestamp: 1226262975000, level: 'info', service: 'dfs.DataNode$PacketResponder',
 * //   message: 'PacketResponder 1 terminating', categorical: { Date: '081109', Time: '203615', Pid: '148', … } }
 * ```
 */
export function createLoghubParser(
  logFormat: string,
  { year = currentYear() }: LoghubParserOptions = {},
): (line: string) => ParsedRecord | null {
  const split = compileLoghubFormat(logFormat);
  const names = [...logFormat.matchAll(/<([^<>]+)>/g)].map((m) => m[1]);
  const levelField = LEVEL_FIELDS.find((f) => names.includes(f));
  const serviceField = SERVICE_FIELDS.find((f) => names.includes(f));
  const timeFields = TIME_FIELDS.filter((group) => group.every((f) => names.includes(f)));
  const time = new TimestampScanner();
  return (line) => {
    const parsed = split(line);
    if (parsed === null) return null;
    const { fields, content } = parsed;
    const level =
      levelField === undefined ? null : normalizeLevel(fields[levelField] ?? '', { letters: true });
    const service = serviceField === undefined || !fields[serviceField] ? null : fields[serviceField];
    let timestamp: number | null = null;
    for (const group of timeFields) {
      timestamp = time.parse(group.map((f) => fields[f]).join(' '), year);
      if (timestamp !== null) break;
    }
    return {
      timestamp,
      level,
      service,
      message: content,
      numeric: {},
      categorical: fields,
      format: 'loghub',
    };
  };
}
