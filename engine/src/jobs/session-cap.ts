import type { SessionStats } from '../features/session-stats.js';

/**
 * Sessions a job scores at most, by default: a job's sessions are held in memory until its end, on a scoring thread
 * whose heap is bounded (about 750 bytes a session, live; 216,574 sessions of the 100 MB bench log took 163 MB).
 */
export const DEFAULT_MAX_JOB_SESSIONS = 200_000;

/** Left-out session ids a {@link SessionCap} remembers to count each session once; past it, parts are counted. */
export const MAX_COUNTED_SESSIONS = 1_000_000;

/**
 * Admits the sessions of the first `max` session ids of a job, in chunk order (a session that began before the cap
 * keeps its later parts), and leaves out every other: they are not scored as sessions (their lines and windows
 * still are). Chunks go through it one at a time, so a job's end never holds all of them.
 */
export class SessionCap {
  private readonly kept = new Set<string>();
  private readonly left = new Set<string>();
  /**
   * Sessions left out: distinct ones, up to {@link MAX_COUNTED_SESSIONS}; past that, each left-out part of a session
   * not seen before counts once (a session over several chunks may count more than once).
   */
  sessionsLeftOut = 0;
  /** Lines of the sessions left out. */
  linesLeftOut = 0;

  constructor(private readonly max: number) {}

  /** A chunk's sessions that are scored: `sessions` itself when it loses none. */
  admit<S extends SessionStats>(sessions: S[]): S[] {
    let out: S[] | null = null;
    for (let i = 0; i < sessions.length; i++) {
      const s = sessions[i];
      let keep = this.kept.has(s.id);
      if (!keep && !this.left.has(s.id) && this.kept.size < this.max) {
        this.kept.add(s.id);
        keep = true;
      }
      if (keep) {
        out?.push(s);
        continue;
      }
      if (!this.left.has(s.id)) {
        this.sessionsLeftOut++;
        if (this.left.size < MAX_COUNTED_SESSIONS) this.left.add(s.id);
      }
      this.linesLeftOut += s.events.length;
      out ??= sessions.slice(0, i);
    }
    return out ?? sessions;
  }
}
