import type { Detection } from '../model/detection.js';

/** A source definition as stored (validated JSON, defaults applied). */
export interface SourceRecord {
  tenant_id: string;
  id: string;
  kind: 'prometheus' | 'loki';
  definition: Record<string, unknown>;
  /** `file`: from `OUTLIER_SOURCES_FILE` (replaced at each start); `api`: created through the API. */
  origin: 'file' | 'api';
  created_at: number;
  updated_at: number;
}

/** Where a source stands: its watermark, its models and its health. */
export interface SourceStateRecord {
  tenant_id: string;
  source_id: string;
  /** End (exclusive) of what has been pulled and scored: epoch ms (Prometheus) or ns (Loki), as a string. */
  watermark: string | null;
  /** Version (in the models table) the online state started from; null before the first fit. */
  model_version: number | null;
  /** The models as they are now, updated point by point (JSON). */
  online: string | null;
  /** A retrained candidate in shadow (JSON), or null. */
  shadow: string | null;
  fitted_at: number | null;
  anomalies_since_fit: number;
  last_run_at: number | null;
  last_success_at: number | null;
  last_error_code: string | null;
  last_error_message: string | null;
  errors_total: number;
  runs_total: number;
  updated_at: number;
}

/** The fields of a source's state a patch may set. */
export const STATE_FIELDS = [
  'watermark',
  'model_version',
  'online',
  'shadow',
  'fitted_at',
  'anomalies_since_fit',
  'last_run_at',
  'last_success_at',
  'last_error_code',
  'last_error_message',
] as const;

/** What changes in a source's state at the end of a run. */
export type SourceStatePatch = Partial<
  Omit<SourceStateRecord, 'tenant_id' | 'source_id' | 'updated_at' | 'errors_total' | 'runs_total'>
> & {
  /** Adds to `errors_total`. */
  add_errors?: number;
};

/** One pull of a source. */
export interface SourceRunRecord {
  id: string;
  tenant_id: string;
  source_id: string;
  reason: 'schedule' | 'backfill' | 'manual';
  status: 'running' | 'succeeded' | 'failed' | 'skipped';
  range_from: string | null;
  range_to: string | null;
  started_at: number;
  finished_at: number | null;
  /** Points (Prometheus) or lines (Loki) pulled. */
  items: number;
  series: number;
  detections: number;
  /** Its detections were handed to Loki (or nothing needed to be). */
  pushed: boolean;
  error_code: string | null;
  error_message: string | null;
  detail: string | null;
}

/** The end of a run, written at once with its detections and the source's new state. */
export interface SourceRunOutcome {
  status: 'succeeded' | 'failed' | 'skipped';
  items: number;
  series: number;
  error_code: string | null;
  error_message: string | null;
  detail: string | null;
  range_from: string | null;
  range_to: string | null;
}

/**
 * Sources, their states and runs. Ending a run is atomic: its detections, its record and the source's new
 * watermark and models are written together, so a crash repeats a whole run or none of it.
 */
export interface SourceStore {
  upsertSource(record: Omit<SourceRecord, 'created_at' | 'updated_at'>): Promise<SourceRecord>;
  getSource(tenantId: string, id: string): Promise<SourceRecord | null>;
  /** A tenant's sources, or every tenant's. */
  listSources(tenantId?: string): Promise<SourceRecord[]>;
  /** Deletes a source with its state and runs (its detections stay). */
  deleteSource(tenantId: string, id: string): Promise<boolean>;

  getSourceState(tenantId: string, id: string): Promise<SourceStateRecord | null>;
  /** Applies a patch outside a run (rollback, promotion). */
  patchSourceState(tenantId: string, id: string, patch: SourceStatePatch): Promise<void>;

  startSourceRun(
    run: Pick<SourceRunRecord, 'id' | 'tenant_id' | 'source_id' | 'reason' | 'range_from' | 'range_to'>,
  ): Promise<void>;
  /** Ends a run; returns how many of `detections` were new (ids already stored are skipped). */
  finishSourceRun(
    runId: string,
    outcome: SourceRunOutcome,
    state: SourceStatePatch,
    detections: readonly Detection[],
  ): Promise<number>;
  listSourceRuns(tenantId: string, sourceId: string, limit: number): Promise<SourceRunRecord[]>;
  /** Succeeded runs whose detections have not all reached Loki yet (oldest first). */
  listUnpushedRuns(limit: number): Promise<SourceRunRecord[]>;
  markRunPushed(runId: string): Promise<void>;
  /** Runs left `running` by a process that died: marked failed. Returns how many. */
  failStaleRuns(olderThan: number): Promise<number>;
}
