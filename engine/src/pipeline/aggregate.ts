import { round4 } from '../detect/ensemble.js';
import { SessionModel } from '../detect/session-model.js';
import { WindowModel } from '../detect/window-model.js';
import { rfc3339 } from '../export/detection-json.js';
import { mergeSession, type SessionStats } from '../features/session-stats.js';
import { emptyWindow, mergeWindow, type WindowStats, windowKey } from '../features/window-stats.js';
import type { Detection } from '../model/detection.js';
import { severityFor } from '../model/score.js';

/** A window of one source. */
export type SourceWindow = WindowStats & { source: string };
/** A session of one source. */
export type SourceSession = SessionStats & { source: string };

/** The sessions and windows that chunks formed, merged in chunk order. */
export interface Aggregate {
  windows: Map<string, SourceWindow>;
  sessions: Map<string, SourceSession>;
}

/** An empty {@link Aggregate}. */
export function emptyAggregate(): Aggregate {
  return { windows: new Map(), sessions: new Map() };
}

/** Merges one chunk's partial windows and sessions into `agg`; chunks must come in order. */
export function mergeChunkPartials(
  agg: Aggregate,
  source: string,
  partial: { windows: readonly WindowStats[]; sessions: readonly SessionStats[] },
): void {
  for (const w of partial.windows) {
    const key = `${source}\u0000${windowKey(w.service, w.start)}`;
    const prev = agg.windows.get(key);
    if (prev) mergeWindow(prev, w);
    else agg.windows.set(key, { ...w, source });
  }
  for (const s of partial.sessions) {
    const key = `${source}\u0000${s.id}`;
    const prev = agg.sessions.get(key);
    if (prev) mergeSession(prev, s);
    else agg.sessions.set(key, { ...s, source });
  }
}

/** Options of {@link scoreAggregate}. */
export interface ScoreAggregateOptions {
  tenant: string;
  threshold: number;
  seed: number;
  windowMs: number;
  /** Score sessions (a session key was given). */
  sessions: boolean;
  /** Reference to fit the session and window models on; by default the aggregate itself. */
  reference?: Aggregate | null;
  /** Prefix of detection ids, e.g. a job id. @defaultValue '' */
  idPrefix?: string;
}

/**
 * Scores the sessions and per-service windows of an aggregate, yielding one Detection each (anomalous or not:
 * `severity` is null for normal ones), sessions first.
 */
export function* scoreAggregate(agg: Aggregate, options: ScoreAggregateOptions): Generator<Detection> {
  const { tenant, threshold, seed, windowMs, reference, idPrefix = '' } = options;
  if (options.sessions && agg.sessions.size > 0) {
    const ref = [...(reference ?? agg).sessions.values()].map((s) => s.events);
    const sessionModel = SessionModel.fit(
      ref.length > 0 ? ref : [...agg.sessions.values()].map((s) => s.events),
      {
        seed,
      },
    );
    for (const s of agg.sessions.values()) {
      const r = sessionModel.score(s.events);
      const score = round4(r.score);
      yield {
        id: `${idPrefix}${s.source}:session:${s.id}`,
        tenant,
        source: s.source,
        service: s.service,
        timestamp: rfc3339(s.first),
        kind: 'session',
        score,
        severity: severityFor({ score, threshold }),
        template_id: null,
        template: null,
        session_id: s.id,
        observed: s.events.length,
        expected: null,
        lower: null,
        upper: null,
        detectors: r.detectors,
        explanation: r.explanation,
        samples: s.samples,
      };
    }
  }
  const windows = fillSilentWindows(agg.windows, windowMs);
  if (windows.length === 0) return;
  const refWindows = reference ? fillSilentWindows(reference.windows, windowMs) : windows;
  const windowModel = WindowModel.fit(refWindows.length > 0 ? refWindows : windows, { seed });
  for (const w of windows) {
    const r = windowModel.score(w);
    if (!r) continue;
    const score = round4(r.floor && r.score < threshold ? threshold : r.score);
    yield {
      id: `${idPrefix}${w.source}:window:${w.service}:${w.start}`,
      tenant,
      source: w.source,
      service: w.service,
      timestamp: rfc3339(w.start),
      kind: 'window',
      score,
      severity: severityFor({ score, threshold, observed: r.observed, expected: r.expected, floor: r.floor }),
      template_id: null,
      template: null,
      session_id: null,
      observed: round4(r.observed),
      expected: round4(r.expected),
      lower: round4(r.lower),
      upper: round4(r.upper),
      detectors: r.detectors,
      explanation: r.explanation,
      samples: w.samples,
    };
  }
}

/** All windows in time order per source and service, with empty windows where a service logged nothing. */
export function fillSilentWindows(windows: Map<string, SourceWindow>, windowMs: number): SourceWindow[] {
  const bySource = new Map<string, Map<string, SourceWindow[]>>();
  for (const w of windows.values()) {
    let services = bySource.get(w.source);
    if (!services) {
      services = new Map();
      bySource.set(w.source, services);
    }
    const list = services.get(w.service);
    if (list) list.push(w);
    else services.set(w.service, [w]);
  }
  const out: SourceWindow[] = [];
  for (const [source, services] of [...bySource.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    let end = Number.NEGATIVE_INFINITY;
    for (const list of services.values()) for (const w of list) end = Math.max(end, w.start);
    for (const [service, list] of [...services.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      list.sort((a, b) => a.start - b.start);
      const byStart = new Map(list.map((w) => [w.start, w]));
      const span = (end - list[0].start) / windowMs;
      if (span > 100_000) {
        out.push(...list);
        continue;
      }
      for (let t = list[0].start; t <= end; t += windowMs)
        out.push(byStart.get(t) ?? { ...emptyWindow(service, t), source });
    }
  }
  return out;
}
