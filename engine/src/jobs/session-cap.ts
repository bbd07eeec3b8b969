import type { SessionStats } from '../features/session-stats.js';

/**
 * Sessions a job scores at most, by default: a job's sessions are held in memory until its end, on a scoring thread
 * whose heap is bounded (about 800 bytes a session, live; 216,574 sessions of the 100 MB bench log took 178 MB).
 */
export const DEFAULT_MAX_JOB_SESSIONS = 200_000;

/** Chunk partials whose sessions were capped, and what the cap left out. */
export interface CappedSessions<P> {
  partials: P[];
  /** Distinct sessions left out. */
  sessions: number;
  /** Lines of the sessions left out. */
  lines: number;
}

/**
 * Keeps the sessions of the first `max` session ids, in chunk order (a session that began before the cap keeps its
 * later parts), and leaves out every other: they are not scored as sessions (their lines and windows still are).
 * Partials that lose nothing are returned as they are.
 */
export function capSessions<P extends { sessions: readonly SessionStats[] }>(
  partials: readonly P[],
  max: number,
): CappedSessions<P> {
  const kept = new Set<string>();
  const left = new Set<string>();
  let lines = 0;
  const out = partials.map((p) => {
    let sessions: SessionStats[] | null = null;
    for (let i = 0; i < p.sessions.length; i++) {
      const s = p.sessions[i];
      let keep = kept.has(s.id);
      if (!keep && !left.has(s.id) && kept.size < max) {
        kept.add(s.id);
        keep = true;
      }
      if (keep) {
        sessions?.push(s);
        continue;
      }
      left.add(s.id);
      lines += s.events.length;
      sessions ??= p.sessions.slice(0, i);
    }
    return sessions === null ? p : { ...p, sessions };
  });
  return { partials: out, sessions: left.size, lines };
}
