import { ascii } from './ascii.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY_MS = 86_400_000;
const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * Relative log volume at an hour of the day (UTC, fractional): a sinusoid from 0.4 at 02:00 to 1.6 at 14:00,
 * averaging 1 over a day.
 */
export function diurnalFactor(hour: number): number {
  return 1 + 0.6 * Math.sin((2 * Math.PI * (hour - 8)) / 24);
}

/**
 * The current time of the generated log, pre-encoded for every format it writes. The prefixes are rebuilt
 * only when the second changes (the date parts only when the day does), so moving the clock per line costs a
 * division and a comparison.
 */
export class LogClock {
  /** `2026-11-22T10:00:00.` (then three digits of {@link ms} and `Z`). */
  isoPrefix: Uint8Array = new Uint8Array(0);
  /** `2026-11-22 10:00:00,` (then three digits of {@link ms}). */
  appPrefix: Uint8Array = new Uint8Array(0);
  /** nginx `$time_local`: `22/Nov/2026:10:00:00 +0000`. */
  nginx: Uint8Array = new Uint8Array(0);
  /** RFC 3164 timestamp: `Nov 22 10:00:00` (day padded with a space). */
  syslog: Uint8Array = new Uint8Array(0);
  /** Milliseconds within the second. */
  ms = 0;
  /** Volume factor ({@link diurnalFactor}) at the current second. */
  volume = 1;
  /** Epoch milliseconds of the last {@link set}. */
  now = 0;

  private second = Number.NaN;
  private dayStart = Number.NaN;
  private isoDate = '';
  private nginxDate = '';
  private syslogDate = '';

  /** Moves the clock to `ms` (epoch milliseconds, integer). */
  set(ms: number): void {
    this.now = ms;
    const second = Math.floor(ms / 1000);
    if (second !== this.second) this.setSecond(second);
    this.ms = ms - second * 1000;
  }

  private setSecond(second: number): void {
    this.second = second;
    const ms = second * 1000;
    if (!(ms >= this.dayStart && ms < this.dayStart + DAY_MS)) this.setDay(ms);
    const inDay = second - this.dayStart / 1000;
    const hms = `${pad2(Math.floor(inDay / 3600))}:${pad2(Math.floor((inDay % 3600) / 60))}:${pad2(inDay % 60)}`;
    this.isoPrefix = ascii(`${this.isoDate}T${hms}.`);
    this.appPrefix = ascii(`${this.isoDate} ${hms},`);
    this.nginx = ascii(`${this.nginxDate}:${hms} +0000`);
    this.syslog = ascii(`${this.syslogDate} ${hms}`);
    this.volume = diurnalFactor(inDay / 3600);
  }

  private setDay(ms: number): void {
    this.dayStart = ms - (ms % DAY_MS);
    const d = new Date(this.dayStart);
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth();
    const day = d.getUTCDate();
    this.isoDate = `${year}-${pad2(month + 1)}-${pad2(day)}`;
    this.nginxDate = `${pad2(day)}/${MONTHS[month]}/${year}`;
    this.syslogDate = `${MONTHS[month]} ${String(day).padStart(2, ' ')}`;
  }
}
