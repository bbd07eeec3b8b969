import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../cli-helpers.js';
import { type EngineProcess, freePort, startProcess } from '../../support/process.js';

/** Tenants of the engine under test and their keys (`TENANT_API_KEYS`). */
export const BROWSER_KEYS = {
  acme: 'acme-browser-key-0123456789abcdef',
  globex: 'globex-browser-key-0123456789abcdef',
} as const;

/** A tenant of {@link BROWSER_KEYS}. */
export type BrowserTenant = keyof typeof BROWSER_KEYS;

/** An `outlier serve` process on a free loopback port with a temporary data directory. */
export interface EngineServer {
  baseUrl: string;
  process: EngineProcess;
  dataDir: string;
  /** Calls the engine's API directly with a tenant's key. */
  api(tenant: BrowserTenant, path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/** The builds the standalone pages need; a clear error when `npm run build` has not made them. */
export function requireBuiltUi(): void {
  for (const file of [
    'engine/dist/cli/main.js',
    'grafana-plugin/dist/module.js',
    'grafana-plugin/dist-standalone/index.html',
  ])
    if (!existsSync(join(ROOT, file)))
      throw new Error(`${file} is missing: run "npm run build" before the browser tests`);
}

/** Starts the real engine (`node engine/bin/outlier.js serve`) serving the built pages. */
export async function startEngineServer(env: Record<string, string> = {}): Promise<EngineServer> {
  requireBuiltUi();
  const dataDir = mkdtempSync(join(tmpdir(), 'outlier-browser-'));
  const port = await freePort();
  let child: EngineProcess;
  try {
    child = await startProcess('serve', {
      PORT: String(port),
      OUTLIER_DATA_DIR: dataDir,
      TENANT_API_KEYS: JSON.stringify(BROWSER_KEYS),
      OUTLIER_WORKERS: '1',
      ...env,
    });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  // Whatever happens to the test process, the engine does not outlive it.
  const killOnExit = () => child.child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    process: child,
    dataDir,
    api(tenant, path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set('X-API-Key', BROWSER_KEYS[tenant]);
      return fetch(new URL(path, baseUrl), { ...init, headers });
    },
    async stop() {
      process.off('exit', killOnExit);
      const stopped = child.stop();
      const timer = setTimeout(() => child.child.kill('SIGKILL'), 10_000);
      await stopped;
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
