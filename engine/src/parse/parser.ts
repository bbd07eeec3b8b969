import { parseClf } from './clf.js';
import { detectFormat, type FormatDetection } from './detect-format.js';
import { ParserOptionsError } from './errors.js';
import { createGenericParser } from './generic.js';
import { createJsonLineParser } from './json-line.js';
import { createLogfmtParser } from './logfmt.js';
import { createLoghubParser } from './loghub.js';
import type { LogFormat, ParsedRecord } from './record.js';
import { createSyslogParser } from './syslog.js';
import { currentYear } from './timestamp.js';

/** Options of {@link createParser}. */
export interface CreateParserOptions {
  /** A format, or `auto` to detect one from `sampleLines` (`loghub` when a `logFormat` is given). */
  format: 'auto' | LogFormat;
  /** Loghub header format (`<Date> <Time> <Level> <Component>: <Content>`); required by `loghub`. */
  logFormat?: string;
  /** First lines of the input, for `auto`. Without any, `auto` means `generic`. */
  sampleLines?: readonly string[];
  /** Year of timestamps written without one (syslog `Mmm dd`). @defaultValue the current year (UTC) */
  year?: number;
}

/** Parses lines of one input into records. */
export interface LogParser {
  /** The format chosen (detected for `auto`). */
  readonly format: LogFormat;
  /** How the format was detected, for `auto` without a `logFormat`. */
  readonly detection: FormatDetection | null;
  /**
   * Parses one line with the format's parser, or with the generic one when the line does not fit (the record's
   * `format` says which). Never throws; a plain function, safe to pass around.
   */
  readonly parse: (line: string) => ParsedRecord;
}

/**
 * Creates the parser of an input: the given format, or the one detected from sample lines, with a per-line
 * fallback to the generic parser.
 *
 * @throws {@link ParserOptionsError} for `loghub` without `logFormat`, or a `logFormat` with another format.
 * @throws `InvalidLogFormatError` when `logFormat` cannot be compiled.
 *
 * @example
 * ```ts
 * const parser = createParser({ format: 'auto', sampleLines: firstLines });
 * parser.format;                      // 'json'
 * parser.parse('not json').format;    // 'generic'
 * ```
 */
export function createParser({
  format,
  logFormat,
  sampleLines = [],
  year = currentYear(),
}: CreateParserOptions): LogParser {
  const generic = createGenericParser({ year });
  const hasLogFormat = logFormat !== undefined && logFormat.trim() !== '';
  if (format === 'loghub' && !hasLogFormat) {
    throw new ParserOptionsError(
      'format loghub needs a Loghub header format (--log-format), e.g. "<Date> <Time> <Level> <Component>: <Content>"',
    );
  }
  if (hasLogFormat && format !== 'loghub' && format !== 'auto') {
    throw new ParserOptionsError(
      `a Loghub header format (--log-format) applies to format loghub, not ${format}`,
    );
  }
  let chosen: LogFormat;
  let detection: FormatDetection | null = null;
  if (hasLogFormat) chosen = 'loghub';
  else if (format === 'auto') {
    detection = detectFormat(sampleLines);
    chosen = detection.format;
  } else chosen = format;

  let primary: ((line: string) => ParsedRecord | null) | null;
  switch (chosen) {
    case 'json':
      primary = createJsonLineParser({ year });
      break;
    case 'logfmt':
      primary = createLogfmtParser({ year });
      break;
    case 'clf':
      primary = parseClf;
      break;
    case 'syslog':
      primary = createSyslogParser({ year });
      break;
    case 'loghub':
      primary = createLoghubParser(logFormat ?? '', { year });
      break;
    case 'generic':
      primary = null;
      break;
  }
  const fallback = format === 'auto' && !hasLogFormat ? mixedFallback(chosen, year, generic) : generic;
  const parse = primary === null ? fallback : withFallback(primary, fallback);
  return { format: chosen, detection, parse };
}

/**
 * For `auto`: a line the detected format does not fit is tried, by its first character, with the other structured
 * parsers (JSON, syslog, nginx/Apache) before the generic one, so that files mixing formats keep their fields.
 */
function mixedFallback(
  chosen: LogFormat,
  year: number,
  generic: (line: string) => ParsedRecord,
): (line: string) => ParsedRecord {
  const json = chosen === 'json' ? null : createJsonLineParser({ year });
  const syslog = chosen === 'syslog' ? null : createSyslogParser({ year });
  const clf = chosen === 'clf' ? null : parseClf;
  return (line) => {
    const c = line.charCodeAt(0);
    if (c === 123 /* { */) return json?.(line) ?? generic(line);
    if (c === 60 /* < */) return syslog?.(line) ?? generic(line);
    if (c >= 65 && c <= 90 /* A-Z: "Nov 22 …" */) return syslog?.(line) ?? generic(line);
    if ((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || c === 58) {
      // An IPv4/IPv6 client or host name starts an access-log line; generic lines start with a date.
      const r = clf?.(line);
      if (r) return r;
    }
    return generic(line);
  };
}

function withFallback(
  primary: (line: string) => ParsedRecord | null,
  fallback: (line: string) => ParsedRecord,
): (line: string) => ParsedRecord {
  return (line) => primary(line) ?? fallback(line);
}
