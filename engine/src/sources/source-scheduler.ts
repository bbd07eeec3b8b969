import { createTask, type ScheduledTask } from 'node-cron';
import type { SourceRecord } from '../store/source-records.js';
import type { Store } from '../store/store.js';
import { loadSourcesFile, parseSourceDefinition, type SourceDefinition } from './source-definition.js';
import type { SourceRunner } from './source-runner.js';

/** Options of {@link SourceScheduler}. */
export interface SourceSchedulerOptions {
  store: Store;
  runner: SourceRunner;
  /** `OUTLIER_SOURCES_FILE`: definitions loaded at start (they replace earlier ones from the file). */
  sourcesFile?: string | null;
  log?: (line: string) => void;
}

/**
 * Runs every enabled source on its cron schedule (node-cron), each on its own: a slow or failing source never
 * delays another, and a source's runs never overlap (the runner skips and records a run that would).
 */
export class SourceScheduler {
  private readonly tasks = new Map<string, ScheduledTask>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(private readonly o: SourceSchedulerOptions) {}

  /** Loads the sources file, recovers from a crash (stale runs, unpushed detections) and starts the schedules. */
  async start(): Promise<void> {
    const { store, runner, sourcesFile, log } = this.o;
    if (sourcesFile) {
      const defs = await loadSourcesFile(sourcesFile);
      const keep = new Set(defs.map(({ definition: d }) => `${d.tenant}/${d.id}`));
      for (const { raw, definition } of defs) {
        await store.createTenant(definition.tenant);
        await store.sources.upsertSource(recordOf(raw, definition, 'file'));
      }
      for (const s of await store.sources.listSources())
        if (s.origin === 'file' && !keep.has(`${s.tenant_id}/${s.id}`))
          await store.sources.deleteSource(s.tenant_id, s.id);
      log?.(`[outlier] ${defs.length} source(s) from ${sourcesFile}`);
    }
    const stale = await store.sources.failStaleRuns(Date.now() + 1);
    if (stale > 0) log?.(`[outlier] ${stale} source run(s) interrupted by the last stop will be repeated`);
    for (const s of await store.sources.listSources()) this.schedule(s);
    this.track(runner.resumePushes());
  }

  /** (Re)schedules a source after it was created or changed. */
  schedule(record: SourceRecord): void {
    this.unschedule(record.tenant_id, record.id);
    const def = parseSourceDefinition(record.definition);
    this.o.runner.exportState(def, null);
    void this.o.store.sources
      .getSourceState(def.tenant, def.id)
      .then((state) => this.o.runner.exportState(def, state))
      .catch(() => undefined);
    if (!def.enabled || this.stopped) return;
    const task = createTask(def.schedule, () => this.fire(record), {
      name: `${def.tenant}/${def.id}`,
      noOverlap: false,
    });
    this.tasks.set(`${def.tenant}/${def.id}`, task);
    void task.start();
  }

  /** Stops a source's schedule. */
  unschedule(tenant: string, id: string): void {
    const key = `${tenant}/${id}`;
    const task = this.tasks.get(key);
    if (!task) return;
    void task.destroy();
    this.tasks.delete(key);
  }

  /** Runs a source now (the API's "run" and "backfill"). */
  runNow(record: SourceRecord, range?: { from: number; to: number }) {
    const run = this.o.runner.run(record, range ? 'backfill' : 'manual', range);
    this.track(run);
    return run;
  }

  /** Stops every schedule and waits for runs in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.tasks.values()) await t.destroy();
    this.tasks.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private fire(record: SourceRecord): void {
    if (this.stopped) return;
    // The record may have changed since it was scheduled: read it again.
    const run = this.o.store.sources.getSource(record.tenant_id, record.id).then((current) => {
      if (!current || this.stopped) return null;
      return this.o.runner.run(current, 'schedule');
    });
    this.track(run);
  }

  private track(p: Promise<unknown>): void {
    const guarded = p.catch((err: unknown) =>
      this.o.log?.(`[outlier] scheduled run: ${err instanceof Error ? err.message : String(err)}`),
    );
    this.inFlight.add(guarded);
    void guarded.finally(() => this.inFlight.delete(guarded));
  }
}

/** The stored form of a definition: as written, with its tenant. */
export function recordOf(raw: Record<string, unknown>, def: SourceDefinition, origin: 'file' | 'api') {
  return {
    tenant_id: def.tenant,
    id: def.id,
    kind: def.kind,
    definition: { ...raw, tenant: def.tenant },
    origin,
  };
}
