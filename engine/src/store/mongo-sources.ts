import type { Collection } from 'mongodb';
import type { Detection } from '../model/detection.js';
import type { DetectionDoc, SourceDoc, SourceRunDoc, SourceStateDoc } from './mongo-collections.js';
import { insertDetectionDocs } from './mongo-detections.js';
import { AS_JSON, isDuplicateKey } from './mongo-records.js';
import type {
  SourceRecord,
  SourceRunOutcome,
  SourceRunRecord,
  SourceStatePatch,
  SourceStateRecord,
  SourceStore,
} from './source-records.js';
import { STATE_FIELDS } from './source-records.js';

/** The collections {@link MongoSourceStore} uses. */
export interface MongoSourceCollections {
  sources: Collection<SourceDoc>;
  sourceStates: Collection<SourceStateDoc>;
  sourceRuns: Collection<SourceRunDoc>;
  detections: Collection<DetectionDoc>;
}

const key = (tenantId: string, id: string) => `${tenantId}/${id}`;
function emptyState(tenantId: string, sourceId: string): Omit<SourceStateDoc, '_id'> {
  return {
    tenant_id: tenantId,
    source_id: sourceId,
    watermark: null,
    model_version: null,
    online: null,
    shadow: null,
    fitted_at: null,
    anomalies_since_fit: 0,
    last_run_at: null,
    last_success_at: null,
    last_error_code: null,
    last_error_message: null,
    errors_total: 0,
    runs_total: 0,
    updated_at: 0,
    last_run_id: null,
    last_outcome: null,
  };
}

function withoutId<T extends { _id: string }>(doc: T): Omit<T, '_id'> {
  const { _id, ...rest } = doc;
  return rest;
}

function toState(d: SourceStateDoc): SourceStateRecord {
  const { _id, last_run_id, last_outcome, ...rest } = d;
  return rest;
}

/**
 * {@link SourceStore} over MongoDB without multi-document transactions. Ending a run writes, in order: the
 * detections (each once by id, tagged with the run), then the source's state in one conditional update that also
 * records the run's id and outcome (so it applies once), then the run. A crash between those steps is rolled
 * forward by {@link MongoSourceStore.failStaleRuns} when the state names the run, and otherwise the run is failed
 * and repeated; detections a failed run left are adopted by the run that repeats it, so none goes unpushed.
 */
export class MongoSourceStore implements SourceStore {
  constructor(private readonly c: MongoSourceCollections) {}

  async upsertSource(record: Omit<SourceRecord, 'created_at' | 'updated_at'>): Promise<SourceRecord> {
    const now = Date.now();
    const doc = await this.c.sources.findOneAndUpdate(
      { _id: key(record.tenant_id, record.id) },
      {
        $set: { ...record, updated_at: now },
        $setOnInsert: { created_at: now },
      },
      { upsert: true, returnDocument: 'after', ...AS_JSON },
    );
    if (!doc) throw new Error(`source ${record.tenant_id}/${record.id} vanished while being saved`);
    return withoutId(doc);
  }

  async getSource(tenantId: string, id: string): Promise<SourceRecord | null> {
    const doc = await this.c.sources.findOne({ _id: key(tenantId, id) });
    return doc ? withoutId(doc) : null;
  }

  async listSources(tenantId?: string): Promise<SourceRecord[]> {
    const docs = await this.c.sources
      .find(tenantId === undefined ? {} : { tenant_id: tenantId })
      .sort({ tenant_id: 1, id: 1 })
      .toArray();
    return docs.map(withoutId);
  }

  async deleteSource(tenantId: string, id: string): Promise<boolean> {
    const r = await this.c.sources.deleteOne({ _id: key(tenantId, id) });
    await this.c.sourceStates.deleteOne({ _id: key(tenantId, id) });
    await this.c.sourceRuns.deleteMany({ tenant_id: tenantId, source_id: id });
    return r.deletedCount > 0;
  }

  async getSourceState(tenantId: string, id: string): Promise<SourceStateRecord | null> {
    const doc = await this.c.sourceStates.findOne({ _id: key(tenantId, id) });
    return doc ? toState(doc) : null;
  }

  async patchSourceState(tenantId: string, id: string, patch: SourceStatePatch): Promise<void> {
    await this.applyPatch(tenantId, id, patch, null, null);
  }

  async startSourceRun(
    run: Pick<SourceRunRecord, 'id' | 'tenant_id' | 'source_id' | 'reason' | 'range_from' | 'range_to'>,
  ): Promise<void> {
    await this.c.sourceRuns.insertOne({
      _id: run.id,
      ...run,
      status: 'running',
      started_at: Date.now(),
      finished_at: null,
      items: 0,
      series: 0,
      detections: 0,
      pushed: false,
      error_code: null,
      error_message: null,
      detail: null,
    });
  }

  async finishSourceRun(
    runId: string,
    outcome: SourceRunOutcome,
    state: SourceStatePatch,
    detections: readonly Detection[],
  ): Promise<number> {
    const run = await this.c.sourceRuns.findOne({ _id: runId });
    if (!run) throw new Error(`source run ${runId} does not exist`);
    if (run.status !== 'running') return 0;
    let fresh = await insertDetectionDocs(this.c.detections, run.tenant_id, runId, detections);
    if (fresh < detections.length) fresh += await this.adopt(runId, run, detections);
    const applied = await this.applyPatch(run.tenant_id, run.source_id, state, runId, {
      ...outcome,
      detections: fresh,
    });
    if (!applied) return 0;
    await this.completeRun(runId, { ...outcome, detections: fresh });
    return fresh;
  }

  /** Detections already stored by a run that failed (a crash mid-run) become this run's. */
  private async adopt(runId: string, run: SourceRunDoc, detections: readonly Detection[]): Promise<number> {
    const ids = detections.map((d) => d.id);
    const owners = await this.c.detections.distinct('job_id', { _id: { $in: ids }, job_id: { $ne: runId } });
    const failed = await this.c.sourceRuns
      .find({ _id: { $in: owners.filter((o): o is string => typeof o === 'string') }, status: 'failed' })
      .project<{ _id: string }>({ _id: 1 })
      .toArray();
    if (failed.length === 0) return 0;
    const r = await this.c.detections.updateMany(
      { _id: { $in: ids }, tenant_id: run.tenant_id, job_id: { $in: failed.map((f) => f._id) } },
      { $set: { job_id: runId } },
    );
    return r.modifiedCount;
  }

  private async completeRun(runId: string, o: SourceRunOutcome & { detections: number }): Promise<void> {
    await this.c.sourceRuns.updateOne(
      { _id: runId, status: 'running' },
      {
        $set: {
          status: o.status,
          finished_at: Date.now(),
          items: o.items,
          series: o.series,
          detections: o.detections,
          pushed: o.detections === 0,
          error_code: o.error_code,
          error_message: o.error_message,
          detail: o.detail,
          range_from: o.range_from,
          range_to: o.range_to,
        },
      },
    );
  }

  /**
   * Applies a state patch in one update. With a run, only once: the update also records the run, and a state
   * that already names it is left alone (returns false).
   */
  private async applyPatch(
    tenantId: string,
    sourceId: string,
    patch: SourceStatePatch,
    runId: string | null,
    outcome: SourceStateDoc['last_outcome'],
  ): Promise<boolean> {
    const _id = key(tenantId, sourceId);
    const set: Partial<SourceStateDoc> = { updated_at: Date.now() };
    for (const f of STATE_FIELDS) if (patch[f] !== undefined) Object.assign(set, { [f]: patch[f] });
    if (runId) Object.assign(set, { last_run_id: runId, last_outcome: outcome });
    const initial = emptyState(tenantId, sourceId);
    const onInsert: Partial<SourceStateDoc> = {};
    for (const [k, v] of Object.entries(initial))
      if (!(k in set) && k !== 'runs_total' && k !== 'errors_total') Object.assign(onInsert, { [k]: v });
    try {
      const r = await this.c.sourceStates.updateOne(
        runId ? { _id, last_run_id: { $ne: runId } } : { _id },
        {
          $set: set,
          $setOnInsert: onInsert,
          $inc: { runs_total: runId ? 1 : 0, errors_total: patch.add_errors ?? 0 },
        },
        { upsert: true },
      );
      return r.matchedCount + r.upsertedCount > 0;
    } catch (err) {
      // The filter missed because the state already names this run: the upsert collided with it.
      if (runId && isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async listSourceRuns(tenantId: string, sourceId: string, limit: number): Promise<SourceRunRecord[]> {
    const docs = await this.c.sourceRuns
      .find({ tenant_id: tenantId, source_id: sourceId })
      .sort({ started_at: -1, _id: -1 })
      .limit(limit)
      .toArray();
    return docs.map(withoutId);
  }

  async listUnpushedRuns(limit: number): Promise<SourceRunRecord[]> {
    const docs = await this.c.sourceRuns
      .find({ status: 'succeeded', pushed: false })
      .sort({ finished_at: 1, _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map(withoutId);
  }

  async markRunPushed(runId: string): Promise<void> {
    await this.c.sourceRuns.updateOne({ _id: runId }, { $set: { pushed: true } });
  }

  async failStaleRuns(olderThan: number): Promise<number> {
    const stale = await this.c.sourceRuns
      .find({ status: 'running', started_at: { $lt: olderThan } })
      .toArray();
    let failed = 0;
    for (const run of stale) {
      // The state names the run: it ended but its record was not written. Roll it forward.
      const state = await this.c.sourceStates.findOne({
        _id: key(run.tenant_id, run.source_id),
        last_run_id: run._id,
      });
      if (state?.last_outcome) {
        await this.completeRun(run._id, state.last_outcome);
        continue;
      }
      const r = await this.c.sourceRuns.updateOne(
        { _id: run._id, status: 'running' },
        {
          $set: {
            status: 'failed',
            finished_at: Date.now(),
            error_code: 'interrupted',
            error_message: 'the engine stopped during this run; the next run repeats it',
          },
        },
      );
      failed += r.modifiedCount;
    }
    return failed;
  }
}
