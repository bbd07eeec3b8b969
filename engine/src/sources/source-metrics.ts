import { Counter, Gauge, type Registry } from 'prom-client';
import type { Detection } from '../model/detection.js';
import { severityFromScore } from '../model/score.js';
import type { SeriesLatest } from './series-source.js';

/** Options of {@link SourceMetrics}. */
export interface SourceMetricsOptions {
  registry: Registry;
  /** Exported series per tenant at most (the gauges' cardinality). @defaultValue 1000 */
  tenantSeriesLimit?: number;
  /** Reads a source's watermark time (epoch ms) and last success, at scrape time. */
  now?: () => number;
}

interface SourceHealth {
  watermarkMs: number | null;
  lastSuccessMs: number | null;
}

/**
 * The metrics of scheduled sources, with the names the alert rules and dashboards use: per monitored series the
 * score, expected value and band (one series each, capped per tenant), detections by severity, active anomalies,
 * models trained, and each source's last success, lag and errors. Never a label per template or line.
 */
export class SourceMetrics {
  private readonly latest = new Map<
    string,
    Map<string, { source: string; series: string; p: SeriesLatest }>
  >();
  private readonly health = new Map<string, SourceHealth & { tenant: string; source: string }>();
  private readonly thresholds = new Map<string, number>();
  private readonly limit: number;
  private readonly now: () => number;
  readonly detections: Counter<'tenant' | 'source' | 'severity'>;
  readonly modelsTrained: Counter<'tenant' | 'source'>;
  readonly sourceErrors: Counter<'tenant' | 'source'>;
  readonly lokiDropped: Counter<'tenant' | 'reason'>;
  readonly lokiPushed: Counter<'tenant'>;

  constructor({ registry, tenantSeriesLimit = 1000, now = Date.now }: SourceMetricsOptions) {
    this.limit = tenantSeriesLimit;
    this.now = now;
    const registers = [registry];
    const series = (name: string, help: string, pick: (p: SeriesLatest) => number) => {
      const latest = this.latest;
      return new Gauge({
        name,
        help,
        labelNames: ['tenant', 'source', 'series'] as const,
        registers,
        collect() {
          this.reset();
          for (const [tenant, m] of latest)
            for (const { source, series: s, p } of m.values()) {
              const v = pick(p);
              if (Number.isFinite(v)) this.set({ tenant, source, series: s }, v);
            }
        },
      });
    };
    series(
      'outlier_anomaly_score',
      'Anomaly score in [0,1] of the latest point of each monitored series',
      (p) => p.score,
    );
    series(
      'outlier_expected_value',
      'Expected value of the latest point of each monitored series',
      (p) => p.expected,
    );
    series(
      'outlier_expected_lower',
      'Lower edge of the normal band (at the threshold) of each series',
      (p) => p.lower,
    );
    series(
      'outlier_expected_upper',
      'Upper edge of the normal band (at the threshold) of each series',
      (p) => p.upper,
    );
    const latest = this.latest;
    const thresholds = this.thresholds;
    new Gauge({
      name: 'outlier_active_anomalies',
      help: 'Monitored series whose latest score is at or above the threshold, by severity of that score',
      labelNames: ['tenant', 'severity'] as const,
      registers,
      collect() {
        this.reset();
        for (const [tenant, m] of latest) {
          const counts: Record<string, number> = { low: 0, medium: 0, high: 0, critical: 0 };
          for (const { source, p } of m.values())
            if (p.score >= (thresholds.get(`${tenant}/${source}`) ?? 0.5))
              counts[severityFromScore(p.score)]++;
          for (const [severity, n] of Object.entries(counts)) this.set({ tenant, severity }, n);
        }
      },
    });
    const health = this.health;
    const clock = this.now;
    new Gauge({
      name: 'outlier_source_last_success_timestamp_seconds',
      help: 'When a source last completed a pull',
      labelNames: ['tenant', 'source'] as const,
      registers,
      collect() {
        this.reset();
        for (const h of health.values())
          if (h.lastSuccessMs !== null)
            this.set({ tenant: h.tenant, source: h.source }, h.lastSuccessMs / 1000);
      },
    });
    new Gauge({
      name: 'outlier_source_lag_seconds',
      help: 'How far behind now the data a source has scored ends',
      labelNames: ['tenant', 'source'] as const,
      registers,
      collect() {
        this.reset();
        const t = clock();
        for (const h of health.values())
          if (h.watermarkMs !== null)
            this.set({ tenant: h.tenant, source: h.source }, Math.max(0, (t - h.watermarkMs) / 1000));
      },
    });
    this.detections = new Counter({
      name: 'outlier_detections_total',
      help: 'Detections stored from scheduled sources, by severity',
      labelNames: ['tenant', 'source', 'severity'] as const,
      registers,
    });
    this.modelsTrained = new Counter({
      name: 'outlier_models_trained_total',
      help: 'Models fitted for a source (warm starts and retrained candidates)',
      labelNames: ['tenant', 'source'] as const,
      registers,
    });
    this.sourceErrors = new Counter({
      name: 'outlier_source_errors_total',
      help: 'Failed pulls of a source',
      labelNames: ['tenant', 'source'] as const,
      registers,
    });
    this.lokiPushed = new Counter({
      name: 'outlier_loki_pushed_lines_total',
      help: 'Detection lines accepted by Loki',
      labelNames: ['tenant'] as const,
      registers,
    });
    this.lokiDropped = new Counter({
      name: 'outlier_loki_dropped_lines_total',
      help: 'Detection lines not delivered to Loki (buffer full or rejected)',
      labelNames: ['tenant', 'reason'] as const,
      registers,
    });
  }

  /** Sets the latest points of a source's series (replacing what it had), within the tenant's limit. */
  setSeries(
    tenant: string,
    source: string,
    threshold: number,
    points: Iterable<[string, SeriesLatest | null]>,
  ): void {
    this.thresholds.set(`${tenant}/${source}`, threshold);
    let m = this.latest.get(tenant);
    if (!m) {
      m = new Map();
      this.latest.set(tenant, m);
    }
    for (const key of [...m.keys()]) if (key.startsWith(`${source}\u0000`)) m.delete(key);
    for (const [series, p] of points) {
      if (!p || m.size >= this.limit) continue;
      m.set(`${source}\u0000${series}`, { source, series, p });
    }
  }

  /** How many series a source may monitor: the tenant's limit less what its other sources monitor. */
  seriesRoom(tenant: string, source: string): number {
    let others = 0;
    for (const v of this.latest.get(tenant)?.values() ?? []) if (v.source !== source) others++;
    return Math.max(0, this.limit - others);
  }

  /** The per-tenant series limit. */
  get tenantSeriesLimit(): number {
    return this.limit;
  }

  /** Forgets a deleted source. */
  dropSource(tenant: string, source: string): void {
    this.setSeries(tenant, source, 0.5, []);
    this.health.delete(`${tenant}/${source}`);
  }

  /** Records a source's watermark and last success. */
  setHealth(tenant: string, source: string, h: SourceHealth): void {
    this.health.set(`${tenant}/${source}`, { tenant, source, ...h });
  }

  /** Counts newly stored detections. */
  countDetections(tenant: string, source: string, detections: readonly Detection[]): void {
    for (const d of detections) this.detections.inc({ tenant, source, severity: d.severity ?? 'none' });
  }
}
