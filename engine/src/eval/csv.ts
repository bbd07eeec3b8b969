/** Raised on CSV text that breaks RFC 4180 or lacks a column the caller needs. */
export class CsvFormatError extends Error {
  override name = 'CsvFormatError';
  /**
   * @param message - what is wrong, for a person.
   * @param line - the 1-based physical line where the problem was found (0 when not tied to a line).
   */
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(line > 0 ? `${message} (line ${line})` : message);
  }
}

/** A parsed CSV file: the header row and the data rows, each with as many fields as the header. */
export interface CsvTable {
  header: string[];
  rows: string[][];
}

const QUOTE = 34;
const COMMA = 44;
const CR = 13;
const LF = 10;

/**
 * Parses RFC 4180 CSV: comma-separated, fields optionally in double quotes, `""` for a quote inside a quoted
 * field, quoted fields may hold commas and line breaks, records end with CRLF or LF. The first record is the
 * header; a leading byte-order mark and a final line break are accepted.
 *
 * @throws {@link CsvFormatError} on an unterminated or stray quote, or a record whose field count differs
 * from the header's.
 *
 * @example
 * ```ts
 * const { header, rows } = parseCsv('id,text\n1,"a, ""b"""\n');
 * // header = ['id', 'text'], rows = [['1', 'a, "b"']]
 * ```
 */
export function parseCsv(text: string): CsvTable {
  const records: string[][] = [];
  const recordLines: number[] = [];
  let record: string[] = [];
  let line = 1;
  let recordLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  if (i >= n) throw new CsvFormatError('CSV is empty: no header row', 0);
  for (;;) {
    let field: string;
    if (text.charCodeAt(i) === QUOTE) {
      const openLine = line;
      let parts = '';
      let start = i + 1;
      i = start;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new CsvFormatError('unterminated quoted field', openLine);
        for (let k = i; k < q; k++) if (text.charCodeAt(k) === LF) line++;
        if (text.charCodeAt(q + 1) === QUOTE) {
          parts += text.slice(start, q + 1);
          start = q + 2;
          i = start;
          continue;
        }
        field = parts + text.slice(start, q);
        i = q + 1;
        break;
      }
      const c = i < n ? text.charCodeAt(i) : LF;
      if (c !== COMMA && c !== LF && c !== CR) {
        throw new CsvFormatError('unexpected character after a closing quote', line);
      }
    } else {
      const start = i;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === COMMA || c === LF || c === CR) break;
        if (c === QUOTE) throw new CsvFormatError('quote inside an unquoted field', line);
        i++;
      }
      field = text.slice(start, i);
    }
    record.push(field);
    if (i < n && text.charCodeAt(i) === COMMA) {
      i++;
      continue;
    }
    if (i < n && text.charCodeAt(i) === CR) {
      if (text.charCodeAt(i + 1) !== LF) throw new CsvFormatError('carriage return without line feed', line);
      i++;
    }
    records.push(record);
    recordLines.push(recordLine);
    record = [];
    i++;
    line++;
    recordLine = line;
    if (i >= n) break;
  }
  const [header, ...rows] = records;
  for (let r = 0; r < rows.length; r++) {
    if (rows[r].length !== header.length) {
      throw new CsvFormatError(
        `record has ${rows[r].length} fields, the header has ${header.length}`,
        recordLines[r + 1],
      );
    }
  }
  return { header, rows };
}

/**
 * Finds the position of each named column in a table's header.
 *
 * @throws {@link CsvFormatError} naming every missing column.
 *
 * @example
 * ```ts
 * const { EventId } = requireColumns(table, ['EventId']);
 * const ids = table.rows.map((row) => row[EventId]);
 * ```
 */
export function requireColumns<const Name extends string>(
  table: CsvTable,
  names: readonly Name[],
): Record<Name, number> {
  const positions: Partial<Record<Name, number>> = {};
  const missing: string[] = [];
  for (const name of names) {
    const at = table.header.indexOf(name);
    if (at < 0) missing.push(name);
    else positions[name] = at;
  }
  if (missing.length > 0) {
    throw new CsvFormatError(
      `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (header: ${table.header.join(', ')})`,
      0,
    );
  }
  return positions as Record<Name, number>;
}
