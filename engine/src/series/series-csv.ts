import { CsvFormatError, parseCsv } from '../eval/csv.js';

/** Raised on a series file that cannot be scored: empty, unparsable timestamps, non-numeric values, too short. */
export class SeriesInputError extends Error {
  override name = 'SeriesInputError';
}

/** A series read from CSV, in file order (not sorted: the model handles disorder itself). */
export interface SeriesTable {
  /** Timestamps in epoch milliseconds. */
  times: Float64Array;
  /** Values; missing cells and `NaN` are NaN, `Inf`/`-Inf` are ±Infinity. */
  values: Float64Array;
  /** The timestamp cells as written. */
  timeText: string[];
  timeColumn: string;
  valueColumn: string;
}

/** Options of {@link readSeriesCsv}. */
export interface SeriesCsvOptions {
  /** @defaultValue the first of timestamp, time, ts, date, datetime; else the first column */
  timeColumn?: string;
  /** @defaultValue `value` if present, else the first other column whose first cell is a number */
  valueColumn?: string;
  /** Fewest rows accepted. @defaultValue 2 */
  minRows?: number;
}

const TIME_NAMES = ['timestamp', 'time', 'ts', 'date', 'datetime'];
const MISSING = new Set(['', 'nan', 'null', 'none', 'na']);
const NAIVE_DATE = /^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/;

/**
 * Parses a timestamp cell into epoch milliseconds: ISO 8601 / RFC 3339 (a date and time without a zone is UTC,
 * the separator may be a space) or a number of epoch seconds, milliseconds, microseconds or nanoseconds (told
 * apart by magnitude). Returns NaN when the cell is none of these.
 */
export function parseTimestamp(cell: string): number {
  const text = cell.trim();
  if (text === '') return Number.NaN;
  if (/^[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(text)) {
    const n = Number(text);
    const abs = Math.abs(n);
    if (abs < 1e11) return n * 1000;
    if (abs < 1e14) return n;
    if (abs < 1e17) return n / 1000;
    return n / 1e6;
  }
  const iso = NAIVE_DATE.test(text) ? `${text.replace(' ', 'T')}${text.length > 10 ? 'Z' : ''}` : text;
  if (!/^\d{4}-\d{2}-\d{2}/.test(iso)) return Number.NaN;
  return Date.parse(iso);
}

/** Parses a value cell: a number, a missing marker (NaN) or ±Inf; `undefined` for anything else. */
export function parseValue(cell: string): number | undefined {
  const text = cell.trim();
  const lower = text.toLowerCase();
  if (MISSING.has(lower)) return Number.NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') {
    return Number.POSITIVE_INFINITY;
  }
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  const n = Number(text);
  return Number.isNaN(n) ? undefined : n;
}

/**
 * Reads a time series from CSV text with a header row.
 *
 * @throws {@link SeriesInputError} on an empty file, a missing column, an unparsable timestamp, a non-numeric
 * value, or fewer than `minRows` rows; the message names the line.
 *
 * @example
 * ```ts
 * const s = readSeriesCsv('timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:01:00,2\n');
 * // s.times[1] - s.times[0] === 60_000
 * ```
 */
export function readSeriesCsv(text: string, options: SeriesCsvOptions = {}): SeriesTable {
  const { minRows = 2 } = options;
  if (text.trim() === '') throw new SeriesInputError('the CSV is empty');
  let table: ReturnType<typeof parseCsv>;
  try {
    table = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvFormatError) throw new SeriesInputError(`bad CSV: ${err.message}`);
    throw err;
  }
  const header = table.header.map((h) => h.trim());
  const timeColumn =
    options.timeColumn ?? header.find((h) => TIME_NAMES.includes(h.toLowerCase())) ?? header[0];
  const t = header.indexOf(timeColumn);
  if (t < 0) throw new SeriesInputError(`no time column "${timeColumn}" (header: ${header.join(', ')})`);
  const rows = table.rows.filter((r) => !(r.length === 1 && r[0].trim() === ''));
  const numeric = (i: number) => rows.length > 0 && parseValue(rows[0][i]) !== undefined;
  const valueColumn =
    options.valueColumn ??
    (header.includes('value')
      ? 'value'
      : (header.find((_, i) => i !== t && numeric(i)) ?? header.find((_, i) => i !== t)));
  const v = valueColumn === undefined ? -1 : header.indexOf(valueColumn);
  if (valueColumn === undefined || v < 0) {
    throw new SeriesInputError(
      `no value column${valueColumn ? ` "${valueColumn}"` : ''} (header: ${header.join(', ')})`,
    );
  }
  if (rows.length < minRows) {
    throw new SeriesInputError(
      rows.length === 0
        ? 'the CSV has a header but no data rows'
        : `need at least ${minRows} points, got ${rows.length}`,
    );
  }
  const times = new Float64Array(rows.length);
  const values = new Float64Array(rows.length);
  const timeText: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const ms = parseTimestamp(rows[i][t]);
    if (!Number.isFinite(ms)) {
      throw new SeriesInputError(
        `unparsable timestamp "${rows[i][t]}" in column ${timeColumn}, data row ${i + 1}`,
      );
    }
    const x = parseValue(rows[i][v]);
    if (x === undefined) {
      throw new SeriesInputError(
        `non-numeric value "${rows[i][v]}" in column ${valueColumn}, data row ${i + 1}`,
      );
    }
    times[i] = ms;
    values[i] = x;
    timeText[i] = rows[i][t];
  }
  return { times, values, timeText, timeColumn, valueColumn };
}
