import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context, Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { compress } from 'hono/compress';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ApiApp, AppDeps } from '../app-types.js';
import { ApiError, errorBody } from '../errors.js';
import { errors } from '../schemas.js';
import { findStaticFile, staticFileResponse } from '../static-files.js';
import { UiSessions } from '../ui-sessions.js';

/** The Grafana app's id: its pages, assets and proxy live under paths that name it, in Grafana and here. */
export const UI_PLUGIN_ID = 'outlier-anomaly-app';
/** Where the pages' routes live (`/a/<plugin id>/…`, as in Grafana). */
export const UI_APP_PREFIX = `/a/${UI_PLUGIN_ID}`;
/** Where the app's build (`grafana-plugin/dist`) is served, as Grafana serves it. */
export const UI_PLUGIN_ASSETS_PREFIX = `/public/plugins/${UI_PLUGIN_ID}`;
/** Grafana's plugin proxy route to the engine, emulated here for signed-in browsers. */
export const UI_PROXY_PREFIX = `/api/plugin-proxy/${UI_PLUGIN_ID}/engine`;
/** The cookie holding a standalone session's opaque id. */
export const UI_SESSION_COOKIE = 'outlier_session';
/** Sent with a 401 from the proxy or the session route: the host page shows its sign-in form. */
export const UI_SIGN_IN_HEADER = 'X-Outlier-Sign-In';

/** The message a refused sign-in shows on the form. */
export const WRONG_KEY_MESSAGE =
  'This API key was not accepted by the engine. Check that the whole key was pasted and that it has not been revoked.';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const READ_METHODS = new Set(['GET', 'HEAD']);

const SessionSchema = z.object({ tenant: z.string(), expires_at: z.string() }).openapi('UiSession');

const readSessionRoute = createRoute({
  method: 'get',
  path: '/ui/session',
  tags: ['ui'],
  summary: 'Who is signed in to the standalone pages (by the session cookie)',
  security: [],
  responses: {
    200: { description: 'Signed in', content: { 'application/json': { schema: SessionSchema } } },
    ...errors(),
  },
});

const signInRoute = createRoute({
  method: 'post',
  path: '/ui/session',
  tags: ['ui'],
  summary: 'Sign in to the standalone pages with an API key: sets an HttpOnly session cookie',
  description:
    'The key stays on the server; the cookie holds a random session id. Must come from the same origin (`Sec-Fetch-Site` or `Origin`).',
  security: [],
  middleware: [
    bodyLimit({
      maxSize: 16 * 1024,
      onError: (c) => c.json(errorBody('too_large', 'a sign-in is an API key, not a file'), 413),
    }),
  ],
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            api_key: z
              .string({ error: 'send your API key as {"api_key": "<key>"}' })
              .trim()
              .min(1, 'enter an API key')
              .max(1024),
          }),
        },
      },
    },
  },
  responses: {
    200: { description: 'Signed in', content: { 'application/json': { schema: SessionSchema } } },
    ...errors(400, 403, 413),
  },
});

const signOutRoute = createRoute({
  method: 'delete',
  path: '/ui/session',
  tags: ['ui'],
  summary: 'Sign out of the standalone pages',
  security: [],
  responses: { 204: { description: 'Signed out' }, ...errors(403) },
});

/**
 * The host page may load only this engine's scripts; emotion (Grafana's styling) injects style elements, and the
 * pages draw icons and fonts from here.
 */
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; " +
    "form-action 'self'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
};
const NO_CACHE = 'no-cache';
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Options of {@link registerUiRoutes}. */
export interface UiRouteOptions {
  /** The folder with `dist` (the Grafana app's build) and `dist-standalone` (the host page). */
  dir: string;
  /** @defaultValue a new in-memory {@link UiSessions} */
  sessions?: UiSessions;
}

/** Whether a path belongs to the standalone pages, which check their own session instead of `X-API-Key`. */
export function isUiPath(path: string): boolean {
  return (
    path === '/' ||
    path.startsWith('/ui/') ||
    path === UI_APP_PREFIX ||
    path.startsWith(`${UI_APP_PREFIX}/`) ||
    path.startsWith(`${UI_PLUGIN_ASSETS_PREFIX}/`) ||
    path.startsWith(`${UI_PROXY_PREFIX}/`)
  );
}

/**
 * The standalone UI: the host page at `/` and `/a/outlier-anomaly-app/*`, its assets at `/ui/*`, the Grafana app's
 * build at `/public/plugins/outlier-anomaly-app/*`, sign-in and sign-out at `/ui/session`, and Grafana's plugin
 * proxy route, which forwards a signed-in browser's requests through this app with the session's API key.
 */
export function registerUiRoutes(
  app: ApiApp,
  deps: AppDeps,
  { dir, sessions = new UiSessions() }: UiRouteOptions,
) {
  const pluginDir = join(dir, 'dist');
  const hostDir = join(dir, 'dist-standalone');
  // The host bundle is megabytes of JavaScript; the proxy's event streams must not be compressed (buffered).
  const compressed = compress();

  app.openapi(readSessionRoute, async (c) => {
    c.header('Cache-Control', 'no-store');
    const id = getCookie(c, UI_SESSION_COOKIE);
    const session = sessions.get(id);
    if (!session) throw signInRequired('Sign in with an API key of this engine.');
    if ((await deps.tenants.resolve(session.apiKey)) !== session.tenant) {
      sessions.delete(id);
      throw signInRequired('The API key of this session has been revoked: sign in with another key.');
    }
    return c.json({ tenant: session.tenant, expires_at: new Date(session.expiresAt).toISOString() }, 200);
  });

  app.openapi(signInRoute, async (c) => {
    requireSameOrigin(c);
    c.header('Cache-Control', 'no-store');
    const key = c.req.valid('json').api_key;
    const tenant = await deps.tenants.resolve(key);
    if (!tenant) throw new ApiError(401, 'invalid_api_key', WRONG_KEY_MESSAGE);
    sessions.delete(getCookie(c, UI_SESSION_COOKIE));
    const { id, session } = sessions.create(key, tenant);
    setCookie(c, UI_SESSION_COOKIE, id, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      maxAge: sessions.ttlSeconds,
      secure: isHttps(c),
    });
    return c.json({ tenant, expires_at: new Date(session.expiresAt).toISOString() }, 200);
  });

  app.openapi(signOutRoute, (c) => {
    requireSameOrigin(c);
    sessions.delete(getCookie(c, UI_SESSION_COOKIE));
    deleteCookie(c, UI_SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Strict', secure: isHttps(c) });
    return c.body(null, 204);
  });

  app.all(`${UI_PROXY_PREFIX}/*`, async (c) => {
    const id = getCookie(c, UI_SESSION_COOKIE);
    const session = sessions.get(id);
    if (!session) throw signInRequired('You are signed out: sign in again with your API key.');
    requireSameOrigin(c);
    const url = new URL(c.req.url);
    const target = new URL(`${url.pathname.slice(UI_PROXY_PREFIX.length)}${url.search}`, url.origin);
    // As Grafana's proxy: the browser's cookies stay here, the key is added on the way in.
    const headers = new Headers(c.req.raw.headers);
    headers.delete('cookie');
    headers.set('X-API-Key', session.apiKey);
    const method = c.req.method;
    const init: RequestInit & { duplex?: 'half' } = { method, headers, signal: c.req.raw.signal };
    if (!SAFE_METHODS.has(method) && c.req.raw.body) {
      init.body = c.req.raw.body;
      init.duplex = 'half';
    }
    c.set('forwarded', true);
    const res = await app.fetch(new Request(target, init), c.env);
    if (res.status === 401) {
      // The session's key was revoked since sign-in: the session ends, and the page asks for a key again.
      sessions.delete(id);
      await res.body?.cancel();
      throw signInRequired('The API key of this session has been revoked: sign in with another key.');
    }
    return res;
  });

  // Pages and files are middleware, not API routes: they answer GET and HEAD, and leave the rest to a 404.
  const hostPage = async (c: Context, next: Next) => {
    if (!READ_METHODS.has(c.req.method)) return next();
    const index = await findStaticFile(hostDir, 'index.html');
    const plugin = await access(join(pluginDir, 'module.js')).then(
      () => true,
      () => false,
    );
    if (!index || !plugin) return c.html(notBuiltPage(index ? join(pluginDir, 'module.js') : hostDir), 503);
    return staticFileResponse(index, {
      method: c.req.method,
      cacheControl: NO_CACHE,
      ifNoneMatch: c.req.header('If-None-Match'),
      headers: PAGE_HEADERS,
    });
  };
  app.use('/', compressed, hostPage);
  app.use(UI_APP_PREFIX, compressed, hostPage);
  app.use(`${UI_APP_PREFIX}/*`, compressed, hostPage);

  app.use('/ui/*', compressed, async (c, next) => {
    if (!READ_METHODS.has(c.req.method)) return next();
    const relative = new URL(c.req.url).pathname.slice('/ui/'.length);
    const file = await findStaticFile(hostDir, relative);
    if (!file) throw new ApiError(404, 'not_found', `no file ${c.req.path}`);
    return staticFileResponse(file, {
      method: c.req.method,
      // Bundles carry their content hash in the name; icons and fonts keep theirs across builds.
      cacheControl: relative.startsWith('assets/') ? IMMUTABLE : NO_CACHE,
      ifNoneMatch: c.req.header('If-None-Match'),
    });
  });

  app.use(`${UI_PLUGIN_ASSETS_PREFIX}/*`, compressed, async (c, next) => {
    if (!READ_METHODS.has(c.req.method)) return next();
    const url = new URL(c.req.url);
    const file = await findStaticFile(pluginDir, url.pathname.slice(UI_PLUGIN_ASSETS_PREFIX.length + 1));
    if (!file) throw new ApiError(404, 'not_found', `no file ${c.req.path}`);
    return staticFileResponse(file, {
      method: c.req.method,
      // Chunks are requested as `<name>.js?_cache=<content hash>`; module.js and plugin.json keep their names.
      cacheControl: url.searchParams.has('_cache') ? IMMUTABLE : NO_CACHE,
      ifNoneMatch: c.req.header('If-None-Match'),
    });
  });
}

function signInRequired(message: string): ApiError {
  return new ApiError(401, 'not_signed_in', message, { [UI_SIGN_IN_HEADER]: 'required' });
}

/** Unsafe methods must come from this engine's own pages (the cookie is SameSite=Strict as well). */
function requireSameOrigin(c: Context): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  const site = c.req.header('Sec-Fetch-Site');
  if (site === 'same-origin') return;
  if (site === undefined) {
    const origin = c.req.header('Origin');
    const hosts = [c.req.header('Host'), c.req.header('X-Forwarded-Host')?.split(',')[0]?.trim()];
    if (origin && hosts.includes(hostOf(origin))) return;
  }
  throw new ApiError(
    403,
    'cross_site_request',
    'this request did not come from the Outlier pages of this engine, so it was refused',
  );
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('X-Forwarded-Proto') === 'https';
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** What `/` shows when the pages were not built, instead of a bare 404. */
function notBuiltPage(missing: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Outlier: the pages are not built</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The Outlier pages are not built</h1>
<p>The engine is running, but <code>${escapeHtml(missing)}</code> does not exist.</p>
<p>Run <code>npm run build</code> at the root of the repository (it builds the Grafana app and its standalone host
into <code>grafana-plugin/dist</code> and <code>grafana-plugin/dist-standalone</code>), or point
<code>OUTLIER_UI_DIR</code> at a folder that holds both.</p>
<p>The API works without them: <a href="/api/openapi.json">/api/openapi.json</a>.</p>
</body></html>`;
}
