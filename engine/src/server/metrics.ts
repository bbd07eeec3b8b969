import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Detection } from '../model/detection.js';
import type { JobStatus } from '../store/store.js';

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Jobs by state, read at scrape time. */
  jobsByState?: () => Promise<Partial<Record<JobStatus, number>>>;
  /** Queue depth, read at scrape time. */
  queueDepth?: () => Promise<number>;
}

/** The service's metrics, on its own registry (never the global one). */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  linesProcessed: Counter;
  bytesProcessed: Counter;
  chunkSeconds: Histogram;
  anomalies: Counter<'tenant' | 'kind' | 'severity'>;
  /** Counts a batch of stored anomalies. */
  countAnomalies(tenant: string, detections: readonly Detection[]): void;
}

const JOB_STATES: JobStatus[] = ['uploading', 'pending', 'processing', 'completed', 'failed', 'cancelled'];

/** Creates the metrics; gauges are filled at scrape time. */
export function createMetrics({ jobsByState, queueDepth }: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const httpRequests = new Counter({
    name: 'outlier_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'outlier_http_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const linesProcessed = new Counter({
    name: 'outlier_lines_processed_total',
    help: 'Log lines scored',
    registers: [registry],
  });
  const bytesProcessed = new Counter({
    name: 'outlier_bytes_processed_total',
    help: 'Log bytes scored',
    registers: [registry],
  });
  const chunkSeconds = new Histogram({
    name: 'outlier_chunk_processing_seconds',
    help: 'Time to score one uploaded chunk, from reading it to storing its detections',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  });
  const anomalies = new Counter({
    name: 'outlier_anomalies_total',
    help: 'Anomalies stored, by tenant, kind and severity',
    labelNames: ['tenant', 'kind', 'severity'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'outlier_jobs',
    help: 'Jobs by state',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      if (!jobsByState) return;
      const counts = await jobsByState();
      for (const s of JOB_STATES) this.set({ state: s }, counts[s] ?? 0);
    },
  });
  new Gauge({
    name: 'outlier_queue_depth',
    help: 'Tasks waiting or in work in the job queue',
    registers: [registry],
    async collect() {
      if (queueDepth) this.set(await queueDepth());
    },
  });
  return {
    registry,
    httpRequests,
    httpDuration,
    linesProcessed,
    bytesProcessed,
    chunkSeconds,
    anomalies,
    countAnomalies(tenant, detections) {
      for (const d of detections)
        if (d.severity) anomalies.inc({ tenant, kind: d.kind, severity: d.severity });
    },
  };
}
