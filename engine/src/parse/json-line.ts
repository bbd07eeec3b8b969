import type { ParsedRecord } from './record.js';
import { RecordBuilder } from './structured-fields.js';
import { currentYear } from './timestamp.js';

/** Options of {@link createJsonLineParser}. */
export interface JsonLineParserOptions {
  /** Year of timestamps written without one. @defaultValue the current year */
  year?: number;
}

/** Nested objects are flattened (`http.status`) down to this depth; deeper values are dropped. */
const MAX_DEPTH = 4;
/** Keys visited per line at most, so that a huge object costs bounded work. */
const MAX_KEYS = 256;

/**
 * Creates a parser of JSON lines (one object per line). Time, level, message and service come from the usual
 * keys (`time`/`timestamp`/`ts`/`@timestamp`…, RFC 3339 strings or epoch s/ms/µs/ns numbers; `level`/`lvl`/
 * `severity`/`log.level`…, words or bunyan/syslog numbers; `msg`/`message`/`log`/`event`…; `service`/
 * `service.name`/`app`/`component`/`logger`…, see `ROLE_KEYS`). Other scalars become numeric or categorical
 * fields, nested objects flattened with dots; arrays are skipped.
 *
 * @returns a parser giving `null` for a line that is not a JSON object.
 *
 * @example
 * ```ts
 * const parse = createJsonLineParser();
 * parse('{"ts":1714557600,"level":"warn","msg":"slow query","service":"db","ms":812}');
 * // { timestamp: 1714557600000, level: 'warn', service: 'db', message: 'slow query', numeric: { ms: 812 }, … }
 * ```
 */
export function createJsonLineParser({
  year = currentYear(),
}: JsonLineParserOptions = {}): (line: string) => ParsedRecord | null {
  const builder = new RecordBuilder(year);
  return (line) => {
    const value = parseObject(line);
    if (value === null) return null;
    flatten(value, '', 0, builder, { keys: 0 });
    return builder.build('json');
  };
}

/** Parses a JSON line with the default options (the current year for year-less times). */
export const parseJsonLine: (line: string) => ParsedRecord | null = createJsonLineParser();

function parseObject(line: string): Record<string, unknown> | null {
  let start = 0;
  let end = line.length - 1;
  while (start <= end && line.charCodeAt(start) <= 32) start++;
  while (end > start && line.charCodeAt(end) <= 32) end--;
  if (line.charCodeAt(start) !== 123 || line.charCodeAt(end) !== 125) return null;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  return isObject(value) ? value : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function flatten(
  object: Record<string, unknown>,
  prefix: string,
  depth: number,
  builder: RecordBuilder,
  visited: { keys: number },
): void {
  for (const key in object) {
    if (++visited.keys > MAX_KEYS) return;
    const value = object[key];
    const name = prefix === '' ? key : `${prefix}.${key}`;
    switch (typeof value) {
      case 'string':
      case 'number':
      case 'boolean':
        builder.add(name, value);
        break;
      case 'object':
        if (depth < MAX_DEPTH && isObject(value)) flatten(value, name, depth + 1, builder, visited);
        break;
    }
  }
}
