import type { Level } from './record.js';

const WORDS: Record<string, Level> = {
  trace: 'trace',
  trc: 'trace',
  finest: 'trace',
  finer: 'trace',
  verbose: 'trace',
  debug: 'debug',
  dbg: 'debug',
  fine: 'debug',
  config: 'debug',
  info: 'info',
  inf: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  warn: 'warn',
  warning: 'warn',
  wrn: 'warn',
  error: 'error',
  err: 'error',
  eror: 'error',
  severe: 'error',
  fatal: 'fatal',
  ftl: 'fatal',
  crit: 'fatal',
  critical: 'fatal',
  alert: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
  panic: 'fatal',
};

/** Single-letter levels (glog, Android, klog), recognised only where a field is known to hold a level. */
const LETTERS: Record<string, Level> = {
  t: 'trace',
  v: 'trace',
  d: 'debug',
  i: 'info',
  w: 'warn',
  e: 'error',
  f: 'fatal',
};

const SYSLOG_SEVERITIES: readonly Level[] = [
  'fatal',
  'fatal',
  'fatal',
  'error',
  'warn',
  'info',
  'info',
  'debug',
];

// Exact spellings first (lower, UPPER, Capitalized), so the hot path rarely lower-cases.
const SPELLINGS = new Map<string, Level>();
for (const [word, level] of Object.entries(WORDS)) {
  SPELLINGS.set(word, level);
  SPELLINGS.set(word.toUpperCase(), level);
  SPELLINGS.set(word[0].toUpperCase() + word.slice(1), level);
}

/** Options of {@link normalizeLevel}. */
export interface NormalizeLevelOptions {
  /** Accept single letters (`I`, `W`, `E`, …), for fields known to hold a level. @defaultValue false */
  letters?: boolean;
}

/**
 * Normalizes a level word: `WARNING` → `warn`, `ERR` → `error`, `CRIT`/`panic`/`emerg` → `fatal`, `notice` →
 * `info`, in any case. Digits are read as {@link levelFromNumber} does.
 *
 * @returns the level, or `null` when the word is not one.
 *
 * @example
 * ```ts
 * normalizeLevel('WARNING'); // 'warn'
 * normalizeLevel('30');      // 'info' (bunyan)
 * normalizeLevel('E', { letters: true }); // 'error'
 * ```
 */
export function normalizeLevel(word: string, { letters = false }: NormalizeLevelOptions = {}): Level | null {
  const exact = SPELLINGS.get(word);
  if (exact !== undefined) return exact;
  const length = word.length;
  if (length === 0 || length > 13) return null;
  const first = word.charCodeAt(0);
  if (first >= 48 && first <= 57) return /^\d+$/.test(word) ? levelFromNumber(Number(word)) : null;
  const lower = word.toLowerCase();
  if (length === 1) return letters ? (LETTERS[lower] ?? null) : null;
  return Object.hasOwn(WORDS, lower) ? WORDS[lower] : null;
}

/**
 * Reads a numeric level: 0–7 as a syslog severity (see {@link levelFromSyslogSeverity}), 10–60 and above as
 * bunyan/pino levels (10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal; values between round up).
 *
 * @returns the level, or `null` for negative, fractional or 8–9 values.
 */
export function levelFromNumber(value: number): Level | null {
  if (!Number.isInteger(value) || value < 0) return null;
  if (value <= 7) return levelFromSyslogSeverity(value);
  if (value < 10) return null;
  if (value <= 10) return 'trace';
  if (value <= 20) return 'debug';
  if (value <= 30) return 'info';
  if (value <= 40) return 'warn';
  if (value <= 50) return 'error';
  return 'fatal';
}

/**
 * Maps a syslog severity (RFC 5424: 0 emerg, 1 alert, 2 crit, 3 err, 4 warning, 5 notice, 6 info, 7 debug) to a
 * level: 0–2 are `fatal`, 5 (notice) is `info`.
 */
export function levelFromSyslogSeverity(severity: number): Level {
  return SYSLOG_SEVERITIES[severity & 7];
}
