import { randomUUID } from 'node:crypto';
import type { LokiPusher } from '../integrations/loki/loki-push.js';
import { type LokiEntry, queryLokiRange } from '../integrations/loki/loki-query.js';
import { queryPrometheusRange } from '../integrations/prometheus/prometheus-query.js';
import { SourceError } from '../integrations/source-error.js';
import type { JobModel } from '../jobs/job-model.js';
import type { Scorer } from '../jobs/thread-scorer.js';
import type { Detection } from '../model/detection.js';
import { retrainReason } from '../retrain/retrain-policy.js';
import { recordShadowCycle, type ShadowState, shadowVerdict, startShadow } from '../retrain/shadow.js';
import type { SourceRecord, SourceStatePatch, SourceStateRecord } from '../store/source-records.js';
import type { Store } from '../store/store.js';
import { scoreLogPage, trainLogSource } from './log-source.js';
import {
  fitSeriesState,
  type LimitedSource,
  pullSeries,
  type SeriesFetcher,
  type SeriesSourceState,
  scoreSeriesRun,
} from './series-source.js';
import {
  type LokiSource,
  type PrometheusSource,
  parseSourceDefinition,
  type SourceDefinition,
} from './source-definition.js';
import type { SourceMetrics } from './source-metrics.js';

/** Options of {@link SourceRunner}. */
export interface SourceRunnerOptions {
  store: Store;
  scorer: Scorer;
  metrics: SourceMetrics;
  /** Pushes detections to Loki, when configured. */
  pusher?: LokiPusher | null;
  /** Patterns users marked "not an anomaly", per tenant. */
  suppressions: (tenant: string) => Promise<Set<string>>;
  log?: (line: string) => void;
  /** @defaultValue Date.now */
  now?: () => number;
  fetch?: typeof fetch;
}

/** A requested range, for a backfill: epoch ms. */
export interface RunRange {
  from: number;
  to: number;
}

/** What a run did, as the API reports it. */
export interface RunSummary {
  run_id: string | null;
  status: 'succeeded' | 'failed' | 'skipped';
  items: number;
  detections: number;
  detail: string | null;
  error: { code: string; message: string } | null;
}

/** A candidate model scored in shadow beside the active one. */
interface Shadow {
  version: number;
  cycle: ShadowState;
  /** Series models of the candidate (Prometheus sources). */
  series: SeriesSourceState | null;
}

const NS_PER_MS = 1_000_000n;
const LOG_PAGE_LINES = 20_000;

/**
 * Runs pulls of scheduled sources: reads the new range from the watermark, scores it with the source's models,
 * and ends the run atomically (detections, watermark, models), then hands detections to Loki. Runs of one source
 * never overlap (a second one is recorded as skipped); a failure is recorded on the run and the source with a
 * message and never reaches the caller.
 */
export class SourceRunner {
  private readonly running = new Set<string>();
  /** A push failed: runs wait in the store to be pushed again after the next run. */
  private pushBacklog = false;
  private readonly o: SourceRunnerOptions;
  private readonly now: () => number;

  constructor(options: SourceRunnerOptions) {
    this.o = options;
    this.now = options.now ?? Date.now;
  }

  /** Whether a run of the source is in progress here. */
  isRunning(tenant: string, id: string): boolean {
    return this.running.has(`${tenant}/${id}`);
  }

  /** Runs one pull (or a backfill of `range`) of a source. */
  async run(
    record: SourceRecord,
    reason: 'schedule' | 'backfill' | 'manual',
    range?: RunRange,
  ): Promise<RunSummary> {
    const lock = `${record.tenant_id}/${record.id}`;
    const runId = randomUUID();
    const { store } = this.o;
    if (this.running.has(lock)) {
      await store.sources.startSourceRun({
        id: runId,
        tenant_id: record.tenant_id,
        source_id: record.id,
        reason,
        range_from: null,
        range_to: null,
      });
      const detail = 'the previous run of this source is still going on';
      await store.sources.finishSourceRun(
        runId,
        {
          status: 'skipped',
          items: 0,
          series: 0,
          error_code: null,
          error_message: null,
          detail,
          range_from: null,
          range_to: null,
        },
        {},
        [],
      );
      return { run_id: runId, status: 'skipped', items: 0, detections: 0, detail, error: null };
    }
    this.running.add(lock);
    try {
      return await this.runLocked(record, runId, reason, range);
    } finally {
      this.running.delete(lock);
    }
  }

  private async runLocked(
    record: SourceRecord,
    runId: string,
    reason: 'schedule' | 'backfill' | 'manual',
    range?: RunRange,
  ): Promise<RunSummary> {
    const { store, metrics } = this.o;
    const def = parseSourceDefinition(record.definition);
    const state = await store.sources.getSourceState(def.tenant, def.id);
    await store.sources.startSourceRun({
      id: runId,
      tenant_id: def.tenant,
      source_id: def.id,
      reason,
      range_from: range ? String(range.from) : null,
      range_to: range ? String(range.to) : null,
    });
    const started = this.now();
    try {
      const done =
        def.kind === 'prometheus'
          ? await this.runSeries(def, state, started, range)
          : await this.runLogs(def, state, started, range);
      const fresh = await store.sources.finishSourceRun(
        runId,
        {
          status: done.status,
          items: done.items,
          series: done.series,
          error_code: done.limitError ? 'series_limit' : null,
          error_message: done.limitError,
          detail: done.detail,
          range_from: done.rangeFrom,
          range_to: done.rangeTo,
        },
        {
          ...done.patch,
          last_run_at: started,
          last_success_at: this.now(),
          ...(done.limitError
            ? { last_error_code: 'series_limit', last_error_message: done.limitError, add_errors: 1 }
            : { last_error_code: null, last_error_message: null }),
        },
        done.detections,
      );
      if (done.limitError) metrics.sourceErrors.inc({ tenant: def.tenant, source: def.id });
      if (done.trained) metrics.modelsTrained.inc({ tenant: def.tenant, source: def.id }, done.trained);
      const after = await store.sources.getSourceState(def.tenant, def.id);
      this.exportState(def, after);
      if (fresh > 0) {
        const stored = done.detections.filter((d) => d.severity !== null);
        metrics.countDetections(def.tenant, def.id, stored);
        await this.push(runId, def.tenant, stored);
      }
      if (this.pushBacklog) await this.resumePushes();
      return {
        run_id: runId,
        status: done.status,
        items: done.items,
        detections: fresh,
        detail: done.detail,
        error: done.limitError ? { code: 'series_limit', message: done.limitError } : null,
      };
    } catch (err) {
      const e =
        err instanceof SourceError
          ? err
          : new SourceError('bad_response', err instanceof Error ? err.message : String(err), { cause: err });
      await store.sources.finishSourceRun(
        runId,
        {
          status: 'failed',
          items: 0,
          series: 0,
          error_code: e.code,
          error_message: e.message,
          detail: null,
          range_from: null,
          range_to: null,
        },
        { last_run_at: started, last_error_code: e.code, last_error_message: e.message, add_errors: 1 },
        [],
      );
      metrics.sourceErrors.inc({ tenant: def.tenant, source: def.id });
      this.o.log?.(`[outlier] source ${def.tenant}/${def.id}: ${e.code}: ${e.message}`);
      return {
        run_id: runId,
        status: 'failed',
        items: 0,
        detections: 0,
        detail: null,
        error: { code: e.code, message: e.message },
      };
    }
  }

  /** Sets the exported gauges of a source from its stored state (at start and after each run). */
  exportState(def: SourceDefinition, state: SourceStateRecord | null): void {
    const { metrics } = this.o;
    if (def.kind === 'prometheus') {
      const series = state?.online ? (JSON.parse(state.online) as SeriesSourceState).series : {};
      metrics.setSeries(
        def.tenant,
        def.id,
        def.threshold,
        Object.entries(series).map(([k, s]) => [k, s.latest]),
      );
    }
    metrics.setHealth(def.tenant, def.id, {
      watermarkMs: state?.watermark ? watermarkMs(def, state.watermark) : null,
      lastSuccessMs: state?.last_success_at ?? null,
    });
  }

  /** Hands a run's detections to Loki; the run is marked pushed once Loki took them all. */
  private async push(runId: string, tenant: string, detections: readonly Detection[]): Promise<void> {
    const { pusher, store } = this.o;
    if (pusher && !(await pusher.send(tenant, detections))) {
      this.pushBacklog = true;
      return;
    }
    await store.sources.markRunPushed(runId);
  }

  /**
   * Pushes the detections of runs whose push failed or that a crash left unpushed, oldest first, until one fails
   * (Loki drops exact duplicates, so a line it already has adds nothing). Returns the runs pushed.
   */
  async resumePushes(): Promise<number> {
    const { pusher, store } = this.o;
    this.pushBacklog = false;
    let n = 0;
    for (const run of await store.sources.listUnpushedRuns(100)) {
      const items: Detection[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listDetections(run.tenant_id, { jobId: run.id }, { cursor, limit: 500 });
        for (const s of page.items) items.push(s.detection);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      if (pusher && !(await pusher.send(run.tenant_id, items))) {
        this.pushBacklog = true;
        break;
      }
      await store.sources.markRunPushed(run.id);
      n++;
    }
    return n;
  }

  private fetcher(def: PrometheusSource): SeriesFetcher {
    return (query, startMs, endMs) =>
      queryPrometheusRange(
        {
          url: def.url,
          timeoutMs: def.timeout,
          retries: def.retries,
          headers: def.headers,
          fetch: this.o.fetch,
        },
        { query, startMs, endMs, stepSeconds: def.step / 1000 },
      );
  }

  private async runSeries(
    source: PrometheusSource,
    state: SourceStateRecord | null,
    now: number,
    range?: RunRange,
  ): Promise<RunOutcome> {
    // One model per series, bounded by the source's max_series and by the tenant's series limit.
    const { metrics } = this.o;
    const room = metrics.seriesRoom(source.tenant, source.id);
    const def: LimitedSource =
      room < source.max_series
        ? { ...source, max_series: room, tenantLimit: metrics.tenantSeriesLimit }
        : source;
    const step = def.step;
    const fetch = this.fetcher(def);
    const suppressed = await this.o.suppressions(def.tenant);
    const latestEnd = Math.floor((now - def.delay) / step) * step;
    const online = state?.online ? (JSON.parse(state.online) as SeriesSourceState) : null;

    if (range) {
      // A backfill scores a past range with models fitted on the history before it; the live models stay.
      const from = Math.ceil(range.from / step) * step;
      const to = Math.min(Math.floor(range.to / step) * step, latestEnd);
      if (to < from) throw new SourceError('rejected', 'the backfill range is empty or in the future');
      const history = await pullSeries(def, fetch, from - def.lookback, from - step);
      const { state: fitted } = fitSeriesState(def, history);
      const pulled = await pullSeries(def, fetch, from, to);
      const r = scoreSeriesRun(def, def.tenant, fitted, pulled, suppressed);
      return {
        status: 'succeeded',
        items: r.points,
        series: r.series,
        detections: r.detections,
        patch: {},
        detail: `backfill of ${new Date(from).toISOString()} to ${new Date(to).toISOString()} (models fitted on the ${countPoints(history)} points before it)`,
        rangeFrom: String(from),
        rangeTo: String(to),
        limitError: r.overLimit?.message ?? null,
        trained: 0,
      };
    }

    if (!online || state?.watermark === null || state?.watermark === undefined) {
      const from = latestEnd - def.lookback;
      const history = await pullSeries(def, fetch, from, latestEnd);
      const { state: fitted, overLimit } = fitSeriesState(def, history);
      const version = await this.o.store.saveModel(def.tenant, modelName(def), JSON.stringify(fitted));
      return {
        status: 'succeeded',
        items: countPoints(history),
        series: Object.keys(fitted.series).length,
        detections: [],
        patch: {
          watermark: String(latestEnd + step),
          online: JSON.stringify(fitted),
          model_version: version,
          fitted_at: now,
          anomalies_since_fit: 0,
          shadow: null,
        },
        detail: `warm start on ${countPoints(history)} points of ${history.size} series (model version ${version})`,
        rangeFrom: String(from),
        rangeTo: String(latestEnd),
        limitError: overLimit?.message ?? null,
        trained: 1,
      };
    }

    const from = Number(state.watermark);
    const to = Math.min(latestEnd, from + def.max_range);
    if (to < from) return NO_NEW_DATA;
    const pulled = await pullSeries(def, fetch, from, to);
    const r = scoreSeriesRun(def, def.tenant, online, pulled, suppressed);
    const patch: SourceStatePatch = {
      watermark: String(to + step),
      online: JSON.stringify(r.state),
      anomalies_since_fit: (state.anomalies_since_fit ?? 0) + r.detections.length,
    };
    let trained = 0;
    let detail = `${r.points} points of ${r.series} series`;

    // Retraining: a candidate runs in shadow on the same points, then is promoted or dropped.
    const shadow = state.shadow ? (JSON.parse(state.shadow) as Shadow) : null;
    if (shadow?.series) {
      const c = scoreSeriesRun(def, def.tenant, shadow.series, pulled, suppressed);
      const cycle = recordShadowCycle(shadow.cycle, r.scores, c.scores, shadowOptions(def));
      const verdict = shadowVerdict(cycle, shadowOptions(def));
      if (verdict.decision === 'promote') {
        Object.assign(patch, {
          online: JSON.stringify({ ...c.state, reference_scores: c.state.recent_scores, recent_scores: [] }),
          model_version: shadow.version,
          fitted_at: now,
          anomalies_since_fit: 0,
          shadow: null,
        });
        detail += `; candidate version ${shadow.version} promoted (${verdict.detail})`;
      } else if (verdict.decision === 'reject') {
        patch.shadow = null;
        detail += `; candidate version ${shadow.version} rejected (${verdict.detail})`;
      } else {
        patch.shadow = JSON.stringify({ ...shadow, cycle, series: c.state });
      }
    } else {
      const decision =
        feedbackRetrain(r.suppressed) ??
        retrainReason(
          {
            fittedAt: state.fitted_at ?? 0,
            anomaliesSinceFit: patch.anomalies_since_fit ?? 0,
            referenceScores: r.state.reference_scores,
            recentScores: r.state.recent_scores,
          },
          now,
          retrainOptions(def),
        );
      if (decision.retrain) {
        const history = await pullSeries(def, fetch, to + step - def.lookback, to);
        const { state: candidate } = fitSeriesState(def, history);
        const version = await this.o.store.saveModel(def.tenant, modelName(def), JSON.stringify(candidate));
        const s: Shadow = { version, cycle: startShadow(version), series: candidate };
        patch.shadow = JSON.stringify(s);
        trained = 1;
        detail += `; retraining (${decision.detail}): candidate version ${version} in shadow`;
      }
    }
    return {
      status: 'succeeded',
      items: r.points,
      series: r.series,
      detections: r.detections,
      patch,
      detail,
      rangeFrom: String(from),
      rangeTo: String(to),
      limitError: r.overLimit?.message ?? null,
      trained,
    };
  }

  private lokiPages(def: LokiSource, start: bigint, end: bigint): AsyncGenerator<LokiEntry[]> {
    return queryLokiRange(
      {
        url: def.url,
        orgId: def.org_id,
        timeoutMs: def.timeout,
        retries: def.retries,
        headers: def.headers,
        fetch: this.o.fetch,
      },
      { query: def.query, start, end },
    );
  }

  private async runLogs(
    def: LokiSource,
    state: SourceStateRecord | null,
    now: number,
    range?: RunRange,
  ): Promise<RunOutcome> {
    const { store, scorer } = this.o;
    const suppressed = await this.o.suppressions(def.tenant);
    const latestEnd = BigInt(now - def.delay) * NS_PER_MS;
    let version = state?.model_version ?? null;
    let model: JobModel | null = null;
    if (version !== null) {
      const stored = await store.getModel(def.tenant, modelName(def), version);
      model = stored ? (JSON.parse(stored.state) as JobModel) : null;
    }
    let start: bigint;
    let end: bigint;
    if (range) {
      if (!model || version === null)
        throw new SourceError('rejected', 'the source has no model yet: wait for its first run');
      start = BigInt(range.from) * NS_PER_MS;
      end = BigInt(range.to) * NS_PER_MS;
      if (end > latestEnd) end = latestEnd;
    } else {
      start = state?.watermark ? BigInt(state.watermark) : latestEnd - BigInt(def.lookback) * NS_PER_MS;
      end = latestEnd;
      const cap = start + BigInt(def.max_range) * NS_PER_MS;
      if (end > cap) end = cap;
    }
    if (end <= start) return NO_NEW_DATA;

    const detections: Detection[] = [];
    const scores: number[] = [];
    let lines = 0;
    let suppressedLines = 0;
    let trained = 0;
    let pending: LokiEntry[] = [];
    let seq = 0;
    const scorePage = async (entries: LokiEntry[]) => {
      if (!model || version === null) return;
      const r = await scoreLogPage(scorer, def, def.tenant, { version, model }, entries, suppressed, seq++);
      detections.push(...r.detections);
      suppressedLines += r.suppressed;
      for (let i = 0; i < r.scores.length; i += Math.max(1, Math.floor(r.scores.length / 64)))
        scores.push(r.scores[i]);
    };
    for await (const page of this.lokiPages(def, start, end)) {
      lines += page.length;
      if (!model) {
        // First run: learn from the first lines, then score everything pulled.
        pending.push(...page);
        if (pending.length < def.train_lines) continue;
        ({ model, version } = await this.trainLog(def, pending));
        trained++;
      }
      const batch = pending.length > 0 ? pending.concat(page) : page;
      pending = [];
      for (let i = 0; i < batch.length; i += LOG_PAGE_LINES)
        await scorePage(batch.slice(i, i + LOG_PAGE_LINES));
    }
    if (!model && pending.length > 0) {
      ({ model, version } = await this.trainLog(def, pending));
      trained++;
    }
    for (let i = 0; i < pending.length; i += LOG_PAGE_LINES)
      await scorePage(pending.slice(i, i + LOG_PAGE_LINES));
    const patch: SourceStatePatch = range
      ? {}
      : {
          watermark: String(end),
          model_version: version,
          ...(trained ? { fitted_at: now } : {}),
          anomalies_since_fit: trained
            ? detections.length
            : (state?.anomalies_since_fit ?? 0) + detections.length,
        };
    let detail = `${lines} lines`;
    if (!range && !trained && model && state?.fitted_at) {
      const decision =
        feedbackRetrain(suppressedLines) ??
        retrainReason(
          {
            fittedAt: state.fitted_at,
            anomaliesSinceFit: patch.anomalies_since_fit ?? 0,
            referenceScores: [],
            recentScores: scores,
          },
          now,
          retrainOptions(def),
        );
      if (decision.retrain && lines >= 100) {
        // Logs: a retrained model is fitted on the newest lines and takes over at the next run.
        detail += `; retraining (${decision.detail}) at the next run`;
        patch.model_version = null;
        patch.watermark = String(end);
      }
    }
    return {
      status: 'succeeded',
      items: lines,
      series: 0,
      detections,
      patch,
      detail,
      rangeFrom: String(start),
      rangeTo: String(end),
      limitError: null,
      trained,
    };
  }

  private async trainLog(
    def: LokiSource,
    entries: LokiEntry[],
  ): Promise<{ model: JobModel; version: number }> {
    const model = await trainLogSource(
      this.o.scorer,
      def,
      entries.slice(0, def.train_lines).map((e) => e.line),
    );
    const version = await this.o.store.saveModel(def.tenant, modelName(def), JSON.stringify(model));
    return { model, version };
  }
}

interface RunOutcome {
  status: 'succeeded' | 'skipped';
  items: number;
  series: number;
  detections: Detection[];
  patch: SourceStatePatch;
  detail: string;
  rangeFrom: string | null;
  rangeTo: string | null;
  limitError: string | null;
  trained: number;
}

/**
 * Feedback in retraining: when users marked what the model still flags as "not an anomaly", the model is refitted
 * on recent data, where that behaviour is part of normal, instead of only hiding it.
 */
function feedbackRetrain(suppressed: number): { retrain: true; detail: string } | null {
  return suppressed > 0
    ? { retrain: true, detail: `${suppressed} alerts of patterns marked "not an anomaly"` }
    : null;
}

/** A run that found nothing after the watermark. */
const NO_NEW_DATA: Readonly<RunOutcome> = {
  status: 'succeeded',
  items: 0,
  series: 0,
  detections: [],
  patch: {},
  detail: 'no new data yet',
  rangeFrom: null,
  rangeTo: null,
  limitError: null,
  trained: 0,
};

/** Name of a source's models in the store's versioned models. */
export function modelName(def: { id: string }): string {
  return `source:${def.id}`;
}

/** The watermark of a source as epoch ms. */
export function watermarkMs(def: { kind: string }, watermark: string): number {
  return def.kind === 'loki' ? Number(BigInt(watermark) / NS_PER_MS) : Number(watermark);
}

function countPoints(m: Map<string, { timestamps: Float64Array }>): number {
  let n = 0;
  for (const s of m.values()) n += s.timestamps.length;
  return n;
}

function retrainOptions(def: SourceDefinition) {
  return {
    intervalMs: def.retrain.interval,
    maxAnomaliesSinceFit: def.retrain.max_anomalies,
    psiThreshold: def.retrain.psi_threshold,
  };
}

function shadowOptions(def: SourceDefinition) {
  return { cycles: def.retrain.shadow_runs, threshold: def.threshold };
}
