import { describe, expect, it } from 'vitest';
import { SessionNovelty } from './session-novelty.js';

const all = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** `n` sessions a b c; every `uniqueEvery`-th one also has an event of its own (0 = never). */
function reference(n: number, uniqueEvery: number): string[][] {
  return all(n).map((i) =>
    uniqueEvery > 0 && i % uniqueEvery === 0 ? ['a', 'b', `u${i}`, 'c'] : ['a', 'b', 'c'],
  );
}

describe('SessionNovelty', () => {
  it('rates an unseen event by how often the reference itself met new events (Good–Turing)', () => {
    const calm = SessionNovelty.fit(reference(1000, 0), all(1000));
    const busy = SessionNovelty.fit(reference(1000, 10), all(1000));
    const session = ['a', 'b', 'zz', 'c'];
    const pCalm = calm.assess(session).p;
    const pBusy = busy.assess(session).p;
    expect(pCalm).toBeLessThan(1e-3);
    expect(pBusy).toBeGreaterThan(1e-2);
    expect(pBusy / pCalm).toBeGreaterThan(50);
  });

  it('credits further facts by how bursty novelty was in the reference', () => {
    const model = SessionNovelty.fit(reference(1000, 0), all(1000));
    const one = model.assess(['a', 'b', 'c', 'zz']).p;
    const many = model.assess(['a', 'x', 'b', 'y', 'c', 'zz']).p;
    expect(many).toBeLessThan(one / 8);
  });

  it('grades rare events into novelty', () => {
    const sessions = reference(2000, 0);
    sessions[5] = ['a', 'b', 'r', 'c'];
    sessions[6] = ['a', 'b', 'r', 'c'];
    const model = SessionNovelty.fit(sessions, all(2000));
    const rare = model.assess(['a', 'b', 'r', 'c']);
    expect(rare.evidence.rarestEvent).toEqual({ event: 'r', sessions: 2 });
    expect(rare.p).toBeCloseTo(3 / 2002, 12);
    expect(model.assess(['a', 'b', 'c']).p).toBe(1);
  });

  it('rates an unusual order of usual events, when the input is its own reference', () => {
    // 19,969 sessions a b c d, 101 that skip c (spread over the input), and 3 that swap b and c.
    const n = 20_073;
    const sessions = all(n).map((i) => (i % 200 === 7 ? ['a', 'b', 'd'] : ['a', 'b', 'c', 'd']));
    for (const i of [5_000, 10_000, 15_000]) sessions[i] = ['a', 'c', 'b', 'd'];
    const model = SessionNovelty.fit(sessions, all(n));
    const own = { reference: true, calibration: true };
    const swapped = model.assess(['a', 'c', 'b', 'd'], own);
    expect(swapped.evidence.unseenTransitionTotal).toBe(0);
    expect(swapped.evidence.rarestOrder).toEqual({
      transition: { from: 'a', to: 'c' },
      sessions: 2,
      together: n - 102,
    });
    // The calibration (its sessions scored leave-one-out, too) met this order 3 times in 20,000: 2 · (3 + 1)/(N + 2).
    expect(swapped.p).toBeCloseTo((2 * 4) / (n + 2), 12);
    // Skipping c is 1 session in 200: an order not rare enough to matter.
    expect(model.assess(['a', 'b', 'd'], own).p).toBeGreaterThan(0.01);
    expect(model.assess(['a', 'b', 'c', 'd'], own).p).toBe(1);
    // Against a separate reference of normal behaviour, an order it made is part of that behaviour.
    const other = model.assess(['a', 'c', 'b', 'd']);
    expect(other.p).toBe(1);
    expect(other.evidence.rarestOrder).toBeNull();
  });

  it('lists unseen events, unseen transitions and counts outside the reference range', () => {
    const model = SessionNovelty.fit(reference(500, 0), all(500));
    const { evidence } = model.assess(['b', 'a', 'a', 'q']);
    expect(evidence.unseenEvents).toEqual(['q']);
    expect(evidence.unseenTransitions).toEqual([
      { from: null, to: 'b' },
      { from: 'b', to: 'a' },
      { from: 'a', to: 'a' },
      { from: 'a', to: 'q' },
      { from: 'q', to: null },
    ]);
    expect(evidence.countsOutOfRange).toEqual([
      { event: 'a', count: 2, min: 1, max: 1 },
      { event: 'c', count: 0, min: 1, max: 1 },
    ]);
    expect(evidence.countVectorSeen).toBe(false);
    expect(evidence.referenceSessions).toBe(500);
  });

  it('finds nothing novel in a reference session', () => {
    const model = SessionNovelty.fit(reference(300, 0), all(300));
    const { p, evidence } = model.assess(['a', 'b', 'c']);
    expect(p).toBe(1);
    expect(evidence.unseenTransitionTotal + evidence.countOutOfRangeTotal + evidence.unseenEventTotal).toBe(
      0,
    );
    expect(evidence.countVectorSeen).toBe(true);
  });

  it('scores a reference session leave-one-out: what no other session did is novel', () => {
    const sessions = reference(1000, 0);
    sessions[10] = ['a', 'c', 'b'];
    const model = SessionNovelty.fit(sessions, all(1000));
    // Against the whole reference, which holds it, the session is nothing new.
    expect(model.assess(sessions[10]).p).toBe(1);
    const own = model.assess(sessions[10], { reference: true, calibration: true });
    expect(own.p).toBeLessThan(1e-2);
    expect(own.evidence.leaveOneOut).toBe(true);
    expect(own.evidence.referenceSessions).toBe(999);
    expect(own.evidence.unseenTransitions).toEqual([
      { from: 'a', to: 'c' },
      { from: 'c', to: 'b' },
      { from: 'b', to: null },
    ]);
    expect(own.evidence.countVectorSeen).toBe(true);
    // An ordinary reference session stays ordinary when scored against the others.
    expect(model.assess(sessions[11], { reference: true, calibration: true }).p).toBe(1);
  });

  it('counts a leave-one-out count vector as seen when the session was not in the calibration sample', () => {
    const sessions = reference(400, 0);
    const model = SessionNovelty.fit(sessions, all(200));
    const outside = model.assess(sessions[300], { reference: true, calibration: false });
    expect(outside.evidence.countVectorSeen).toBe(true);
    expect(outside.p).toBe(1);
  });

  it('round-trips through JSON', () => {
    const model = SessionNovelty.fit(reference(400, 7), all(400));
    const copy = SessionNovelty.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    for (const s of [
      ['a', 'b', 'c'],
      ['a', 'zz'],
      ['c', 'b', 'a', 'a'],
    ])
      expect(copy.assess(s)).toEqual(model.assess(s));
  });

  it('takes no facts from the ends the input cut: start or end transitions, the count vector, fewer events', () => {
    // Sessions a b c d; one in flight when the input started shows only c d, one cut by its end only a b.
    const n = 2000;
    const sessions = all(n).map(() => ['a', 'b', 'c', 'd']);
    const model = SessionNovelty.fit(sessions, all(n));
    const tail = ['c', 'd'];
    const head = ['a', 'b'];
    expect(model.assess(tail).p).toBeLessThan(0.01);
    expect(model.assess(head).p).toBeLessThan(0.01);
    const start = { start: true, end: false };
    const end = { start: false, end: true };
    expect(model.assess(tail, undefined, start).p).toBe(1);
    expect(model.assess(head, undefined, end).p).toBe(1);
    // The wrong end cut does not excuse it, and what a cut cannot do still counts: an unseen event, an unseen
    // transition between two events, more of an event than any session had.
    expect(model.assess(tail, undefined, end).p).toBeLessThan(0.01);
    const { p, evidence } = model.assess(['c', 'x', 'd', 'd'], undefined, { start: true, end: true });
    expect(p).toBeLessThan(0.01);
    expect(evidence.unseenEvents).toEqual(['x']);
    expect(evidence.unseenTransitions).toEqual([
      { from: 'c', to: 'x' },
      { from: 'x', to: 'd' },
      { from: 'd', to: 'd' },
    ]);
    expect(evidence.countsOutOfRange).toEqual([{ event: 'd', count: 2, min: 1, max: 1 }]);
    expect(evidence.countVectorSeen).toBe(true);
  });

  it('calibrates with the cut ends of the reference sessions left out, as they are when scored', () => {
    // 1 % of the sessions are cut at the start (tails c d): uncut, each would hold an unseen count vector fact.
    const n = 2000;
    const sessions = all(n).map((i) => (i % 100 === 0 ? ['c', 'd', `u${i}`] : ['a', 'b', 'c', 'd']));
    const cuts = all(n).map((i) => (i % 100 === 0 ? { start: true, end: false } : null));
    const plain = SessionNovelty.fit(sessions, all(n));
    const cutAware = SessionNovelty.fit(sessions, all(n), cuts);
    // A session with an unseen start (b c d): its rate is that of calibration sessions with unseen transitions,
    // fewer once the cut sessions' start transitions are left out.
    const session = ['b', 'c', 'd'];
    expect(cutAware.assess(session).p).toBeLessThan(plain.assess(session).p);
  });
});
