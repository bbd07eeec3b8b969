import { dateMath, dateTime, type DateTime, dateTimeForTimeZone, type TimeRange } from '@grafana/data';
import type { TimeZone } from '@grafana/schema';

/** The explorer's range when the URL names none: the last 24 hours. */
export const DEFAULT_RANGE = { from: 'now-24h', to: 'now' } as const;

/**
 * A `from`/`to` URL value as Grafana writes them: relative (`now-7d`, `now/d`), epoch milliseconds, or an RFC 3339
 * time (turned into epoch milliseconds); `null` when it is none of these.
 */
export function parseRangeParam(value: string | null): string | null {
  if (value === null || value.trim() === '') {
    return null;
  }
  const v = value.trim();
  if (/^\d+$/.test(v)) {
    return v;
  }
  if (v.startsWith('now')) {
    return dateMath.isValid(v) ? v : null;
  }
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? String(ms) : null;
}

/** The value a picker's raw time is kept as in the URL: relative text as is, an absolute time in epoch ms. */
export function rangeParamOf(raw: DateTime | string): string {
  return typeof raw === 'string' ? raw : String(raw.valueOf());
}

/** One edge of a range at time `now`: epoch ms as is, `now…` date math in the time zone (`now/d` is its midnight). */
function resolveEdge(v: string, roundUp: boolean, timeZone: TimeZone, now: number): DateTime {
  if (/^\d+$/.test(v)) {
    return dateTime(Number(v));
  }
  const base = dateTimeForTimeZone(timeZone, now);
  return dateMath.parseDateMath(v.slice('now'.length), base, roundUp) ?? base;
}

/** A URL `from`/`to` pair (see {@link parseRangeParam}) as the time picker's range, resolved at `now`. */
export function resolveRange(from: string, to: string, timeZone: TimeZone, now = Date.now()): TimeRange {
  const raw = (v: string): DateTime | string => (/^\d+$/.test(v) ? dateTime(Number(v)) : v);
  return {
    from: resolveEdge(from, false, timeZone, now),
    to: resolveEdge(to, true, timeZone, now),
    raw: { from: raw(from), to: raw(to) },
  };
}

/** A fixed range between two epoch-ms instants. */
export function absoluteRange(from: number, to: number): TimeRange {
  const f = dateTime(from);
  const t = dateTime(to);
  return { from: f, to: t, raw: { from: f, to: t } };
}

/** The range moved back (`-1`) or forward (`1`) by half its length, as Grafana's arrows do. */
export function shiftRange(range: TimeRange, direction: -1 | 1): { from: string; to: string } {
  const from = range.from.valueOf();
  const to = range.to.valueOf();
  const step = Math.round(((to - from) / 2) * direction);
  return { from: String(from + step), to: String(to + step) };
}

/** The range twice as long around the same middle (Grafana's zoom out, Ctrl+Z). */
export function zoomOutRange(range: TimeRange): { from: string; to: string } {
  const from = range.from.valueOf();
  const to = range.to.valueOf();
  const half = Math.round((to - from) / 2);
  return { from: String(from - half), to: String(to + half) };
}
