import { describe, expect, it } from 'vitest';
import type { SessionStats } from '../features/session-stats.js';
import { capSessions } from './session-cap.js';

const session = (id: string, events: number): SessionStats => ({
  id,
  service: 'api',
  events: Array.from({ length: events }, (_, i) => `e${i}`),
  first: null,
  last: null,
  firstLine: 1,
  samples: [],
});

describe('capSessions', () => {
  it('keeps the first sessions in chunk order, with their later parts, and counts what it leaves out', () => {
    const partials = [
      { sessions: [session('a', 2), session('b', 1)], windows: [] },
      { sessions: [session('c', 3), session('a', 1), session('d', 2)], windows: [] },
      { sessions: [session('d', 4), session('b', 2)], windows: [] },
    ];
    const capped = capSessions(partials, 2);
    expect(capped.partials.map((p) => p.sessions.map((s) => `${s.id}${s.events.length}`))).toEqual([
      ['a2', 'b1'],
      ['a1'],
      ['b2'],
    ]);
    // c and d, and all their lines in every chunk.
    expect(capped.sessions).toBe(2);
    expect(capped.lines).toBe(3 + 2 + 4);
    // A chunk that loses nothing is passed on as it is, with what else it carries.
    expect(capped.partials[0]).toBe(partials[0]);
    expect(capped.partials[1].windows).toBe(partials[1].windows);
  });

  it('leaves everything as it is under the cap', () => {
    const partials = [{ sessions: [session('a', 1), session('b', 1)] }];
    const capped = capSessions(partials, 2);
    expect(capped).toEqual({ partials, sessions: 0, lines: 0 });
    expect(capped.partials[0]).toBe(partials[0]);
  });
});
