import { describe, expect, it } from 'vitest';
import { emptyWindow, windowKey } from '../features/window-stats.js';
import { DEFAULT_THRESHOLD } from '../model/score.js';
import { createRng } from '../random/rng.js';
import {
  type Aggregate,
  emptyAggregate,
  fillSilentWindows,
  MAX_SILENT_WINDOWS,
  MAX_WINDOWS,
  mergeChunkPartials,
  type SourceSession,
  type SourceWindow,
  scoreAggregate,
  sessionCuts,
} from './aggregate.js';

const MINUTE = 60_000;

function windows(entries: [service: string, minutes: number[]][]): Map<string, SourceWindow> {
  const out = new Map<string, SourceWindow>();
  for (const [service, minutes] of entries)
    for (const m of minutes)
      out.set(windowKey(service, m * MINUTE), { ...emptyWindow(service, m * MINUTE), lines: 1, source: 'f' });
  return out;
}

const range = (from: number, to: number, step = 1): number[] =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

describe('fillSilentWindows', () => {
  it('makes the empty windows of a service that usually logs, up to the last window of its source', () => {
    const out = fillSilentWindows(
      windows([
        ['api', [0, 1, 2, 5, 6]],
        ['db', [0, 9]],
      ]),
      MINUTE,
    );
    const api = out.filter((w) => w.service === 'api');
    expect(api.map((w) => [w.start / MINUTE, w.lines])).toEqual([
      ...[0, 1, 2].map((m) => [m, 1]),
      [3, 0],
      [4, 0],
      [5, 1],
      [6, 1],
      ...[7, 8, 9].map((m) => [m, 0]),
    ]);
    // Two of ten windows: still a service whose silence means something.
    expect(out.filter((w) => w.service === 'db')).toHaveLength(10);
  });

  it('leaves a service that logs now and then as it is: weeks of a sparse log make no millions of windows', () => {
    const weeks = 3 * 7 * 24 * 60;
    const day = 24 * 60;
    const out = fillSilentWindows(
      windows([
        ['api', range(0, weeks - day)],
        ['cron', range(0, weeks, day)],
        ['once', [60]],
        ['startup', range(0, 600)],
      ]),
      MINUTE,
    );
    // The api stopped a day before the log ends: that day's empty windows are made.
    expect(out.filter((w) => w.service === 'api')).toHaveLength(weeks + 1);
    expect(out.filter((w) => w.service === 'cron')).toHaveLength(22);
    // Seen in one window, or for ten hours of three weeks: quiet is these services' usual state.
    expect(out.filter((w) => w.service === 'once')).toHaveLength(1);
    expect(out.filter((w) => w.service === 'startup')).toHaveLength(601);
  });

  it('spends a bounded number of empty windows, on the densest services first', () => {
    const span = MAX_SILENT_WINDOWS;
    const out = fillSilentWindows(
      windows([
        ['dense', range(0, span, 2)],
        ['sparser', range(0, span, 5)],
      ]),
      MINUTE,
    );
    expect(out.filter((w) => w.service === 'dense')).toHaveLength(span + 1);
    expect(out.filter((w) => w.service === 'sparser')).toHaveLength(span / 5 + 1);
  });
});

describe('mergeChunkPartials windows', () => {
  /** One chunk's windows: `services` services, one window a minute from minute `from` for `minutes` minutes. */
  function chunk(services: number, from: number, minutes: number) {
    const windows = [];
    for (let m = from; m < from + minutes; m++)
      for (let s = 0; s < services; s++)
        windows.push({
          ...emptyWindow(`svc${s}`, m * MINUTE),
          lines: 2,
          templates: { t: 2 },
          distinctTemplates: 1,
        });
    return { windows, sessions: [] };
  }

  it('merges windows into wider ones past MAX_WINDOWS, losing no line, and puts later chunks into them', () => {
    const agg = emptyAggregate();
    const services = 20;
    const perChunk = 60;
    let chunks = 0;
    while (agg.windowMs === undefined)
      mergeChunkPartials(agg, 'f', chunk(services, perChunk * chunks++, perChunk), MINUTE);
    expect(chunks * perChunk * services).toBeGreaterThan(MAX_WINDOWS);
    // 50,400 one-minute windows: two-minute ones would still be 25,200, so four-minute ones.
    expect(agg.windowMs).toBe(4 * MINUTE);
    expect(agg.windows.size).toBeLessThanOrEqual(MAX_WINDOWS / 2);
    for (let i = 0; i < 10; i++)
      mergeChunkPartials(agg, 'f', chunk(services, perChunk * chunks++, perChunk), MINUTE);
    const all = [...agg.windows.values()];
    expect(all.every((w) => w.start % (4 * MINUTE) === 0)).toBe(true);
    expect(all.reduce((n, w) => n + w.lines, 0)).toBe(2 * chunks * perChunk * services);
    expect(all.every((w) => w.lines === 8 && w.templates.t === 8)).toBe(true);
  });

  it("keeps every field of a chunk's windows and sessions from another thread, and counts any template id", () => {
    const agg = emptyAggregate();
    const window = {
      ...emptyWindow('api', 0),
      lines: 3,
      errors: 1,
      templates: { a1: 2, ['__proto__']: 1 },
      distinctTemplates: 2,
      latencyBins: [1, 2, ...new Array(62).fill(0)],
      latencyCount: 3,
      samples: ['x'],
    };
    const session = {
      id: 's1',
      service: 'api',
      events: ['a1'],
      first: 5,
      last: 9,
      firstLine: 1,
      samples: ['x'],
    };
    for (let i = 0; i < 2; i++)
      mergeChunkPartials(agg, 'f', structuredClone({ windows: [window], sessions: [session] }), MINUTE);
    const merged = agg.windows.get(`f\u0000${windowKey('api', 0)}`) as SourceWindow;
    expect(merged).toMatchObject({
      source: 'f',
      service: 'api',
      start: 0,
      lines: 6,
      errors: 2,
      latencyCount: 6,
    });
    expect(merged.latencyBins?.slice(0, 2)).toEqual([2, 4]);
    expect(Object.getPrototypeOf(merged.templates)).toBeNull();
    expect(Object.entries(merged.templates)).toEqual([
      ['a1', 4],
      ['__proto__', 2],
    ]);
    expect(agg.sessions.get('f\u0000s1')).toEqual({
      ...session,
      events: ['a1', 'a1'],
      samples: ['x', 'x'],
      source: 'f',
    });
  });
});

describe('scoreAggregate windows', () => {
  it("does not flag a window for the part of its time the input's end cut off, but the same dip inside", () => {
    const agg = emptyAggregate();
    const width = 16 * MINUTE;
    const rng = createRng(1);
    const last = 899;
    const windows = [];
    for (let m = 0; m <= last; m++)
      for (let s = 0; s < 20; s++) {
        // Sixteen lines a window; the input ended halfway through its last window, and svc3 logged half once.
        const lines = m === last || (m === 400 && s === 3) ? 8 : 16;
        let errors = 0;
        for (let i = 0; i < lines; i++) if (rng.next() < 0.01) errors++;
        windows.push({
          ...emptyWindow(`svc${s}`, m * width),
          lines,
          errors,
          templates: { t: lines },
          distinctTemplates: 1,
        });
      }
    mergeChunkPartials(agg, 'f', { windows, sessions: [] }, width);
    const options = { tenant: 't', threshold: DEFAULT_THRESHOLD, seed: 1, windowMs: width, sessions: false };
    const serious = [...scoreAggregate(agg, options)]
      .filter((d) => d.severity === 'high' || d.severity === 'critical')
      .map((d) => `${d.service}@${Date.parse(d.timestamp ?? '') / width}`);
    expect(serious).toEqual(['svc3@400']);
  });
});

describe('scoreAggregate sessions', () => {
  const options = { tenant: 't', threshold: DEFAULT_THRESHOLD, seed: 1, windowMs: MINUTE, sessions: true };

  function aggregate(sessions: string[][]): Aggregate {
    const agg = emptyAggregate();
    sessions.forEach((events, i) => {
      const id = `s${i}`;
      agg.sessions.set(`f\u0000${id}`, {
        id,
        service: 'api',
        events,
        first: i * 1000,
        last: i * 1000 + 10,
        firstLine: i + 1,
        samples: [],
        source: 'f',
      });
    });
    return agg;
  }

  it('scores an input without a reference against itself, each session against the others', () => {
    const sessions = Array.from({ length: 3000 }, (_, i) =>
      i % 3 === 0 ? ['a', 'b', 'c'] : ['a', 'b', 'b', 'c'],
    );
    sessions[1500] = ['a', 'c', 'b'];
    const out = [...scoreAggregate(aggregate(sessions), options)].filter((d) => d.kind === 'session');
    expect(out).toHaveLength(3000);
    const flagged = out.filter((d) => d.severity !== null);
    expect(flagged.map((d) => d.session_id)).toEqual(['s1500']);
    expect(flagged[0].explanation).toContain('no other session made');
  });

  it('reports a lone session unscored instead of failing', () => {
    const out = [...scoreAggregate(aggregate([['a', 'b']]), options)];
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      kind: 'session',
      session_id: 's0',
      score: 0,
      severity: null,
      detectors: [],
    });
    expect(out[0].explanation).toBe(
      'Session not scored: scoring sessions needs at least 2 reference sessions, and there is 1.',
    );
  });

  it("does not flag sessions the input's edges cut, and names events by their template's text", () => {
    // 3000 sessions a b c, 10 ms each, one every second; the first is only the tail of one (c), the last only the
    // head of one (a b); one in the middle has an event no other has.
    const sessions = Array.from({ length: 3000 }, () => ['a', 'b', 'c']);
    sessions[0] = ['c'];
    sessions[2999] = ['a', 'b'];
    sessions[1500] = ['a', 'b', 'x', 'c'];
    const agg = aggregate(sessions);
    agg.eventNames = new Map([['x', 'disk <*> failed']]);
    const out = [...scoreAggregate(agg, options)].filter((d) => d.kind === 'session');
    const flagged = out.filter((d) => d.severity !== null);
    expect(flagged.map((d) => d.session_id)).toEqual(['s1500']);
    expect(flagged[0].explanation).toContain('event "disk <*> failed" never seen in any other session');
  });
});

describe('sessionCuts', () => {
  const session = (source: string, first: number | null, last: number | null): SourceSession => ({
    id: `${source}${first}`,
    service: null,
    events: ['a'],
    first,
    last,
    firstLine: 1,
    samples: [],
    source,
  });

  it("marks the sessions within the longest usual session duration of their source's first and last line", () => {
    // Sessions of 10 s every minute over 100 minutes; another source starts later.
    const list: SourceSession[] = [];
    for (let m = 0; m < 100; m++) list.push(session('f', m * MINUTE, m * MINUTE + 10_000));
    list.push(
      session('g', 500 * MINUTE, 500 * MINUTE + 5_000),
      session('g', 600 * MINUTE, 600 * MINUTE + 5_000),
    );
    list.push(session('f', null, null));
    const cuts = sessionCuts(list);
    expect(cuts[0]).toEqual({ start: true, end: false });
    expect(cuts[1]).toEqual({ start: false, end: false });
    expect(cuts[98]).toEqual({ start: false, end: false });
    expect(cuts[99]).toEqual({ start: false, end: true });
    expect(cuts[100]).toEqual({ start: true, end: false });
    expect(cuts[101]).toEqual({ start: false, end: true });
    expect(cuts[102]).toBeNull();
  });
});
