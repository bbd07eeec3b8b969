import { parseClf } from './clf.js';
import { parseJsonLine } from './json-line.js';
import { parseLogfmt } from './logfmt.js';
import type { LogFormat, ParsedRecord } from './record.js';
import { parseSyslog } from './syslog.js';

/** Options of {@link detectFormat}. */
export interface DetectFormatOptions {
  /** Non-empty lines looked at, from the start. @defaultValue 200 */
  maxLines?: number;
}

/** What {@link detectFormat} found. */
export interface FormatDetection {
  format: LogFormat;
  /** Lines that fit each format (each line votes for the first that fits, most specific first). */
  votes: Partial<Record<LogFormat, number>>;
  /** Non-empty lines looked at. */
  sampled: number;
}

/** Candidates, most specific first: a line votes for the first one that fits. */
const CANDIDATES: readonly [LogFormat, (line: string) => ParsedRecord | null][] = [
  ['json', parseJsonLine],
  ['clf', parseClf],
  ['syslog', parseSyslog],
  ['logfmt', parseLogfmt],
];

/**
 * Detects the format of a log from its first lines by majority vote: each non-empty line votes for the first of
 * JSON, nginx/Apache, syslog and logfmt it fits; the most voted wins when at least half of the lines voted for
 * it, else `generic`. Loghub formats are never detected (they need `--log-format`).
 *
 * @example
 * ```ts
 * detectFormat(['{"msg":"a"}', '{"msg":"b"}', 'stack trace line']);
 * // { format: 'json', votes: { json: 2 }, sampled: 3 }
 * ```
 */
export function detectFormat(
  lines: readonly string[],
  { maxLines = 200 }: DetectFormatOptions = {},
): FormatDetection {
  const votes: Partial<Record<LogFormat, number>> = {};
  let sampled = 0;
  for (const line of lines) {
    if (sampled >= maxLines) break;
    if (line.trim() === '') continue;
    sampled++;
    const fit = CANDIDATES.find(([, parse]) => parse(line) !== null);
    if (fit !== undefined) votes[fit[0]] = (votes[fit[0]] ?? 0) + 1;
  }
  let format: LogFormat = 'generic';
  let best = 0;
  for (const [candidate] of CANDIDATES) {
    const count = votes[candidate] ?? 0;
    if (count > best) {
      best = count;
      format = candidate;
    }
  }
  if (best * 2 < sampled || best === 0) format = 'generic';
  return { format, votes, sampled };
}
