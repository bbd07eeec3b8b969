import { describe, expect, it } from 'vitest';
import { EVENT_TEXT_CHARS, explainSession, type SessionEvidence } from './session-explanation.js';

const quiet: SessionEvidence = {
  unseenEvents: [],
  unseenEventTotal: 0,
  rarestEvent: { event: 'E5', sessions: 4000 },
  unseenTransitions: [],
  unseenTransitionTotal: 0,
  rarestOrder: null,
  countsOutOfRange: [],
  countOutOfRangeTotal: 0,
  countVectorSeen: true,
  referenceSessions: 4466,
  leaveOneOut: false,
  length: 19,
  isolationForest: 0.4,
  lof: 1,
  tailProbabilities: { novelty: 1, 'isolation-forest': 0.3, lof: 0.5 },
  strongest: 'isolation-forest',
};

describe('explainSession', () => {
  it('says when nothing stands out', () => {
    expect(explainSession(quiet)).toBe('Session of 19 events resembles the training sessions.');
  });

  /** Evidence of an unseen event E7, unseen transitions E5 → E7 and E4 out of its range. */
  const novel: SessionEvidence = {
    ...quiet,
    unseenEvents: ['E7'],
    unseenEventTotal: 1,
    unseenTransitions: [{ from: 'E5', to: 'E7' }],
    unseenTransitionTotal: 3,
    countsOutOfRange: [{ event: 'E4', count: 28, min: 0, max: 25 }],
    countOutOfRangeTotal: 1,
    strongest: 'novelty',
  };

  it('leads with unseen events, then transitions and counts', () => {
    expect(explainSession(novel)).toBe(
      'Session has event E7 never seen in training, 3 unseen transitions (E5 → E7, …) and event E4 28 times ' +
        '(training: 0–25).',
    );
  });

  it("names events by their template's text where it is known, cut to 60 characters", () => {
    const long = `connection to ${'x'.repeat(80)} refused`;
    const names: Record<string, string> = { E7: 'disk <*> failed', E5: 'block <*> received', E4: long };
    expect(explainSession(novel, (event) => names[event])).toBe(
      'Session has event "disk <*> failed" never seen in training, 3 unseen transitions ("block <*> received" → ' +
        `"disk <*> failed", …) and event "${long.slice(0, 59)}…" 28 times (training: 0–25).`,
    );
    // A text kept one character past the cut (as chunks pass them on) is quoted as the whole text.
    expect(explainSession(novel, (event) => names[event]?.slice(0, EVENT_TEXT_CHARS + 1))).toBe(
      explainSession(novel, (event) => names[event]),
    );
    // An event the namer does not know keeps its id.
    expect(explainSession(novel, (event) => (event === 'E7' ? undefined : names[event]))).toContain(
      'event E7 never seen in training, 3 unseen transitions ("block <*> received" → E7, …)',
    );
  });

  it('names a transition few of the sessions with both its events made, unless unseen ones say more', () => {
    const rarestOrder = { transition: { from: 'E2', to: 'E4' }, sessions: 4, together: 11_034 };
    expect(explainSession({ ...quiet, rarestOrder })).toBe(
      'Session has transition E2 → E4, made in only 4 training sessions of the 11034 with both events.',
    );
    expect(explainSession({ ...quiet, rarestOrder, leaveOneOut: true })).toBe(
      'Session has transition E2 → E4, made in only 4 other sessions of the 11034 with both events.',
    );
    // A usual order (2 % of the sessions with both events) is not worth a clause.
    expect(explainSession({ ...quiet, rarestOrder: { ...rarestOrder, sessions: 220 } })).toBe(
      'Session of 19 events resembles the training sessions.',
    );
    const unseen = { unseenTransitions: [{ from: 'E5', to: 'E7' }], unseenTransitionTotal: 1 };
    expect(explainSession({ ...quiet, ...unseen, rarestOrder })).toBe(
      'Session has 1 unseen transition (E5 → E7).',
    );
  });

  it('names rare events, missing events and several unseen events', () => {
    expect(explainSession({ ...quiet, rarestEvent: { event: 'E20', sessions: 2 } })).toBe(
      'Session has event E20, seen in only 2 training sessions of 4466.',
    );
    const missing = { event: 'E9', count: 0, min: 1, max: 3 };
    expect(explainSession({ ...quiet, countsOutOfRange: [missing], countOutOfRangeTotal: 1 })).toBe(
      'Session has event E9 missing though every training session had it.',
    );
    const many = { ...quiet, unseenEvents: ['a', 'b', 'c', 'd'], unseenEventTotal: 5 };
    expect(explainSession(many)).toBe('Session has 5 events never seen in training (a, b, c, …).');
  });

  it('mentions a density detector only when it alone reached θ', () => {
    const alarming = { ...quiet, lof: 4.2, strongest: 'lof' as const };
    expect(
      explainSession({ ...alarming, tailProbabilities: { ...quiet.tailProbabilities, lof: 1e-5 } }),
    ).toBe('Session has event counts far from similar training sessions (LOF 4.2).');
    expect(
      explainSession({ ...alarming, tailProbabilities: { ...quiet.tailProbabilities, lof: 0.01 } }),
    ).toBe('Session of 19 events resembles the training sessions.');
  });
});
