/** Log formats Outlier parses; `auto` detects one from the first lines. */
export const LOG_FORMATS = ['json', 'logfmt', 'clf', 'syslog', 'loghub', 'generic'] as const;
/** A log format name. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Normalized log levels, least to most severe. */
export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
/** A normalized log level. */
export type Level = (typeof LEVELS)[number];

/**
 * One parsed log line. `message` is the text templates are mined from (for JSON, the message field; for
 * nginx/Apache, the request line and outcome; for Loghub formats, `<Content>`).
 */
export interface ParsedRecord {
  /** Epoch milliseconds, when the line carries a time. */
  timestamp: number | null;
  level: Level | null;
  service: string | null;
  message: string;
  /** Numeric fields by name (e.g. `status`, `bytes`, `latency_ms`). */
  numeric: Record<string, number>;
  /** Categorical fields by name (e.g. `method`, `host`, `trace_id`, Loghub header fields). */
  categorical: Record<string, string>;
  /** The format that parsed this line (a line that did not fit the detected format falls back to `generic`). */
  format: LogFormat;
}
