import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Cache } from '../cache/cache.js';
import type { JobProcessor } from '../jobs/job-processor.js';
import type { JobTask } from '../jobs/tasks.js';
import type { WorkQueue } from '../queue/work-queue.js';
import type { LlmExplainer } from '../service/enrichment.js';
import type { TenantService } from '../services/tenants.js';
import type { UploadService } from '../services/uploads.js';
import type { SourceMetrics } from '../sources/source-metrics.js';
import type { SourceRunner } from '../sources/source-runner.js';
import type { SourceScheduler } from '../sources/source-scheduler.js';
import type { Store } from '../store/store.js';
import type { Metrics } from './metrics.js';
import type { TenantVariables } from './middleware/api-key/index.js';

/** What the routes work with. */
export interface AppDeps {
  store: Store;
  tenants: TenantService;
  uploads: UploadService;
  processor: JobProcessor;
  queue: WorkQueue<JobTask>;
  metrics: Metrics;
  /** Hot reads (job status, anomaly lists), for a second at most; Redis when configured, so shared. */
  cache: Cache;
  adminKey: string | null;
  /** Explanations by the local LLM on demand; null when no LLM is configured. */
  llm: LlmExplainer | null;
  /** Scheduled pulls of Loki and Prometheus sources; null in a process that does not run them. */
  sources: { scheduler: SourceScheduler; runner: SourceRunner; metrics: SourceMetrics } | null;
  /** Each dependency's health, for `/readyz`. */
  readiness: () => Promise<Record<string, { ok: boolean; error?: string }>>;
}

/** What the app's middleware and routes keep on a request's context. */
export interface AppVariables extends TenantVariables {
  /** Set by the plugin proxy when it forwarded the request through the app, which measures the forwarded one. */
  forwarded?: boolean;
}

/** The app's type: Hono with the caller's tenant in its variables. */
export type ApiApp = OpenAPIHono<{ Variables: AppVariables }>;
