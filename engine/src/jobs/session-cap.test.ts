import { describe, expect, it } from 'vitest';
import type { SessionStats } from '../features/session-stats.js';
import { SessionCap } from './session-cap.js';

const session = (id: string, events: number): SessionStats => ({
  id,
  service: 'api',
  events: Array.from({ length: events }, (_, i) => `e${i}`),
  first: null,
  last: null,
  firstLine: 1,
  samples: [],
});

describe('SessionCap', () => {
  it('admits the first sessions in chunk order, with their later parts, and counts what it leaves out', () => {
    const cap = new SessionCap(2);
    const chunks = [
      [session('a', 2), session('b', 1)],
      [session('c', 3), session('a', 1), session('d', 2)],
      [session('d', 4), session('b', 2)],
    ];
    const admitted = chunks.map((sessions) => cap.admit(sessions));
    expect(admitted.map((sessions) => sessions.map((s) => `${s.id}${s.events.length}`))).toEqual([
      ['a2', 'b1'],
      ['a1'],
      ['b2'],
    ]);
    // c and d, with all their lines in every chunk.
    expect(cap.sessionsLeftOut).toBe(2);
    expect(cap.linesLeftOut).toBe(3 + 2 + 4);
    // A chunk that loses nothing is passed on as it is.
    expect(admitted[0]).toBe(chunks[0]);
  });

  it('leaves everything as it is under the cap', () => {
    const cap = new SessionCap(2);
    const sessions = [session('a', 1), session('b', 1)];
    expect(cap.admit(sessions)).toBe(sessions);
    expect(cap.admit([session('a', 1)])).toHaveLength(1);
    expect([cap.sessionsLeftOut, cap.linesLeftOut]).toEqual([0, 0]);
  });
});
