import type { Collection } from 'mongodb';
import type { Detection } from '../model/detection.js';
import type {
  CommittedRunDoc,
  DetectionDoc,
  SourceDoc,
  SourceRunDoc,
  SourceStateDoc,
} from './mongo-collections.js';
import { insertDetectionDocs } from './mongo-detections.js';
import { isDuplicateKey } from './mongo-records.js';
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

/** Runs a state remembers as applied: far more than can end while one run writes its own record. */
const COMMITTED_RUNS_KEPT = 32;

/** The patchable fields of a state that has never been patched. */
const NEW_STATE: Pick<SourceStateRecord, (typeof STATE_FIELDS)[number]> = {
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
};

const key = (tenantId: string, id: string) => `${tenantId}/${id}`;

function toSource(d: SourceDoc): SourceRecord {
  return {
    tenant_id: d.tenant_id,
    id: d.id,
    kind: d.kind,
    definition: JSON.parse(d.definition),
    origin: d.origin,
    created_at: d.created_at,
    updated_at: d.updated_at,
  };
}

function toState(d: SourceStateDoc): SourceStateRecord {
  return {
    tenant_id: d.tenant_id,
    source_id: d.source_id,
    watermark: d.watermark,
    model_version: d.model_version,
    online: d.online,
    shadow: d.shadow,
    fitted_at: d.fitted_at,
    anomalies_since_fit: d.anomalies_since_fit,
    last_run_at: d.last_run_at,
    last_success_at: d.last_success_at,
    last_error_code: d.last_error_code,
    last_error_message: d.last_error_message,
    errors_total: d.errors_total,
    runs_total: d.runs_total,
    updated_at: d.updated_at,
  };
}

function toRun(d: SourceRunDoc): SourceRunRecord {
  const { _id, ...run } = d;
  return run;
}

/**
 * {@link SourceStore} over MongoDB without multi-document transactions. The commit of a run is one conditional
 * update of its source's state, which applies the patch and records the run's end in `committed_runs`, so it
 * applies once. Before it, the run's detections are stored tagged with the run (after removing any an earlier
 * attempt left); after it, the run's own document is completed. A crash before the commit leaves detections that
 * {@link MongoSourceStore.failStaleRuns} deletes, as a rolled-back transaction would, so the repeated run counts
 * and pushes them; a crash after it is rolled forward from the state by `failStaleRuns` or a repeated finish.
 */
export class MongoSourceStore implements SourceStore {
  constructor(private readonly c: MongoSourceCollections) {}

  async upsertSource(record: Omit<SourceRecord, 'created_at' | 'updated_at'>): Promise<SourceRecord> {
    const now = Date.now();
    const doc = await this.c.sources.findOneAndUpdate(
      { _id: key(record.tenant_id, record.id) },
      {
        $set: {
          tenant_id: record.tenant_id,
          id: record.id,
          kind: record.kind,
          definition: JSON.stringify(record.definition),
          origin: record.origin,
          updated_at: now,
        },
        $setOnInsert: { created_at: now },
      },
      { upsert: true, returnDocument: 'after' },
    );
    if (!doc) throw new Error(`source ${record.tenant_id}/${record.id} vanished while being saved`);
    return toSource(doc);
  }

  async getSource(tenantId: string, id: string): Promise<SourceRecord | null> {
    const doc = await this.c.sources.findOne({ _id: key(tenantId, id) });
    return doc ? toSource(doc) : null;
  }

  async listSources(tenantId?: string): Promise<SourceRecord[]> {
    const docs = await this.c.sources
      .find(tenantId === undefined ? {} : { tenant_id: tenantId })
      .sort({ tenant_id: 1, id: 1 })
      .toArray();
    return docs.map(toSource);
  }

  async deleteSource(tenantId: string, id: string): Promise<boolean> {
    // The source last: a crash part way leaves it listed, and deleting it again finishes the job.
    await this.c.sourceRuns.deleteMany({ tenant_id: tenantId, source_id: id });
    await this.c.sourceStates.deleteOne({ _id: key(tenantId, id) });
    const r = await this.c.sources.deleteOne({ _id: key(tenantId, id) });
    return r.deletedCount > 0;
  }

  async getSourceState(tenantId: string, id: string): Promise<SourceStateRecord | null> {
    const doc = await this.c.sourceStates.findOne({ _id: key(tenantId, id) });
    return doc ? toState(doc) : null;
  }

  async patchSourceState(tenantId: string, id: string, patch: SourceStatePatch): Promise<void> {
    await this.applyState(tenantId, id, patch, null);
  }

  async startSourceRun(
    run: Pick<SourceRunRecord, 'id' | 'tenant_id' | 'source_id' | 'reason' | 'range_from' | 'range_to'>,
  ): Promise<void> {
    await this.c.sourceRuns.insertOne({
      _id: run.id,
      id: run.id,
      tenant_id: run.tenant_id,
      source_id: run.source_id,
      reason: run.reason,
      status: 'running',
      range_from: run.range_from,
      range_to: run.range_to,
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
    if (run.status !== 'running' || (await this.rollForward(run))) return 0;
    // Whatever an earlier attempt at this run stored is not committed: stored again, it counts as new.
    await this.c.detections.deleteMany({ job_id: runId });
    const fresh = await insertDetectionDocs(this.c.detections, run.tenant_id, runId, detections);
    const end: CommittedRunDoc = { id: runId, outcome: { ...outcome, detections: fresh } };
    if (!(await this.applyState(run.tenant_id, run.source_id, state, end))) {
      await this.rollForward(run);
      return 0;
    }
    await this.completeRun(runId, end.outcome);
    return fresh;
  }

  /** Completes a running run from its source's state when the state has its end; false when it has not. */
  private async rollForward(run: SourceRunDoc): Promise<boolean> {
    const state = await this.c.sourceStates.findOne(
      { _id: key(run.tenant_id, run.source_id), 'committed_runs.id': run._id },
      { projection: { committed_runs: 1 } },
    );
    const end = state?.committed_runs.find((r) => r.id === run._id);
    if (!end) return false;
    await this.completeRun(run._id, end.outcome);
    return true;
  }

  private async completeRun(runId: string, o: CommittedRunDoc['outcome']): Promise<void> {
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
   * Applies a patch to a source's state in one update, creating the state when missing. With a run it also counts
   * the run and records its end, only if the state does not have that run yet (then returns false).
   */
  private async applyState(
    tenantId: string,
    sourceId: string,
    patch: SourceStatePatch,
    run: CommittedRunDoc | null,
  ): Promise<boolean> {
    const _id = key(tenantId, sourceId);
    const set: Partial<SourceStateDoc> = { updated_at: Date.now() };
    for (const f of STATE_FIELDS) if (patch[f] !== undefined) Object.assign(set, { [f]: patch[f] });
    const onInsert: Partial<SourceStateDoc> = { tenant_id: tenantId, source_id: sourceId };
    for (const f of STATE_FIELDS) if (!(f in set)) Object.assign(onInsert, { [f]: NEW_STATE[f] });
    if (!run) onInsert.committed_runs = [];
    try {
      const r = await this.c.sourceStates.updateOne(
        run ? { _id, 'committed_runs.id': { $ne: run.id } } : { _id },
        {
          $set: set,
          $setOnInsert: onInsert,
          $inc: { runs_total: run ? 1 : 0, errors_total: patch.add_errors ?? 0 },
          ...(run ? { $push: { committed_runs: { $each: [run], $slice: -COMMITTED_RUNS_KEPT } } } : {}),
        },
        { upsert: true },
      );
      return r.matchedCount + r.upsertedCount > 0;
    } catch (err) {
      // The filter missed because the state already has this run, so the upsert collided with it.
      if (run && isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async listSourceRuns(tenantId: string, sourceId: string, limit: number): Promise<SourceRunRecord[]> {
    const docs = await this.c.sourceRuns
      .find({ tenant_id: tenantId, source_id: sourceId })
      .sort({ started_at: -1, _id: -1 })
      .limit(limit)
      .toArray();
    return docs.map(toRun);
  }

  async listUnpushedRuns(limit: number): Promise<SourceRunRecord[]> {
    const docs = await this.c.sourceRuns
      .find({ status: 'succeeded', pushed: false })
      .sort({ finished_at: 1, _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map(toRun);
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
      if (await this.rollForward(run)) continue;
      // Never committed: its detections go, as a rolled-back transaction's would, and the next run repeats it.
      await this.c.detections.deleteMany({ job_id: run._id });
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
