/**
 * Browser tests against the real engine serving the standalone pages, in Debian's Chromium.
 *
 * ```ts
 * import { afterAll, beforeAll, expect, it } from 'vitest';
 * import { type BrowserEnv, screenshot, signIn, startBrowserEnv } from './support/index.js';
 *
 * let env: BrowserEnv;
 * beforeAll(async () => { env = await startBrowserEnv(); });   // `outlier serve` + Chromium
 * afterAll(async () => { await env?.close(); });              // both stopped, data removed
 *
 * it('shows the upload page', async () => {
 *   const page = await env.newPage();                         // fresh cookies; baseURL is the engine
 *   await page.goto('/a/outlier-anomaly-app/upload');
 *   await signIn(page, env.keys.acme);                        // the sign-in form, then the app's nav
 *   await screenshot(page, 'upload');                         // tests/browser/screenshots/upload.png
 *   expect(env.problems(page)).toEqual([]);                   // no page errors, console errors or failed loads
 * });
 * ```
 *
 * Needs `npm run build` (engine, app and host page) and /usr/bin/chromium (`.ci/run` installs it). Jobs to look
 * at come from the API: `processLog(env.engine, 'acme', 'shop.log')`, `startPartialUpload(...)` (see jobs.ts).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './chromium.js';
import { BROWSER_KEYS, type EngineServer, startEngineServer } from './engine-server.js';

export { CHROMIUM, CHROMIUM_FLAGS, launchChromium } from './chromium.js';
export { BROWSER_KEYS, type BrowserTenant, type EngineServer, startEngineServer } from './engine-server.js';
export {
  generatedLog,
  getJob,
  type JobView,
  processLog,
  startPartialUpload,
  waitForJobState,
} from './jobs.js';
export { leakedValues, SCREENSHOT_DIR, screenshot, signIn, signOut } from './pages.js';

/** An engine and a browser for one test file. */
export interface BrowserEnv {
  engine: EngineServer;
  browser: Browser;
  baseUrl: string;
  keys: typeof BROWSER_KEYS;
  /** A page in a new context (its own cookies), 1280×800, with `baseURL` set to the engine. */
  newPage(): Promise<Page>;
  /** What went wrong on a page so far: uncaught errors, console errors, failed requests. */
  problems(page: Page): string[];
  close(): Promise<void>;
}

/** Options of {@link startBrowserEnv}. */
export interface BrowserEnvOptions {
  /** More environment for `outlier serve`. */
  env?: Record<string, string>;
}

/** Starts `outlier serve` and Chromium; `close()` stops both and never leaves a process behind. */
export async function startBrowserEnv(options: BrowserEnvOptions = {}): Promise<BrowserEnv> {
  const engine = await startEngineServer(options.env);
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (err) {
    await engine.stop();
    throw err;
  }
  const contexts: BrowserContext[] = [];
  const seen = new WeakMap<Page, string[]>();
  return {
    engine,
    browser,
    baseUrl: engine.baseUrl,
    keys: BROWSER_KEYS,
    async newPage() {
      const context = await browser.newContext({
        baseURL: engine.baseUrl,
        viewport: { width: 1280, height: 800 },
      });
      contexts.push(context);
      const page = await context.newPage();
      const problems: string[] = [];
      seen.set(page, problems);
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('console', (msg) => {
        // Failed loads are reported below with their URL.
        if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
          problems.push(`console: ${msg.text()}`);
      });
      page.on('response', (res) => {
        // A 401 while signed out is how the host learns that it must show the sign-in form.
        if (res.status() >= 400 && res.status() !== 401) problems.push(`HTTP ${res.status()} ${res.url()}`);
      });
      page.on('requestfailed', (req) => {
        // Streams the page closes on purpose end as aborted requests.
        if (req.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${req.url()}`);
      });
      return page;
    },
    problems(page) {
      return seen.get(page) ?? [];
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => {});
      await browser.close().catch(() => {});
      await engine.stop();
    },
  };
}
