import { serve } from '@hono/node-server';
import { ConfigError, loadConfig } from '../../config.js';
import { startRuntime } from '../../service/runtime.js';
import { parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';

export const SERVE_USAGE = `outlier serve

Starts the engine: the HTTP API and UI on PORT (default 8085), with its data in OUTLIER_DATA_DIR (default ./data).
Embedded by default (SQLite in the data directory, in-process queue, scoring threads); DATABASE_URL selects
PostgreSQL, MONGODB_URL MongoDB, REDIS_URL a Redis Streams queue shared with \`outlier worker\` processes.
On a first start without OUTLIER_ADMIN_KEY or TENANT_API_KEYS, tenant "default" gets a key, printed here and kept
in <data dir>/default.key. See README.md for every setting.
`;

export const WORKER_USAGE = `outlier worker

Works on the shared job queue (needs REDIS_URL, and DATABASE_URL or MONGODB_URL for the chunk bytes) with
OUTLIER_WORKERS scoring threads (default 2). Start as many as you like, on as many machines; a worker that dies
leaves its tasks to the others.
`;

function config() {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`bad setting ${err.message}`);
    throw err;
  }
}

/** Runs until SIGINT/SIGTERM, then stops cleanly. */
function untilSignal(close: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** `outlier serve`. */
export async function serveCommand(argv: string[]): Promise<void> {
  parseCommandArgs('serve', argv, {});
  const cfg = config();
  const runtime = await startRuntime({ config: cfg, role: 'server' });
  const app = runtime.app;
  if (!app) throw new Error('the server runtime has no app');
  const server = serve({
    fetch: app.fetch,
    port: cfg.port,
    hostname: cfg.host,
    serverOptions: { requestTimeout: 0 },
  });
  if ('keepAliveTimeout' in server) {
    // Longer than the usual proxy's idle timeout, so that a proxy never reuses a connection the engine just closed.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
  }
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : cfg.port;
  const host = cfg.host === '0.0.0.0' ? 'localhost' : cfg.host;
  console.log(
    `Outlier engine on http://${host}:${port} (store: ${runtime.store.kind}, data: ${cfg.dataDir})`,
  );
  console.log(`API: http://${host}:${port}/api/openapi.json`);
  if (runtime.defaultKey)
    console.log(`Tenant "default", API key: ${runtime.defaultKey}  (send it as X-API-Key)`);
  await untilSignal(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await runtime.close();
  });
}

/** `outlier worker`. */
export async function workerCommand(argv: string[]): Promise<void> {
  parseCommandArgs('worker', argv, {});
  const cfg = config();
  if (!cfg.redisUrl)
    throw new UsageError(
      'worker: set REDIS_URL (and DATABASE_URL or MONGODB_URL): workers share a Redis queue',
    );
  const runtime = await startRuntime({ config: { ...cfg, workers: cfg.workers ?? 2 }, role: 'worker' });
  console.log(
    `Outlier worker ${process.pid} on the Redis queue "${cfg.queuePrefix}" (store: ${runtime.store.kind})`,
  );
  await untilSignal(() => runtime.close());
}
