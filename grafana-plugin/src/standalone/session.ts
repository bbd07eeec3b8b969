/** Who is signed in to the standalone pages (the API key itself stays on the engine). */
export interface HostSession {
  tenant: string;
  expires_at: string;
}

/** The engine's session route; the engine answers 401 with this header where the sign-in form should show. */
export const SESSION_URL = '/ui/session';
export const SIGN_IN_HEADER = 'X-Outlier-Sign-In';

/** A sign-in or session call that failed, in words for the form. */
export class SessionError extends Error {
  constructor(
    message: string,
    readonly status: number | null
  ) {
    super(message);
    this.name = 'SessionError';
  }
}

async function messageOf(res: Response, fallback: string): Promise<string> {
  try {
    const body: unknown = await res.json();
    if (body && typeof body === 'object' && 'error' in body) {
      const error = body.error;
      if (error && typeof error === 'object' && 'message' in error && typeof error.message === 'string') {
        return error.message;
      }
    }
  } catch {
    // not JSON: the fallback says it
  }
  return fallback;
}

function unreachable(err: unknown): SessionError {
  const why = err instanceof Error ? ` (${err.message})` : '';
  return new SessionError(`The Outlier engine cannot be reached${why}. Check that it is running.`, null);
}

/** The current session, or null when signed out. */
export async function readSession(doFetch: typeof fetch = window.fetch.bind(window)): Promise<HostSession | null> {
  let res: Response;
  try {
    res = await doFetch(SESSION_URL, { credentials: 'same-origin', cache: 'no-store' });
  } catch (err) {
    throw unreachable(err);
  }
  if (res.status === 401) {
    return null;
  }
  if (!res.ok) {
    throw new SessionError(await messageOf(res, `The engine answered HTTP ${res.status}.`), res.status);
  }
  return (await res.json()) as HostSession;
}

/** Signs in with an API key; the engine keeps the key and sets an HttpOnly session cookie. */
export async function signIn(apiKey: string, doFetch: typeof fetch = window.fetch.bind(window)): Promise<HostSession> {
  let res: Response;
  try {
    res = await doFetch(SESSION_URL, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ api_key: apiKey }),
    });
  } catch (err) {
    throw unreachable(err);
  }
  if (!res.ok) {
    const fallback =
      res.status === 401 ? 'This API key was not accepted by the engine.' : `The engine answered HTTP ${res.status}.`;
    throw new SessionError(await messageOf(res, fallback), res.status);
  }
  return (await res.json()) as HostSession;
}

/** Ends the session on the engine. */
export async function signOut(doFetch: typeof fetch = window.fetch.bind(window)): Promise<void> {
  let res: Response;
  try {
    res = await doFetch(SESSION_URL, { method: 'DELETE', credentials: 'same-origin' });
  } catch (err) {
    throw unreachable(err);
  }
  if (!res.ok && res.status !== 401) {
    throw new SessionError(await messageOf(res, `The engine answered HTTP ${res.status}.`), res.status);
  }
}

/**
 * Calls `onSignedOut` whenever a response tells that the session is gone (it expired, the engine restarted, or
 * the key was revoked), whichever code made the request; returns how to stop watching.
 */
export function watchSignOut(target: Pick<Window, 'fetch'>, onSignedOut: () => void): () => void {
  const original = target.fetch;
  target.fetch = async (input, init) => {
    const res = await original.call(target, input, init);
    if (res.status === 401 && res.headers.get(SIGN_IN_HEADER) === 'required') {
      onSignedOut();
    }
    return res;
  };
  return () => {
    target.fetch = original;
  };
}
