import type { ParsedRecord } from '../parse/record.js';

/** Numeric fields read as a request latency, in order of preference. */
export const LATENCY_FIELDS = [
  'latency_ms',
  'duration_ms',
  'request_time_ms',
  'response_time_ms',
  'elapsed_ms',
] as const;

/** Bins of the log-spaced latency histogram: bin b holds values in [LAT_MIN·LAT_BASE^b, LAT_MIN·LAT_BASE^(b+1)). */
export const LATENCY_BINS = 64;
const LAT_MIN = 0.01;
const LAT_BASE = 1.4;
const LOG_BASE = Math.log(LAT_BASE);

/** Templates kept per window for the template-mix feature; the rest are pooled as "other". */
const MAX_TEMPLATES_PER_WINDOW = 32;

/** What one service logged in one fixed window. Mergeable across chunks. */
export interface WindowStats {
  service: string;
  /** Window start, epoch ms. */
  start: number;
  lines: number;
  errors: number;
  templates: Record<string, number>;
  /** Distinct keys of `templates`. */
  distinctTemplates: number;
  otherTemplates: number;
  latencyBins: number[] | null;
  latencyCount: number;
  /** A few raw lines (the first errors, else the first lines) for the detection's samples. */
  samples: string[];
}

/** Key of a window in maps. */
export function windowKey(service: string, start: number): string {
  return `${service}\u0000${start}`;
}

/** Service name used when a line names none. */
export const UNKNOWN_SERVICE = 'unknown';

/** Accumulates window statistics for lines of one chunk. */
export class WindowAccumulator {
  readonly windows = new Map<string, WindowStats>();
  /** Each service's latest window: lines come in time order, so most find theirs here without building a key. */
  private readonly latest = new Map<string, WindowStats>();

  constructor(private readonly windowMs: number) {}

  /** Adds one line; lines without a timestamp are skipped. */
  add(record: ParsedRecord, templateId: string, line: string, timestamp: number | null): void {
    if (timestamp === null) return;
    const service = record.service ?? UNKNOWN_SERVICE;
    const start = Math.floor(timestamp / this.windowMs) * this.windowMs;
    let w = this.latest.get(service);
    if (w === undefined || w.start !== start) {
      const key = windowKey(service, start);
      w = this.windows.get(key);
      if (!w) {
        w = emptyWindow(service, start);
        this.windows.set(key, w);
      }
      this.latest.set(service, w);
    }
    w.lines++;
    const isError = record.level === 'error' || record.level === 'fatal';
    if (isError) w.errors++;
    const t = w.templates[templateId];
    if (t !== undefined) w.templates[templateId] = t + 1;
    else if (w.distinctTemplates < MAX_TEMPLATES_PER_WINDOW) {
      w.templates[templateId] = 1;
      w.distinctTemplates++;
    } else w.otherTemplates++;
    const latency = latencyOf(record);
    if (latency !== null) {
      if (!w.latencyBins) w.latencyBins = new Array(LATENCY_BINS).fill(0);
      w.latencyBins[latencyBin(latency)]++;
      w.latencyCount++;
    }
    if (w.samples.length < 3) w.samples.push(line);
    else if (isError && w.errors <= 3) w.samples[w.errors - 1] = line;
  }
}

/**
 * A table of a window's template counts (a copy of `from`). It has no prototype, which V8 keeps as a hash table: as an
 * ordinary object, each window's ids, in an order of their own, made hidden classes one key at a time (25,000 windows
 * of 40 counts each: 1.1 s as ordinary objects, 0.3 s as these).
 */
export function templateCounts(from?: Readonly<Record<string, number>>): Record<string, number> {
  const counts: Record<string, number> = Object.create(null);
  if (from) for (const id in from) counts[id] = from[id];
  return counts;
}

/** An empty window (also used to fill the windows in which a service logged nothing). */
export function emptyWindow(service: string, start: number): WindowStats {
  return {
    service,
    start,
    lines: 0,
    errors: 0,
    templates: templateCounts(),
    distinctTemplates: 0,
    otherTemplates: 0,
    latencyBins: null,
    latencyCount: 0,
    samples: [],
  };
}

/** Merges `b` into `a` (both the same service and start). Deterministic given the order of merges. */
export function mergeWindow(a: WindowStats, b: WindowStats): void {
  a.lines += b.lines;
  a.errors += b.errors;
  for (const [id, c] of Object.entries(b.templates)) {
    if (a.templates[id] !== undefined) a.templates[id] += c;
    else if (a.distinctTemplates < MAX_TEMPLATES_PER_WINDOW) {
      a.templates[id] = c;
      a.distinctTemplates++;
    } else a.otherTemplates += c;
  }
  a.otherTemplates += b.otherTemplates;
  if (b.latencyBins) {
    if (!a.latencyBins) a.latencyBins = new Array(LATENCY_BINS).fill(0);
    for (let i = 0; i < LATENCY_BINS; i++) a.latencyBins[i] += b.latencyBins[i];
    a.latencyCount += b.latencyCount;
  }
  for (const s of b.samples) if (a.samples.length < 3) a.samples.push(s);
}

/** The latency of a line in ms, if it carries one. */
export function latencyOf(record: ParsedRecord): number | null {
  for (const f of LATENCY_FIELDS) {
    const v = record.numeric[f];
    if (v !== undefined && Number.isFinite(v) && v >= 0) return v;
  }
  return null;
}

function latencyBin(ms: number): number {
  if (ms <= LAT_MIN) return 0;
  const b = Math.floor(Math.log(ms / LAT_MIN) / LOG_BASE);
  return b >= LATENCY_BINS ? LATENCY_BINS - 1 : b;
}

/** Approximate quantile `q` of a latency histogram (geometric bin centre), or NaN when empty. */
export function latencyQuantile(bins: readonly number[] | null, count: number, q: number): number {
  if (!bins || count === 0) return Number.NaN;
  const target = q * count;
  let cum = 0;
  for (let b = 0; b < bins.length; b++) {
    cum += bins[b];
    if (cum >= target && bins[b] > 0) return LAT_MIN * LAT_BASE ** (b + 0.5);
  }
  return LAT_MIN * LAT_BASE ** (bins.length - 0.5);
}
