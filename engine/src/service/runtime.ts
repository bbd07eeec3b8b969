import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Cache } from '../cache/cache.js';
import { MemoryCache } from '../cache/memory-cache.js';
import type { Config } from '../config.js';
import type { LokiPusher } from '../integrations/loki/loki-push.js';
import { ChunkFiles } from '../jobs/chunk-files.js';
import { JobProcessor } from '../jobs/job-processor.js';
import type { JobTask } from '../jobs/tasks.js';
import { ThreadScorer } from '../jobs/thread-scorer.js';
import { MemoryQueue } from '../queue/memory-queue.js';
import type { WorkQueue } from '../queue/work-queue.js';
import { type ApiApp, createApp } from '../server/app.js';
import { createMetrics, type Metrics } from '../server/metrics.js';
import { TenantService } from '../services/tenants.js';
import { UploadService } from '../services/uploads.js';
import { SourceMetrics } from '../sources/source-metrics.js';
import { SourceRunner } from '../sources/source-runner.js';
import { SourceScheduler } from '../sources/source-scheduler.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { createEnrichment, type Enrichment } from './enrichment.js';

/** What {@link startRuntime} runs. */
export interface RuntimeOptions {
  config: Config;
  /** Serve the API (a server) or only work on the queue (`outlier worker`). */
  role: 'server' | 'worker';
  /** Where to say what happened (start-up lines, recoveries). @defaultValue console.log */
  log?: (line: string) => void;
  /** Script of the scoring threads; tests that run TypeScript sources pass the built one. */
  scoringThreadUrl?: URL;
}

/** A running engine: its app (servers), its parts, and how to stop it. */
export interface Runtime {
  app: ApiApp | null;
  store: Store;
  queue: WorkQueue<JobTask>;
  processor: JobProcessor;
  metrics: Metrics;
  /** The key printed for the `default` tenant on a first start, when one was made. */
  defaultKey: string | null;
  close(): Promise<void>;
}

/**
 * Builds the engine from its configuration: the store (SQLite in the data directory by default, PostgreSQL with
 * `DATABASE_URL`, MongoDB with `MONGODB_URL`), the queue (in-process, or Redis Streams with `REDIS_URL`), scoring
 * threads, the job processor and, for a server, the HTTP app. Unfinished jobs resume.
 */
export async function startRuntime({
  config,
  role,
  log = (l) => console.log(l),
  scoringThreadUrl,
}: RuntimeOptions): Promise<Runtime> {
  await mkdir(config.dataDir, { recursive: true });
  const redisMode = config.redisUrl !== null;
  const store = await openStore(
    config.mongodbUrl
      ? { kind: 'mongodb', url: config.mongodbUrl }
      : config.databaseUrl
        ? {
            kind: 'postgres',
            url: config.databaseUrl,
            schema: config.databaseSchema,
            chunkDataInDb: redisMode,
          }
        : { kind: 'sqlite', dataDir: config.dataDir },
  );
  if (redisMode && !store.holdsChunkData)
    throw new Error(
      'REDIS_URL needs a shared store for chunk bytes: set DATABASE_URL (PostgreSQL) or MONGODB_URL',
    );
  let queue: WorkQueue<JobTask>;
  if (config.redisUrl) {
    const { RedisStreamQueue } = await import('../queue/redis-queue.js');
    queue = new RedisStreamQueue<JobTask>({
      onError: (err: Error) => log(`[outlier] queue: ${err.message}`),
      redis: config.redisUrl,
      prefix: config.queuePrefix,
      claimIdleMs: config.claimIdleMs,
    });
  } else {
    queue = new MemoryQueue<JobTask>();
  }
  let cache: Cache & { close?: () => Promise<void> } = new MemoryCache();
  if (config.redisUrl) {
    const { RedisCache } = await import('../cache/redis-cache.js');
    cache = new RedisCache({ redis: config.redisUrl, prefix: `${config.queuePrefix}:cache` });
  }
  const threads =
    config.workers ?? (role === 'server' && redisMode ? 0 : Math.max(1, Math.min(2, availableParallelism())));
  const scorer = new ThreadScorer(Math.max(threads, 1), scoringThreadUrl);
  const files = store.holdsChunkData ? null : new ChunkFiles(join(config.dataDir, 'uploads'));
  const metrics = createMetrics({ jobsByState: () => store.countJobs(), queueDepth: () => queue.depth() });
  const enrichment: Enrichment | null = config.ollama
    ? createEnrichment({ store, ollama: config.ollama, log })
    : null;
  const processor = new JobProcessor({
    store,
    queue,
    scorer,
    files,
    keepChunks: config.keepChunks,
    maxSessions: config.maxJobSessions,
    hooks: {
      onAnomalies: (job, detections) => {
        metrics.countAnomalies(job.tenant_id, detections);
        enrichment?.offer(detections);
      },
      onChunk: (_job, lines, bytes, seconds) => {
        metrics.linesProcessed.inc(lines);
        metrics.bytesProcessed.inc(bytes);
        metrics.chunkSeconds.observe(seconds);
      },
    },
  });

  const consuming = new AbortController();
  let consumer: Promise<void> = Promise.resolve();
  if (threads > 0) {
    consumer = queue
      .consume((message, signal) => processor.handle(message, signal), {
        concurrency: threads + 1,
        signal: consuming.signal,
      })
      .catch((err: unknown) =>
        log(`[outlier] the queue consumer stopped: ${err instanceof Error ? err.message : String(err)}`),
      );
  }

  let defaultKey: string | null = null;
  let app: ApiApp | null = null;
  let sources: { scheduler: SourceScheduler; runner: SourceRunner; metrics: SourceMetrics } | null = null;
  let pusher: LokiPusher | null = null;
  const tenants = new TenantService(store);
  if (role === 'server') {
    const sourceMetrics = new SourceMetrics({
      registry: metrics.registry,
      tenantSeriesLimit: config.tenantSeriesLimit,
    });
    if (config.lokiPushUrl) {
      const { LokiPusher } = await import('../integrations/loki/loki-push.js');
      pusher = new LokiPusher({
        url: config.lokiPushUrl,
        explorerUrl: config.explorerUrl,
        onDropped: (tenant, lines, reason) => {
          sourceMetrics.lokiDropped.inc({ tenant, reason: reason.slice(0, 40) }, lines);
        },
        onPushed: (tenant, lines) => sourceMetrics.lokiPushed.inc({ tenant }, lines),
        onError: (err) => log(`[outlier] loki push: ${err.message}`),
      });
    }
    const suppressionCache = new Map<string, { at: number; patterns: Set<string> }>();
    const runner = new SourceRunner({
      store,
      scorer,
      metrics: sourceMetrics,
      pusher,
      log,
      suppressions: async (tenant) => {
        const hit = suppressionCache.get(tenant);
        if (hit && Date.now() - hit.at < 2_000) return hit.patterns;
        const patterns = new Set(await store.listSuppressions(tenant));
        suppressionCache.set(tenant, { at: Date.now(), patterns });
        return patterns;
      },
    });
    sources = {
      runner,
      metrics: sourceMetrics,
      scheduler: new SourceScheduler({ store, runner, sourcesFile: config.sourcesFile, log }),
    };
    await tenants.ensureKeys(config.tenantKeys);
    defaultKey = await bootstrapDefaultTenant(store, tenants, config);
    // With an in-process queue the queued steps died with the last process; with Redis they are still queued.
    const resumed = redisMode ? await scheduleAll(store, processor) : await processor.recover();
    if (resumed > 0) log(`[outlier] resuming ${resumed} unfinished job(s)`);
    const uploads = new UploadService({ store, processor, files, maxUploadBytes: config.maxUploadBytes });
    app = createApp({
      store,
      tenants,
      uploads,
      processor,
      queue,
      metrics,
      cache,
      adminKey: config.adminKey,
      llm: enrichment,
      sources,
      ui: { dir: config.uiDir },
      readiness: async () => {
        const out: Record<string, { ok: boolean; error?: string }> = {};
        const check = async (name: string, f: () => Promise<unknown>) => {
          try {
            await f();
            out[name] = { ok: true };
          } catch (err) {
            out[name] = { ok: false, error: err instanceof Error ? err.message : String(err) };
          }
        };
        await check(`store:${store.kind}`, () => store.ping());
        await check(redisMode ? 'queue:redis' : 'queue:memory', () => queue.depth());
        if (enrichment) await check('llm:ollama', () => enrichment.ping());
        return out;
      },
    });
    await sources.scheduler.start();
  }

  return {
    app,
    store,
    queue,
    processor,
    metrics,
    defaultKey,
    async close() {
      await sources?.scheduler.stop();
      await pusher?.close();
      consuming.abort();
      await consumer;
      await scorer.close();
      await queue.close();
      await cache.close?.();
      await store.close();
    },
  };
}

async function scheduleAll(store: Store, processor: JobProcessor): Promise<number> {
  const jobs = await store.listUnfinishedJobs();
  for (const job of jobs) await processor.schedule(job.id);
  return jobs.length;
}

/**
 * With no admin key and no `TENANT_API_KEYS`, the first start creates tenant `default` with a generated key kept
 * in `<data dir>/default.key`, so that a newcomer can call the API at once.
 */
async function bootstrapDefaultTenant(
  store: Store,
  tenants: TenantService,
  config: Config,
): Promise<string | null> {
  if (config.adminKey || Object.keys(config.tenantKeys).length > 0) return null;
  const path = join(config.dataDir, 'default.key');
  const existing = await readFile(path, 'utf8').then(
    (t) => t.trim(),
    () => null,
  );
  if (existing && (await tenants.resolve(existing)) === 'default') return existing;
  if ((await store.listTenants()).some((t) => t.id !== 'default')) return null;
  await store.createTenant('default');
  const { key } = await tenants.addKey('default');
  await writeFile(path, `${key}\n`, { mode: 0o600 });
  return key;
}
