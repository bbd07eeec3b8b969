import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLD } from '../model/score.js';
import { createRng } from '../random/rng.js';
import { reservoir, SESSION_DETECTORS, SessionModel } from './session-model.js';

/** A small workflow: open, 1–4 rounds of read (sometimes twice) then write, rarely cache, close. */
function workflow(n: number, seed: number): string[][] {
  const rng = createRng(seed);
  const sessions: string[][] = [];
  for (let i = 0; i < n; i++) {
    const s = ['open'];
    for (let r = 1 + rng.int(4); r > 0; r--) {
      s.push('read');
      if (rng.next() < 0.3) s.push('read');
      s.push('write');
    }
    if (rng.next() < 0.1) s.push('cache');
    s.push('close');
    sessions.push(s);
  }
  return sessions;
}

describe('SessionModel', () => {
  const model = SessionModel.fit(workflow(2000, 1));

  it('does not flag fresh sessions of the training workflow', () => {
    const fresh = workflow(1000, 2).map((s) => model.score(s));
    expect(fresh.filter((r) => r.score >= DEFAULT_THRESHOLD)).toHaveLength(0);
    expect(fresh[0].explanation).toMatch(/^Session of \d+ events resembles the training sessions\.$/);
  });

  it('flags a session with an event never seen in training and says so', () => {
    const r = model.score(['open', 'read', 'panic', 'write', 'close']);
    expect(r.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    expect(r.evidence.unseenEvents).toEqual(['panic']);
    expect(r.evidence.strongest).toBe('novelty');
    expect(r.explanation).toBe(
      'Session has event panic never seen in training and 2 unseen transitions (read → panic, …).',
    );
  });

  it('flags a session missing an event every training session had', () => {
    const r = model.score(['open', 'read', 'write']);
    expect(r.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    expect(r.evidence.countsOutOfRange).toContainEqual({ event: 'close', count: 0, min: 1, max: 1 });
    expect(r.explanation).toContain('event close missing though every training session had it');
  });

  it('reports every detector, each score in [0, 1]', () => {
    const r = model.score(['open', 'write', 'read', 'close']);
    expect(r.detectors.map((d) => d.name)).toEqual([...SESSION_DETECTORS]);
    for (const d of r.detectors) {
      expect(d.score).toBeGreaterThanOrEqual(0);
      expect(d.score).toBeLessThanOrEqual(1);
    }
  });

  it('round-trips through JSON with identical scores', () => {
    const copy = SessionModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    for (const s of [
      ...workflow(50, 3),
      ['open', 'panic'],
      ['open', ...new Array(40).fill('read'), 'close'],
    ]) {
      expect(copy.score(s)).toEqual(model.score(s));
    }
  });

  it('scores the sessions it was fit on leave-one-out when told which they are', () => {
    const sessions = workflow(2000, 7);
    sessions[123] = ['open', 'write', 'read', 'close'];
    const self = SessionModel.fit(sessions);
    // As one of the reference, the odd session is nothing new; against the others it is.
    expect(self.score(sessions[123]).score).toBeLessThan(DEFAULT_THRESHOLD);
    const own = self.score(sessions[123], 123);
    expect(own.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    expect(own.evidence.leaveOneOut).toBe(true);
    expect(own.explanation).toBe('Session has 2 transitions no other session made (open → write, …).');
    const ordinary = sessions.map((s, i) => self.score(s, i)).filter((r) => r.score >= DEFAULT_THRESHOLD);
    expect(ordinary).toHaveLength(1);
    expect(() => self.score(sessions[0], 2000)).toThrow(RangeError);
    const copy = SessionModel.fromJSON(JSON.parse(JSON.stringify(self.toJSON())));
    expect(() => copy.score(sessions[0], 0)).toThrow(RangeError);
  });

  it('is deterministic for a seed', () => {
    const sessions = workflow(500, 4);
    const a = SessionModel.fit(sessions, { seed: 9 });
    const b = SessionModel.fit(sessions, { seed: 9 });
    expect(b.toJSON()).toEqual(a.toJSON());
  });

  it('scores a session the same whatever was scored before (density scores kept by features)', () => {
    const sessions = workflow(300, 5);
    const fresh = SessionModel.fromJSON(model.toJSON());
    const forward = sessions.map((s) => fresh.score(s));
    const again = SessionModel.fromJSON(model.toJSON());
    const backward = [...sessions].reverse().map((s) => again.score(s));
    expect(backward.reverse()).toEqual(forward);
    // The same counts in another order are the same features: the same density scores.
    const swapped = fresh.score(['open', 'write', 'read', 'close']);
    const plain = fresh.score(['open', 'read', 'write', 'close']);
    expect(swapped.evidence.isolationForest).toBe(plain.evidence.isolationForest);
    expect(swapped.evidence.lof).toBe(plain.evidence.lof);
  });

  it('scores every session of a sequence as it would score it first (scores kept by sequence)', () => {
    const sessions = workflow(3000, 8);
    const options = { maxReferenceSessions: 500, seed: 3 };
    // Some scored as their own (leave-one-out), some not; some cut at their start.
    const ask = (m: SessionModel, i: number) =>
      m.score(sessions[i], i % 5 === 0 ? undefined : i, {
        cut: i % 7 === 0 ? { start: true, end: false } : null,
      });
    const a = SessionModel.fit(sessions, options);
    const forward = sessions.map((_, i) => ask(a, i));
    const b = SessionModel.fit(sessions, options);
    const backward = sessions.map((_, i) => sessions.length - 1 - i).map((i) => ask(b, i));
    expect(backward.reverse()).toEqual(forward);
    // Calibration sessions keep their own out-of-bag forest scores: the same sequence scores differently there.
    const forest = new Set(forward.map((r) => r.evidence.isolationForest));
    expect(forest.size).toBeGreaterThan(new Set(sessions.map((s) => s.join())).size);
    // Another namer of events gets explanations of its own.
    const odd = ['open', 'read', 'panic', 'write', 'close'];
    expect(a.score(odd, undefined, { nameOf: (e) => `<${e}>` }).explanation).toContain('<panic>');
    expect(a.score(odd, undefined, { nameOf: (e) => `[${e}]` }).explanation).toContain('[panic]');
  });

  it('calibrates on a bounded reservoir but counts every session', () => {
    const sessions = workflow(3000, 5);
    const small = SessionModel.fit(sessions, { maxReferenceSessions: 400, lofReference: 100 });
    const state = small.toJSON();
    expect(state.novelty.calibrationSize).toBe(400);
    expect(state.novelty.sessions).toBe(3000);
    expect(small.score(['open', 'read', 'write', 'close']).score).toBeLessThan(DEFAULT_THRESHOLD);
  });

  it('copes with identical reference sessions', () => {
    const same = SessionModel.fit(new Array(50).fill(['a', 'b']));
    expect(same.score(['a', 'b']).score).toBe(0);
    expect(same.score(['a', 'c']).score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
  });

  it('rejects weights over the budget and too few sessions', () => {
    const weights = { novelty: 0.8, 'isolation-forest': 0.2, lof: 0.2 };
    expect(() => SessionModel.fit(workflow(10, 6), { weights })).toThrow(RangeError);
    expect(() => SessionModel.fit([['a']])).toThrow(RangeError);
  });
});

describe('reservoir', () => {
  it('keeps everything when small enough, else a seeded sorted sample', () => {
    expect(reservoir(3, 5)).toEqual([0, 1, 2]);
    const a = reservoir(1000, 10, 1);
    expect(a).toHaveLength(10);
    expect(new Set(a).size).toBe(10);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    expect(reservoir(1000, 10, 1)).toEqual(a);
    expect(reservoir(1000, 10, 2)).not.toEqual(a);
  });
});
