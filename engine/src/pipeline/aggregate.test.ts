import { describe, expect, it } from 'vitest';
import { emptyWindow, windowKey } from '../features/window-stats.js';
import { fillSilentWindows, MAX_SILENT_WINDOWS, type SourceWindow } from './aggregate.js';

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
    const out = fillSilentWindows(
      windows([
        ['api', range(0, 600)],
        ['cron', range(0, weeks, 1440)],
      ]),
      MINUTE,
    );
    expect(out.filter((w) => w.service === 'cron')).toHaveLength(22);
    expect(out.filter((w) => w.service === 'api')).toHaveLength(weeks + 1);
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
