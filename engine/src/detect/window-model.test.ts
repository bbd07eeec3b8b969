import { describe, expect, it } from 'vitest';
import { emptyWindow, mergeWindow, type WindowStats } from '../features/window-stats.js';
import { DEFAULT_THRESHOLD } from '../model/score.js';
import { createRng } from '../random/rng.js';
import { WindowModel } from './window-model.js';

const MIN = 60_000;

function window(start: number, lines: number, errors: number, mix: Record<string, number>): WindowStats {
  return {
    ...emptyWindow('api', start),
    lines,
    errors,
    templates: mix,
    distinctTemplates: Object.keys(mix).length,
  };
}

/** Three days of one-minute windows with a diurnal volume pattern. */
function history(): WindowStats[] {
  const rng = createRng(9);
  const out: WindowStats[] = [];
  for (let m = 0; m < 3 * 24 * 60; m++) {
    const hour = (m / 60) % 24;
    const mean = 100 + 80 * Math.sin((hour / 24) * 2 * Math.PI);
    const lines = Math.round(mean + (rng.next() - 0.5) * 2 * Math.sqrt(mean) * 1.7);
    const errors = rng.next() < 0.3 ? 1 : 0;
    out.push(
      window(m * MIN, lines, errors, { a: Math.round(lines * 0.7), b: lines - Math.round(lines * 0.7) }),
    );
  }
  return out;
}

describe('WindowModel', () => {
  const ref = history();
  const model = WindowModel.fit(ref);

  it('does not flag the usual diurnal pattern', () => {
    let flagged = 0;
    for (const w of ref) if ((model.score(w)?.score ?? 0) >= DEFAULT_THRESHOLD) flagged++;
    expect(flagged / ref.length).toBeLessThan(0.01);
  });

  it("leaves the volume of a window the input's edges cut, and still reads its errors", () => {
    const at = 2 * 24 * 60 * MIN + 6 * 60 * MIN;
    const half = window(at, 90, 0, { a: 63, b: 27 });
    expect(model.score(half)?.feature).toBe('volume');
    expect(model.score(half)?.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    const cut = model.score(half, true);
    expect(cut?.score).toBeLessThan(DEFAULT_THRESHOLD);
    for (const d of cut?.detectors ?? [])
      expect(['volume', 'three_sigma', 'isolation_forest']).not.toContain(d.name);
    expect(model.score(window(at, 0, 0, {}), true)?.floor).toBeNull();
    const errors = model.score(window(at, 90, 30, { a: 63, b: 27 }), true);
    expect(errors?.feature).toBe('error_ratio');
    expect(errors?.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
  });

  it('names the width of windows that are not a minute', () => {
    const at = 2 * 24 * 60 * MIN + 6 * 60 * MIN;
    const w = window(at, 180, 60, { a: 126, b: 54 });
    expect(model.score(w)?.explanation).toMatch(/ in the window from /);
    expect(model.score(w, false, 16 * MIN)?.explanation).toMatch(/ in the 16-minute window from /);
    expect(model.score(w, false, 2 * 60 * MIN)?.explanation).toMatch(/ in the 2-hour window from /);
    expect(model.score(w, false, 90_000)?.explanation).toMatch(/ in the 90-second window from /);
  });

  it('flags an error burst, a flood, a silence and a new mix, with expected values', () => {
    const at = 2 * 24 * 60 * MIN + 6 * 60 * MIN; // 06:00 on day 3: expected ≈ 180 lines
    const burst = model.score(window(at, 180, 60, { a: 126, b: 54 }));
    expect(burst?.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    expect(burst?.feature).toBe('error_ratio');
    // A ratio's normal range stays within [0, 1].
    expect(burst?.lower).toBeGreaterThanOrEqual(0);
    expect(burst?.upper).toBeLessThanOrEqual(1);
    expect(burst?.explanation).toMatch(
      /error ratio 33\.3% in the window from \d{4}-\d\d-\d\d \d\d:\d\d UTC /,
    );
    const flood = model.score(window(at, 900, 0, { a: 630, b: 270 }));
    expect(flood?.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    expect(flood?.feature).toBe('volume');
    expect(flood?.expected).toBeGreaterThan(140);
    expect(flood?.upper).toBeLessThan(900);
    const silent = model.score(window(at, 0, 0, {}));
    expect(silent?.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    expect(silent?.floor).toBe('high');
    const mix = model.score(window(at, 180, 0, { c: 180 }));
    expect(mix?.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    for (const r of [burst, flood, silent, mix]) expect(r?.lower).toBeGreaterThanOrEqual(0);
  });

  it('uses the hour-of-day baseline: night volume at noon is low', () => {
    const noonish = 2 * 24 * 60 * MIN + 6 * 60 * MIN;
    const nightLevel = model.score(window(noonish, 25, 0, { a: 18, b: 7 }));
    expect(nightLevel?.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
  });

  it('ignores services it never saw and round-trips through JSON', () => {
    expect(model.score({ ...emptyWindow('other', 0), lines: 5 })).toBeNull();
    const copy = WindowModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    const w = ref[1234];
    expect(copy.score(w)).toEqual(model.score(w));
  });
  it('scores a window it was fitted on again after the window changed', () => {
    const windows = history();
    const fitted = WindowModel.fit(windows);
    const fresh = WindowModel.fromJSON(fitted.toJSON());
    const w = windows[6 * 60];
    expect(fitted.score(w)).toEqual(fresh.score(w));
    // A burst of errors merged into it after the fit.
    mergeWindow(w, window(w.start, 100, 100, { c: 100 }));
    const after = fitted.score(w);
    expect(after).toEqual(fresh.score(w));
    expect(after?.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
  });
});
