import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { type Runtime, startRuntime } from '../../service/runtime.js';
import type { ApiApp } from '../app-types.js';
import { UiSessions } from '../ui-sessions.js';
import { isUiPath, UI_PROXY_PREFIX, UI_SIGN_IN_HEADER, WRONG_KEY_MESSAGE } from './ui.js';

const KEYS = { acme: 'acme-key-0123456789abcdef', globex: 'globex-key-0123456789abcdef' };
const ORIGIN = 'http://localhost';
const SAME_SITE = { 'Sec-Fetch-Site': 'same-origin' };
const TUS = { 'Tus-Resumable': '1.0.0' };
const ADMIN_KEY = 'admin-key-0123456789abcdef';

let runtime: Runtime;
let app: ApiApp;
let dataDir: string;
let uiDir: string;

/** A UI folder as `npm run build` leaves it, with small stand-ins for the bundles. */
function writeUi(dir: string): void {
  mkdirSync(join(dir, 'dist', 'img'), { recursive: true });
  mkdirSync(join(dir, 'dist-standalone', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'dist', 'module.js'), 'define([], () => ({}));');
  writeFileSync(join(dir, 'dist', '202.js'), 'self.chunk = 1;');
  writeFileSync(join(dir, 'dist', 'plugin.json'), '{"id":"outlier-anomaly-app"}');
  writeFileSync(join(dir, 'dist', 'img', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dir, 'dist-standalone', 'index.html'), '<!doctype html><title>Outlier</title>');
  writeFileSync(
    join(dir, 'dist-standalone', 'assets', 'host.0123456789abcdef.js'),
    'window.answer = 42;\n'.repeat(2000),
  );
  writeFileSync(join(dir, 'secret.txt'), 'outside the served folders');
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'outlier-ui-data-'));
  uiDir = mkdtempSync(join(tmpdir(), 'outlier-ui-'));
  writeUi(uiDir);
  runtime = await startRuntime({
    config: loadConfig({
      OUTLIER_DATA_DIR: dataDir,
      TENANT_API_KEYS: JSON.stringify(KEYS),
      OUTLIER_UI_DIR: uiDir,
      OUTLIER_WORKERS: '1',
      OUTLIER_ADMIN_KEY: ADMIN_KEY,
    }),
    role: 'server',
    log: () => {},
    scoringThreadUrl: new URL('../../../dist/jobs/scoring-thread.js', import.meta.url),
  });
  if (!runtime.app) throw new Error('no app');
  app = runtime.app;
});

afterAll(async () => {
  await runtime?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(uiDir, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(app.request(`${ORIGIN}${path}`, { headers }));
}

/** Signs in and returns the `Cookie` header value of the session. */
async function signIn(key: string): Promise<string> {
  const res = await app.request(`${ORIGIN}/ui/session`, {
    method: 'POST',
    headers: { ...SAME_SITE, 'Content-Type': 'application/json' },
    body: JSON.stringify({ api_key: key }),
  });
  expect(res.status).toBe(200);
  const cookie = res.headers.get('Set-Cookie') ?? '';
  return cookie.split(';')[0];
}

/** The HTTP request counter and the duration histogram's counts, by method, route (and status). */
async function httpCounts(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const { labels, value } of (await runtime.metrics.httpRequests.get()).values)
    counts.set(`requests ${labels.method} ${labels.route} ${labels.status}`, value);
  for (const { labels, value, metricName } of (await runtime.metrics.httpDuration.get()).values)
    if (metricName?.endsWith('_count')) counts.set(`durations ${labels.method} ${labels.route}`, value);
  return counts;
}

/** What grew between two {@link httpCounts}. */
function countsSince(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const grown: Record<string, number> = {};
  for (const [key, value] of after)
    if (value !== (before.get(key) ?? 0)) grown[key] = value - (before.get(key) ?? 0);
  return grown;
}

describe('the standalone pages', () => {
  it('serves the host page at / and under the app path, without a key and never cached stale', async () => {
    for (const path of ['/', '/a/outlier-anomaly-app', '/a/outlier-anomaly-app/jobs?from=now-1h']) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('Cache-Control')).toBe('no-cache');
      expect(res.headers.get('Content-Security-Policy')).toContain("script-src 'self'");
      expect(await res.text()).toContain('<title>Outlier</title>');
    }
  });

  it('serves both builds with their content types, and caches only what is named by its hash', async () => {
    const host = await get('/ui/assets/host.0123456789abcdef.js', { 'Accept-Encoding': 'gzip' });
    expect(host.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8');
    expect(host.headers.get('Cache-Control')).toContain('immutable');
    expect(host.headers.get('Content-Encoding')).toBe('gzip');
    const packed = Buffer.from(await host.arrayBuffer());
    expect(packed.length).toBeLessThan(2000);
    expect(gunzipSync(packed).toString()).toBe('window.answer = 42;\n'.repeat(2000));
    const module = await get('/public/plugins/outlier-anomaly-app/module.js');
    expect(module.status).toBe(200);
    expect(module.headers.get('Cache-Control')).toBe('no-cache');
    expect(await module.text()).toContain('define(');
    const chunk = await get('/public/plugins/outlier-anomaly-app/202.js?_cache=d94c548d2816c80eaa14');
    expect(chunk.headers.get('Cache-Control')).toContain('immutable');
    const logo = await get('/public/plugins/outlier-anomaly-app/img/logo.svg');
    expect(logo.headers.get('Content-Type')).toBe('image/svg+xml');
    const again = await get('/public/plugins/outlier-anomaly-app/module.js', {
      'If-None-Match': module.headers.get('ETag') ?? '',
    });
    expect(again.status).toBe(304);
  });

  it('refuses paths that leave the served folders', async () => {
    for (const path of [
      '/public/plugins/outlier-anomaly-app/..%2fsecret.txt',
      '/public/plugins/outlier-anomaly-app/%2e%2e/secret.txt',
      '/ui/..%2f..%2fsecret.txt',
      '/ui/assets/..%5c..%5csecret.txt',
      '/public/plugins/outlier-anomaly-app/%00module.js',
      '/ui/assets/missing.js',
    ]) {
      const res = await get(path);
      // `%2e%2e` is resolved by URL parsing already, to a path outside the UI that needs a key.
      expect([401, 404], path).toContain(res.status);
      expect(await res.text()).not.toContain('outside the served folders');
    }
  });

  it('keeps the API behind its key', async () => {
    expect((await get('/api/v1/jobs')).status).toBe(401);
    expect((await get('/uix')).status).toBe(401);
    expect(isUiPath('/ui/session')).toBe(true);
    expect(isUiPath('/api/v1/jobs')).toBe(false);
    expect(isUiPath('/api/plugin-proxy/other-app/engine/api/v1/jobs')).toBe(false);
  });

  it('says how to build the pages when they are missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'outlier-ui-empty-'));
    const data = mkdtempSync(join(tmpdir(), 'outlier-ui-data-'));
    const bare = await startRuntime({
      config: loadConfig({
        OUTLIER_DATA_DIR: data,
        TENANT_API_KEYS: JSON.stringify(KEYS),
        OUTLIER_UI_DIR: empty,
      }),
      role: 'server',
      log: () => {},
      scoringThreadUrl: new URL('../../../dist/jobs/scoring-thread.js', import.meta.url),
    });
    try {
      const res = await Promise.resolve(bare.app?.request(`${ORIGIN}/`));
      expect(res?.status).toBe(503);
      expect(await res?.text()).toContain('npm run build');
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
      rmSync(data, { recursive: true, force: true });
    }
  });
});

describe('sign-in', () => {
  it('refuses a wrong key with words the form shows', async () => {
    const res = await app.request(`${ORIGIN}/ui/session`, {
      method: 'POST',
      headers: { ...SAME_SITE, 'Content-Type': 'application/json' },
      body: JSON.stringify({ api_key: 'not-a-key-of-this-engine' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('Set-Cookie')).toBeNull();
    expect(await res.json()).toEqual({ error: { code: 'invalid_api_key', message: WRONG_KEY_MESSAGE } });
  });

  it('answers a malformed sign-in with a 400, and a cross-site one with a 403', async () => {
    const form = await app.request(`${ORIGIN}/ui/session`, {
      method: 'POST',
      headers: { ...SAME_SITE, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'api_key=x',
    });
    expect(form.status).toBe(415);
    expect(((await form.json()) as { error: { message: string } }).error.message).toBeTruthy();
    const empty = await app.request(`${ORIGIN}/ui/session`, {
      method: 'POST',
      headers: { ...SAME_SITE, 'Content-Type': 'application/json' },
      body: JSON.stringify({ key: 'x' }),
    });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({
      error: { code: 'invalid_request', message: 'api_key: send your API key as {"api_key": "<key>"}' },
    });
    const cross = await app.request(`${ORIGIN}/ui/session`, {
      method: 'POST',
      headers: { 'Sec-Fetch-Site': 'cross-site', 'Content-Type': 'application/json' },
      body: JSON.stringify({ api_key: KEYS.acme }),
    });
    expect(cross.status).toBe(403);
    const foreign = await app.request(`${ORIGIN}/ui/session`, {
      method: 'POST',
      headers: { Origin: 'http://evil.example', Host: 'localhost', 'Content-Type': 'application/json' },
      body: JSON.stringify({ api_key: KEYS.acme }),
    });
    expect(foreign.status).toBe(403);
  });

  it('sets an HttpOnly, SameSite=Strict cookie that names the tenant and not the key', async () => {
    const res = await app.request(`${ORIGIN}/ui/session`, {
      method: 'POST',
      headers: { Origin: ORIGIN, Host: 'localhost', 'Content-Type': 'application/json' },
      body: JSON.stringify({ api_key: KEYS.acme }),
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('Set-Cookie') ?? '';
    expect(cookie).toMatch(/^outlier_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).not.toContain(KEYS.acme);
    const body = (await res.json()) as { tenant: string };
    expect(body.tenant).toBe('acme');
    expect(JSON.stringify(body)).not.toContain(KEYS.acme);
    const session = await get('/ui/session', { Cookie: cookie.split(';')[0] });
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ tenant: 'acme' });
  });
});

describe('the plugin proxy', () => {
  it('needs a session, and says so in a way the host page understands', async () => {
    const res = await get(`${UI_PROXY_PREFIX}/api/v1/jobs`);
    expect(res.status).toBe(401);
    expect(res.headers.get(UI_SIGN_IN_HEADER)).toBe('required');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_signed_in');
    const forged = await get(`${UI_PROXY_PREFIX}/api/v1/jobs`, { Cookie: 'outlier_session=guess' });
    expect(forged.status).toBe(401);
  });

  it("serves the engine's API as the session's tenant, whatever key the browser sends", async () => {
    const cookie = await signIn(KEYS.acme);
    const created = await app.request(`${ORIGIN}${UI_PROXY_PREFIX}/api/v1/uploads`, {
      method: 'POST',
      headers: {
        ...SAME_SITE,
        ...TUS,
        Cookie: cookie,
        'X-API-Key': KEYS.globex,
        'Upload-Length': '10',
        'Upload-Metadata': `filename ${Buffer.from('proxied.log').toString('base64')}`,
      },
    });
    expect(created.status).toBe(201);
    const { job_id, upload_url } = (await created.json()) as { job_id: string; upload_url: string };
    const asAcme = await app.request(`/api/v1/jobs/${job_id}`, { headers: { 'X-API-Key': KEYS.acme } });
    expect(asAcme.status).toBe(200);
    const list = await get(`${UI_PROXY_PREFIX}/api/v1/jobs?limit=5`, { Cookie: cookie });
    expect(list.status).toBe(200);
    const page = (await list.json()) as { items: { job_id: string }[] };
    expect(page.items.map((j) => j.job_id)).toContain(job_id);

    // A request body streams through the proxy (tus PATCH), and HEAD answers where to resume.
    const chunk = 'hello\nbye\n';
    const patched = await app.request(`${ORIGIN}${UI_PROXY_PREFIX}${upload_url}`, {
      method: 'PATCH',
      headers: {
        ...SAME_SITE,
        ...TUS,
        Cookie: cookie,
        'Content-Type': 'application/offset+octet-stream',
        'Upload-Offset': '0',
        'Upload-Checksum': `sha256 ${createHash('sha256').update(chunk).digest('base64')}`,
      },
      body: new Blob([chunk]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(patched.status).toBe(204);
    expect(patched.headers.get('Upload-Offset')).toBe('10');
    const head = await app.request(`${ORIGIN}${UI_PROXY_PREFIX}${upload_url}`, {
      method: 'HEAD',
      headers: { ...TUS, Cookie: cookie },
    });
    expect(head.headers.get('Upload-Offset')).toBe('10');
  });

  it("streams a job's events through, while the job goes on", async () => {
    const cookie = await signIn(KEYS.acme);
    const created = await app.request(`${ORIGIN}${UI_PROXY_PREFIX}/api/v1/uploads`, {
      method: 'POST',
      headers: { ...SAME_SITE, ...TUS, Cookie: cookie, 'Upload-Length': '100' },
    });
    const { job_id } = (await created.json()) as { job_id: string };
    // The response arrives while the job is still waiting for its bytes: nothing is buffered to the end.
    const stream = await get(`${UI_PROXY_PREFIX}/api/v2/results/${job_id}/stream`, { Cookie: cookie });
    expect(stream.headers.get('Content-Type')).toContain('text/event-stream');
    const cancelled = await app.request(`${ORIGIN}${UI_PROXY_PREFIX}/api/v2/cancel/${job_id}`, {
      method: 'POST',
      headers: { ...SAME_SITE, Cookie: cookie },
    });
    expect(cancelled.status).toBe(200);
    expect(await stream.text()).toContain('event: cancelled');
  });

  it('counts a forwarded request once, under the route it reached, and a refused one under the proxy', async () => {
    const cookie = await signIn(KEYS.acme);
    const before = await httpCounts();
    expect((await get(`${UI_PROXY_PREFIX}/api/v1/jobs?limit=1`, { Cookie: cookie })).status).toBe(200);
    expect((await get(`${UI_PROXY_PREFIX}/api/v1/jobs?limit=1`)).status).toBe(401);
    expect(countsSince(before, await httpCounts())).toEqual({
      'requests GET /api/v1/jobs 200': 1,
      'durations GET /api/v1/jobs': 1,
      [`requests GET ${UI_PROXY_PREFIX}/* 401`]: 1,
      [`durations GET ${UI_PROXY_PREFIX}/*`]: 1,
    });
  });

  it('refuses unsafe requests from other sites even with the cookie', async () => {
    const cookie = await signIn(KEYS.acme);
    const res = await app.request(`${ORIGIN}${UI_PROXY_PREFIX}/api/v2/cancel/some-job`, {
      method: 'POST',
      headers: { 'Sec-Fetch-Site': 'cross-site', Cookie: cookie },
    });
    expect(res.status).toBe(403);
    const noOrigin = await app.request(`${ORIGIN}${UI_PROXY_PREFIX}/api/v2/cancel/some-job`, {
      method: 'POST',
      headers: { Cookie: cookie },
    });
    expect(noOrigin.status).toBe(403);
  });

  it('ends with sign-out', async () => {
    const cookie = await signIn(KEYS.globex);
    expect((await get(`${UI_PROXY_PREFIX}/api/v1/jobs`, { Cookie: cookie })).status).toBe(200);
    const out = await app.request(`${ORIGIN}/ui/session`, {
      method: 'DELETE',
      headers: { ...SAME_SITE, Cookie: cookie },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get('Set-Cookie')).toContain('Max-Age=0');
    expect((await get(`${UI_PROXY_PREFIX}/api/v1/jobs`, { Cookie: cookie })).status).toBe(401);
    expect((await get('/ui/session', { Cookie: cookie })).status).toBe(401);
  });

  it('ends a session whose key was revoked, and asks the page for a key again', async () => {
    const admin = { 'X-API-Key': ADMIN_KEY, 'Content-Type': 'application/json' };
    const made = await app.request(`${ORIGIN}/api/v1/admin/tenants/acme/keys`, {
      method: 'POST',
      headers: admin,
    });
    expect(made.status).toBe(201);
    const { key, key_id: id } = (await made.json()) as { key: string; key_id: string };
    const cookie = await signIn(key);
    expect((await get(`${UI_PROXY_PREFIX}/api/v1/jobs`, { Cookie: cookie })).status).toBe(200);
    const revoked = await app.request(`${ORIGIN}/api/v1/admin/keys/${id}`, {
      method: 'DELETE',
      headers: admin,
    });
    expect(revoked.status).toBeLessThan(300);
    const after = await get(`${UI_PROXY_PREFIX}/api/v1/jobs`, { Cookie: cookie });
    expect(after.status).toBe(401);
    expect(after.headers.get(UI_SIGN_IN_HEADER)).toBe('required');
    expect(((await after.json()) as { error: { message: string } }).error.message).toMatch(/revoked/);
    expect((await get('/ui/session', { Cookie: cookie })).status).toBe(401);
  });
});

describe('UiSessions', () => {
  it('forgets a session when it expires, and the oldest when full', () => {
    let now = 1_000;
    const sessions = new UiSessions({ ttlMs: 60_000, maxSessions: 2, now: () => now });
    const a = sessions.create('key-a', 'acme');
    expect(sessions.get(a.id)?.tenant).toBe('acme');
    now += 60_000;
    expect(sessions.get(a.id)).toBeNull();
    const b = sessions.create('key-b', 'acme');
    const c = sessions.create('key-c', 'globex');
    const d = sessions.create('key-d', 'globex');
    expect(sessions.get(b.id)).toBeNull();
    expect(sessions.get(c.id)?.apiKey).toBe('key-c');
    expect(sessions.get(d.id)?.apiKey).toBe('key-d');
    expect(sessions.ttlSeconds).toBe(60);
  });
});
