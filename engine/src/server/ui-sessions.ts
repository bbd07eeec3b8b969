import { createHash, randomBytes } from 'node:crypto';

/** A signed-in browser: the key it signed in with (never sent back to it) and the key's tenant. */
export interface UiSession {
  apiKey: string;
  tenant: string;
  expiresAt: number;
}

/** Options of {@link UiSessions}. */
export interface UiSessionsOptions {
  /** How long a sign-in lasts. @defaultValue 12 hours */
  ttlMs?: number;
  /** Sessions kept at most; the oldest goes first. @defaultValue 10_000 */
  maxSessions?: number;
  /** @defaultValue Date.now */
  now?: () => number;
}

/**
 * The standalone pages' sessions, in this process's memory: an opaque random id in an HttpOnly cookie stands for
 * an API key that stays on the server. A restart signs everyone out.
 */
export class UiSessions {
  private readonly sessions = new Map<string, UiSession>();
  private readonly ttlMs: number;
  private readonly maxSessions: number;
  private readonly now: () => number;

  constructor({ ttlMs = 12 * 3600_000, maxSessions = 10_000, now = Date.now }: UiSessionsOptions = {}) {
    this.ttlMs = ttlMs;
    this.maxSessions = maxSessions;
    this.now = now;
  }

  /** Seconds a new session lasts (the cookie's `Max-Age`). */
  get ttlSeconds(): number {
    return Math.floor(this.ttlMs / 1000);
  }

  /** Starts a session; returns its id, the cookie's value. */
  create(apiKey: string, tenant: string): { id: string; session: UiSession } {
    this.prune();
    while (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next();
      if (oldest.done) break;
      this.sessions.delete(oldest.value);
    }
    const id = randomBytes(32).toString('base64url');
    const session = { apiKey, tenant, expiresAt: this.now() + this.ttlMs };
    this.sessions.set(digest(id), session);
    return { id, session };
  }

  /** The live session of a cookie value, or null. */
  get(id: string | undefined): UiSession | null {
    if (!id) return null;
    const key = digest(id);
    const session = this.sessions.get(key);
    if (!session) return null;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(key);
      return null;
    }
    return session;
  }

  /** Ends a session; unknown ids are ignored. */
  delete(id: string | undefined): void {
    if (id) this.sessions.delete(digest(id));
  }

  private prune(): void {
    const now = this.now();
    for (const [key, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(key);
  }
}

/** Sessions are looked up by a hash of the id, so the map's timing says nothing about a guessed id. */
function digest(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}
