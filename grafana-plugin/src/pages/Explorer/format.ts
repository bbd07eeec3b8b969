import { dateTimeFormat } from '@grafana/data';
import type { TimeZone } from '@grafana/schema';
import type { BadgeColor, IconName } from '@grafana/ui';
import type { Detection, DetectionKind, Severity } from '../../api/engine-api';

/** Badge of each severity; `null` is a detection below the threshold. */
export const SEVERITY_BADGES: Record<Severity | 'none', { text: string; color: BadgeColor; icon?: IconName }> = {
  critical: { text: 'critical', color: 'red', icon: 'exclamation-triangle' },
  high: { text: 'high', color: 'red' },
  medium: { text: 'medium', color: 'orange' },
  low: { text: 'low', color: 'blue' },
  none: { text: 'below threshold', color: 'darkgrey' },
};

/** What each kind of detection is about, in words. */
export const KIND_WORDS: Record<DetectionKind, string> = {
  line: 'log line',
  session: 'session',
  window: 'time window',
  point: 'metric point',
};

/** A score in [0, 1] with three decimals. */
export function formatScore(score: number): string {
  return Number.isFinite(score) ? score.toFixed(3) : '—';
}

/** A measured value for people: up to four significant decimals, thousands separated; `—` when missing. */
export function formatValue(v: number | null): string {
  if (v === null || !Number.isFinite(v)) {
    return '—';
  }
  return v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) >= 100 ? 1 : 4 });
}

/** How far `observed` is from `expected`, in percent of `expected`; `null` when that means nothing. */
export function deviationPercent(d: Pick<Detection, 'observed' | 'expected'>): number | null {
  if (d.observed === null || d.expected === null || d.expected === 0) {
    return null;
  }
  const pct = ((d.observed - d.expected) / Math.abs(d.expected)) * 100;
  return Number.isFinite(pct) ? pct : null;
}

/** A deviation with its sign: `+152 %`, `−38.5 %`; `—` when there is none. */
export function formatDeviation(pct: number | null): string {
  if (pct === null) {
    return '—';
  }
  const abs = Math.abs(pct);
  const digits = abs >= 100 ? 0 : 1;
  const sign = pct > 0 ? '+' : pct < 0 ? '−' : '';
  return `${sign}${abs.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} %`;
}

/** The text the table shows for a detection: its template, else its explanation. */
export function summaryOf(d: Pick<Detection, 'template' | 'explanation'>): string {
  return d.template && d.template.trim() ? d.template : d.explanation;
}

/** A detection's time in the chosen time zone; `—` when it has none. */
export function formatTime(timestamp: string | null, timeZone: TimeZone): string {
  if (!timestamp || !Number.isFinite(Date.parse(timestamp))) {
    return '—';
  }
  return dateTimeFormat(timestamp, { timeZone, format: 'YYYY-MM-DD HH:mm:ss' });
}
