import { describe, expect, it } from 'vitest';
import { scoreFromTailProbability } from '../model/score.js';
import { createRng } from '../random/rng.js';
import {
  recordShadowCycle,
  SHADOW_SCORE_LIMIT,
  type ShadowState,
  shadowVerdict,
  startShadow,
} from './shadow.js';

/** One run of the active model: calibrated scores with a few real anomalies. */
function activeRun(n: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) =>
    i % 100 === 7 ? 0.9 : scoreFromTailProbability(1 - rng.next()),
  );
}

/** The candidate's scores: the active ones moved by `change`, clamped to [0, 1]. */
function candidate(active: number[], change: (s: number, i: number) => number): number[] {
  return active.map((s, i) => Math.min(1, Math.max(0, change(s, i))));
}

function run(cycles: number, change: (s: number, i: number) => number): ShadowState {
  let state = startShadow(4);
  for (let c = 0; c < cycles; c++) {
    const active = activeRun(300, c + 1);
    state = recordShadowCycle(state, active, candidate(active, change));
  }
  return state;
}

describe('shadow trial', () => {
  it('stays pending before the configured number of cycles', () => {
    const state = run(2, (s) => s);
    expect(shadowVerdict(state)).toEqual({
      decision: 'pending',
      detail: '2 of 3 shadow cycles, 600 points compared',
    });
    expect(shadowVerdict(state, { cycles: 2 }).decision).toBe('promote');
  });

  it('promotes a similar candidate after the cycles', () => {
    const rng = createRng(9);
    const state = run(3, (s) => s + (rng.next() - 0.5) * 0.04);
    expect(state.cycles).toBe(3);
    const v = shadowVerdict(state);
    expect(v.decision).toBe('promote');
    expect(v.detail).toMatch(/over 900 points\)$/);
  });

  it('rejects a candidate that alerts far more than the active model', () => {
    // One point in 20 becomes an alert: about 45 against the active model's 9.
    const state = run(3, (s, i) => (i % 20 === 3 ? 0.7 : s));
    const v = shadowVerdict(state);
    expect(v.decision).toBe('reject');
    expect(v.detail).toMatch(/^alert ratio \d+(\.\d+)? > 2 \(\d+ vs 9 alerts over 900 points\)$/);
  });

  it('rejects a candidate whose scores move far without crossing θ', () => {
    const state = run(3, (s) => (s < 0.5 ? Math.min(0.49, s + 0.3) : s));
    const v = shadowVerdict(state);
    expect(v.decision).toBe('reject');
    expect(v.detail).toMatch(/^mean score difference 0\.\d+ > 0\.15/);
  });

  it('accepts a candidate that alerts less when its scores stay close', () => {
    const state = run(3, (s) => (s >= 0.5 ? 0.45 : s));
    expect(shadowVerdict(state, { maxMeanAbsScoreDiff: 0.15 }).decision).toBe('promote');
  });

  it('waits for points after the cycles, pairs scores from the end and skips non-finite ones', () => {
    let state = startShadow(2);
    for (let c = 0; c < 3; c++) state = recordShadowCycle(state, [], []);
    expect(shadowVerdict(state).decision).toBe('pending');
    state = recordShadowCycle(state, [0.1, 0.2, 0.3], [0.25, Number.NaN]);
    expect(state.activeScores).toEqual([0.2]);
    expect(state.candidateScores).toEqual([0.25]);
  });

  it('keeps a bounded, JSON-serializable state and never changes its input', () => {
    let state = startShadow(11);
    for (let c = 0; c < 10; c++) {
      const active = activeRun(1000, c);
      const before = JSON.stringify(state);
      const next = recordShadowCycle(state, active, active);
      expect(JSON.stringify(state)).toBe(before);
      state = next;
    }
    expect(state.activeScores.length).toBe(SHADOW_SCORE_LIMIT);
    expect(state.candidateScores.length).toBe(SHADOW_SCORE_LIMIT);
    const restored: ShadowState = JSON.parse(JSON.stringify(state));
    expect(restored).toEqual(state);
    expect(shadowVerdict(restored)).toEqual(shadowVerdict(state));
  });
});
