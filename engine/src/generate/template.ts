/** The four line formats of a synthetic log. */
export const SYNTHETIC_FORMATS = ['json', 'nginx', 'syslog', 'text'] as const;
/** A synthetic line format: JSON, nginx combined access log, RFC 3164 syslog, or free-text application log. */
export type SyntheticFormat = (typeof SYNTHETIC_FORMATS)[number];

/** What a template reports, from routine to failure. */
export type Outcome = 'ok' | 'debug' | 'warn' | 'error';

/**
 * How a template is drawn: `zipf` lines are drawn independently by frequency rank, `flow` lines only as steps
 * of a session, `incident` lines only by an injected incident (never in normal traffic).
 */
export type TemplateRole = 'zipf' | 'flow' | 'incident';

/** A line template before compilation: its pattern and what the generator needs to know about it. */
export interface TemplateSpec {
  /** Stable name, unique in the catalogue (`payments.authorize.error`, `nginx.GET /healthz.200`). */
  key: string;
  format: SyntheticFormat;
  /** Service or program that writes the line (`payments`, `sshd`, `nginx` routes name their upstream). */
  service: string;
  outcome: Outcome;
  /**
   * Frequency tier within its format, 0 (routine) to 3 (rare), -1 for lines that dominate (health checks):
   * Zipf ranks follow `tier + U(0, 1)`, so whole tiers come in order and fractional ones interleave.
   */
  tier: number;
  /** Endpoint the line reports on (`GET /api/v1/search`), when it reports a request. */
  route?: string;
  /** Line pattern with `%{slot}` placeholders (see `DEFAULT_SLOTS`). */
  pattern: string;
  role: TemplateRole;
}

/**
 * Splits a `|`-separated catalogue entry into `n` fields; the last field keeps any further `|` (shell commands).
 *
 * @example splitEntry('CRON|1|a || b', 3) // ['CRON', '1', 'a || b']
 */
export function splitEntry(entry: string, n: number): string[] {
  const parts = entry.split('|');
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join('|')];
}
