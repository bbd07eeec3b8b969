import { round4 } from '../detect/ensemble.js';
import { MIN_REFERENCE_SESSIONS, SessionModel } from '../detect/session-model.js';
import type { SessionCut } from '../detect/session-novelty.js';
import { WindowModel } from '../detect/window-model.js';
import { rfc3339 } from '../export/detection-json.js';
import { mergeSession, type SessionStats } from '../features/session-stats.js';
import {
  emptyWindow,
  mergeWindow,
  templateCounts,
  type WindowStats,
  windowKey,
} from '../features/window-stats.js';
import type { Detection } from '../model/detection.js';
import { severityFor } from '../model/score.js';

/** A window of one source. */
export type SourceWindow = WindowStats & { source: string };
/** A session of one source. */
export type SourceSession = SessionStats & { source: string };

/**
 * Most windows an aggregate holds: past it, windows are merged into windows twice as wide (see
 * {@link mergeChunkPartials}). Memory grows with services × time span, not with bytes (about 3 KB a window): ten days
 * of twenty services at a minute each were 300,000 windows and 1.3 GB. 50,000 is a month of minutes for one service.
 */
export const MAX_WINDOWS = 50_000;

/** The sessions and windows that chunks formed, merged in chunk order. */
export interface Aggregate {
  windows: Map<string, SourceWindow>;
  /** Width of the windows, ms, when they had to be made wider than the run's (see {@link MAX_WINDOWS}). */
  windowMs?: number;
  sessions: Map<string, SourceSession>;
  /** Template text of the sessions' events, by template id, for their explanations (the latest chunk's). */
  eventNames?: Map<string, string>;
}

/** An empty {@link Aggregate}. */
export function emptyAggregate(): Aggregate {
  return { windows: new Map(), sessions: new Map(), eventNames: new Map() };
}

/**
 * Merges one chunk's partial windows and sessions into `agg`; chunks must come in order. `windowMs` is the run's
 * window width; when the windows outnumber {@link MAX_WINDOWS}, they are merged into windows twice as wide (again
 * until they are at most half of it), and the chunks after go into windows that wide. The partial's sessions are
 * taken over, not copied: their arrays become the aggregate's and change with it.
 */
export function mergeChunkPartials(
  agg: Aggregate,
  source: string,
  partial: {
    windows: readonly WindowStats[];
    sessions: readonly SessionStats[];
    /** Absent in partials stored before event names were kept: those events are named by id. */
    eventNames?: Readonly<Record<string, string>>;
  },
  windowMs: number,
): void {
  if (partial.eventNames) {
    agg.eventNames ??= new Map();
    for (const [id, text] of Object.entries(partial.eventNames)) agg.eventNames.set(id, text);
  }
  const width = windowWidth(agg, windowMs);
  for (const w of partial.windows) addWindow(agg.windows, sourceWindow(w, source), width);
  if (agg.windows.size > MAX_WINDOWS) {
    let wider = width;
    let windows = agg.windows;
    while (windows.size > MAX_WINDOWS / 2) {
      wider *= 2;
      const next = new Map<string, SourceWindow>();
      for (const w of windows.values()) addWindow(next, w, wider);
      windows = next;
    }
    agg.windows = windows;
    agg.windowMs = wider;
  }
  if (partial.sessions.length === 0) return;
  let strings = internedStrings.get(agg);
  if (strings === undefined) {
    strings = new Map();
    internedStrings.set(agg, strings);
  }
  for (const s of partial.sessions) {
    // Each chunk's copy of a template id or service name is a string of its own: the aggregate keeps one of each.
    const events = s.events;
    for (let i = 0; i < events.length; i++) events[i] = interned(strings, events[i]);
    if (s.service !== null) s.service = interned(strings, s.service);
    const key = `${source}\u0000${s.id}`;
    const prev = agg.sessions.get(key);
    if (prev) mergeSession(prev, s);
    else agg.sessions.set(key, sourceSession(s, source));
  }
}

/** The one copy of each template id and service name an aggregate's sessions hold (see {@link mergeChunkPartials}). */
const internedStrings = new WeakMap<Aggregate, Map<string, string>>();

function interned(strings: Map<string, string>, s: string): string {
  const kept = strings.get(s);
  if (kept !== undefined) return kept;
  strings.set(s, s);
  return s;
}

/*
 * A chunk's windows and sessions come from another thread or from the store. Spread (`{ ...w, source }`), each copy of
 * such an object got a hidden class of its own, about 300 bytes and its time to make: a heap snapshot of the 20 MB
 * bench log with a session key held 43,396 of them for 43,396 sessions. Written out field by field, all copies share
 * one.
 */

function sourceWindow(w: WindowStats, source: string): SourceWindow {
  return {
    service: w.service,
    start: w.start,
    lines: w.lines,
    errors: w.errors,
    templates: templateCounts(w.templates),
    distinctTemplates: w.distinctTemplates,
    otherTemplates: w.otherTemplates,
    latencyBins: w.latencyBins,
    latencyCount: w.latencyCount,
    samples: w.samples,
    source,
  };
}

function sourceSession(s: SessionStats, source: string): SourceSession {
  return {
    id: s.id,
    service: s.service,
    events: s.events,
    first: s.first,
    last: s.last,
    firstLine: s.firstLine,
    samples: s.samples,
    source,
  };
}

/**
 * The first and last window start of each source: the windows its input began and ended in, which show only part of
 * their time.
 */
function sourceEdges(windows: readonly SourceWindow[]): Map<string, { first: number; last: number }> {
  const edges = new Map<string, { first: number; last: number }>();
  for (const w of windows) {
    const e = edges.get(w.source);
    if (e === undefined) edges.set(w.source, { first: w.start, last: w.start });
    else {
      if (w.start < e.first) e.first = w.start;
      if (w.start > e.last) e.last = w.start;
    }
  }
  return edges;
}

/** Width of an aggregate's windows, given the run's. */
export function windowWidth(agg: Aggregate, windowMs: number): number {
  return agg.windowMs ?? windowMs;
}

/** An aggregate's windows at a width at least theirs: as they are, or merged into copies that wide. */
function widened(agg: Aggregate, width: number, windowMs: number): Map<string, SourceWindow> {
  if (windowWidth(agg, windowMs) === width) return agg.windows;
  const out = new Map<string, SourceWindow>();
  for (const w of agg.windows.values()) {
    const copy = {
      ...w,
      templates: templateCounts(w.templates),
      latencyBins: w.latencyBins && [...w.latencyBins],
      samples: [...w.samples],
    };
    addWindow(out, copy, width);
  }
  return out;
}

/** Adds a window (which `windows` may keep) to the window `width` wide that holds its start. */
function addWindow(windows: Map<string, SourceWindow>, w: SourceWindow, width: number): void {
  const start = Math.floor(w.start / width) * width;
  const key = `${w.source}\u0000${windowKey(w.service, start)}`;
  const prev = windows.get(key);
  if (prev) mergeWindow(prev, w);
  else windows.set(key, start === w.start ? w : { ...w, start });
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
    // Without a reference of their own, the sessions are their own reference, each scored against the others.
    const own = !reference || reference.sessions.size === 0;
    const refSessions = [...(own ? agg : reference).sessions.values()];
    const ref = refSessions.map((s) => s.events);
    const refCuts = sessionCuts(refSessions);
    const cuts = own ? refCuts : sessionCuts([...agg.sessions.values()]);
    // A lone session has nothing to be compared with: it is reported, unscored.
    const sessionModel =
      ref.length >= MIN_REFERENCE_SESSIONS ? SessionModel.fit(ref, { seed, cuts: refCuts }) : null;
    const names = agg.eventNames;
    const nameOf = names && names.size > 0 ? (event: string) => names.get(event) : undefined;
    let index = 0;
    for (const s of agg.sessions.values()) {
      const cut = cuts[index];
      const r = sessionModel
        ? sessionModel.score(s.events, own ? index : undefined, { nameOf, cut })
        : {
            score: 0,
            detectors: [],
            explanation: `Session not scored: scoring sessions needs at least ${MIN_REFERENCE_SESSIONS} reference sessions, and there ${ref.length === 1 ? 'is 1' : `are ${ref.length}`}.`,
          };
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
      index++;
    }
  }
  // Windows made wider (see MAX_WINDOWS) in the input or in its reference: both are scored at the wider width.
  const width = Math.max(windowWidth(agg, windowMs), reference ? windowWidth(reference, windowMs) : 0);
  const windows = fillSilentWindows(widened(agg, width, windowMs), width);
  if (windows.length === 0) return;
  const refWindows = reference ? fillSilentWindows(widened(reference, width, windowMs), width) : windows;
  const windowModel = WindowModel.fit(refWindows.length > 0 ? refWindows : windows, { seed });
  const edges = sourceEdges(windows);
  for (const w of windows) {
    const edge = edges.get(w.source);
    const r = windowModel.score(
      w,
      edge !== undefined && (w.start === edge.first || w.start === edge.last),
      width,
    );
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

/** Quantile of session durations taken as the longest a session lasts (see {@link sessionCuts}). */
export const SESSION_SPAN_QUANTILE = 0.99;

/**
 * Which ends of each session its input may have cut. A session in flight when its source's lines start (or end) shows
 * only part of itself; any session that began (or ended) within the longest usual session duration (the
 * {@link SESSION_SPAN_QUANTILE} of the source's session durations) of the source's first (or last) session line may
 * be one. Sessions without times: null (not known to be cut).
 */
export function sessionCuts(sessions: readonly SourceSession[]): (SessionCut | null)[] {
  const spans = new Map<string, { first: number; last: number; durations: number[] }>();
  for (const s of sessions) {
    if (s.first === null || s.last === null) continue;
    const span = spans.get(s.source);
    if (span === undefined) {
      spans.set(s.source, { first: s.first, last: s.last, durations: [s.last - s.first] });
      continue;
    }
    if (s.first < span.first) span.first = s.first;
    if (s.last > span.last) span.last = s.last;
    span.durations.push(s.last - s.first);
  }
  const longest = new Map<string, number>();
  for (const [source, { durations }] of spans) {
    const sorted = Float64Array.from(durations).sort();
    longest.set(
      source,
      sorted[Math.min(sorted.length - 1, Math.ceil(SESSION_SPAN_QUANTILE * sorted.length) - 1)],
    );
  }
  return sessions.map((s) => {
    const span = spans.get(s.source);
    if (s.first === null || s.last === null || span === undefined) return null;
    const d = longest.get(s.source) as number;
    return { start: s.first - span.first <= d, end: span.last - s.last <= d };
  });
}

/**
 * A service that logged in fewer of the windows from its first line to its source's last than this share has no
 * silence worth noticing (a quiet window is its usual state): its empty windows are not made. A sparse log of weeks
 * would otherwise make millions of them, and a service seen in one window would get one per window to the end of the
 * log, against which its only window was then a flood.
 */
export const MIN_ACTIVE_WINDOW_SHARE = 0.1;

/** Most empty windows made over all services of a run: the densest services get theirs first. */
export const MAX_SILENT_WINDOWS = 200_000;

/**
 * All windows in time order per source and service, with empty windows where a service that usually logs (see
 * {@link MIN_ACTIVE_WINDOW_SHARE}, {@link MAX_SILENT_WINDOWS}) logged nothing.
 */
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
  // Which services get their silences: active enough, densest first, within the budget.
  const candidates: { list: SourceWindow[]; silent: number; share: number; key: string }[] = [];
  const ends = new Map<string, number>();
  for (const [source, services] of bySource) {
    let end = Number.NEGATIVE_INFINITY;
    for (const list of services.values()) for (const w of list) end = Math.max(end, w.start);
    ends.set(source, end);
    for (const [service, list] of services) {
      list.sort((a, b) => a.start - b.start);
      // Activity from its first window on, to the end of what its source shows: a service that logged every minute
      // and then stopped for the last third of the log is one whose silence matters; one seen in a single window,
      // or for a few hours of weeks, is not (its windows' model would take the empty ones for its usual state).
      const first = list[0].start;
      const observed = Math.floor((end - first) / windowMs) + 1;
      const share = list.length / observed;
      const silent = observed - list.length;
      if (share >= MIN_ACTIVE_WINDOW_SHARE)
        candidates.push({ list, silent, share, key: `${source}\n${service}` });
    }
  }
  candidates.sort((a, b) => b.share - a.share || (a.key < b.key ? -1 : 1));
  const filled = new Set<SourceWindow[]>();
  let budget = MAX_SILENT_WINDOWS;
  for (const c of candidates) {
    if (c.silent > budget) continue;
    budget -= c.silent;
    filled.add(c.list);
  }
  const out: SourceWindow[] = [];
  for (const [source, services] of [...bySource.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const end = ends.get(source) as number;
    for (const [service, list] of [...services.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (!filled.has(list)) {
        out.push(...list);
        continue;
      }
      const byStart = new Map(list.map((w) => [w.start, w]));
      for (let t = list[0].start; t <= end; t += windowMs)
        out.push(byStart.get(t) ?? { ...emptyWindow(service, t), source });
    }
  }
  return out;
}
