import { createRoute, z } from '@hono/zod-openapi';
import { InvalidSourceError, parseSourceDefinition } from '../../sources/source-definition.js';
import { modelName, watermarkMs } from '../../sources/source-runner.js';
import { recordOf } from '../../sources/source-scheduler.js';
import type { SourceRecord, SourceRunRecord, SourceStateRecord } from '../../store/source-records.js';
import type { ApiApp, AppDeps } from '../app-types.js';
import { ApiError, notFound } from '../errors.js';
import { errors } from '../schemas.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const SourceSchema = z
  .object({
    id: z.string(),
    tenant: z.string(),
    kind: z.enum(['prometheus', 'loki']),
    origin: z.enum(['file', 'api']),
    definition: z.record(z.string(), z.unknown()).describe('As written (durations such as "5m")'),
    state: z.object({
      watermark: z.string().nullable().describe('End of what has been scored (RFC 3339)'),
      model_version: z.number().nullable(),
      candidate_version: z.number().nullable().describe('A retrained model running in shadow'),
      fitted_at: z.string().nullable(),
      last_run_at: z.string().nullable(),
      last_success_at: z.string().nullable(),
      last_error: z.object({ code: z.string(), message: z.string() }).nullable(),
      errors_total: z.number(),
      runs_total: z.number(),
      running: z.boolean(),
    }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Source');

const RunSchema = z
  .object({
    id: z.string(),
    reason: z.enum(['schedule', 'backfill', 'manual']),
    status: z.enum(['running', 'succeeded', 'failed', 'skipped']),
    range_from: z.string().nullable(),
    range_to: z.string().nullable(),
    started_at: z.string(),
    finished_at: z.string().nullable(),
    items: z.number().describe('Points or lines pulled'),
    series: z.number(),
    detections: z.number(),
    pushed: z.boolean(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    detail: z.string().nullable(),
  })
  .openapi('SourceRun');

const RunSummarySchema = z
  .object({
    run_id: z.string().nullable(),
    status: z.enum(['succeeded', 'failed', 'skipped']),
    items: z.number(),
    detections: z.number(),
    detail: z.string().nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .openapi('SourceRunSummary');

const Definition = z.record(z.string(), z.unknown()).openapi('SourceDefinition', {
  description:
    'kind: prometheus (url, queries, step, max_series, …) or loki (url, query, org_id, session_key, …); both: id, schedule (cron), lookback, delay, max_range, timeout, retries, threshold, retrain',
});
const SourceParam = z.object({ id: z.string().min(1).max(63) });
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

function rangeTime(text: string, what: string): number {
  const t = Date.parse(text);
  if (!Number.isFinite(t))
    throw new ApiError(400, 'invalid_request', `${what}: "${text}" is not an RFC 3339 time`);
  return t;
}

const routes = {
  list: createRoute({
    method: 'get',
    path: '/api/v1/sources',
    tags: ['sources'],
    summary: 'The tenant’s scheduled sources (Loki, Prometheus) with their state',
    responses: { 200: json(z.object({ items: z.array(SourceSchema) }), 'Sources'), ...errors() },
  }),
  create: createRoute({
    method: 'post',
    path: '/api/v1/sources',
    tags: ['sources'],
    summary: 'Create a source',
    request: { body: { content: { 'application/json': { schema: Definition } }, required: true } },
    responses: { 201: json(SourceSchema, 'Created'), ...errors(400, 409) },
  }),
  get: createRoute({
    method: 'get',
    path: '/api/v1/sources/{id}',
    tags: ['sources'],
    summary: 'One source',
    request: { params: SourceParam },
    responses: { 200: json(SourceSchema, 'The source'), ...errors(404) },
  }),
  update: createRoute({
    method: 'put',
    path: '/api/v1/sources/{id}',
    tags: ['sources'],
    summary: 'Replace a source’s definition (its watermark and models stay)',
    request: {
      params: SourceParam,
      body: { content: { 'application/json': { schema: Definition } }, required: true },
    },
    responses: { 200: json(SourceSchema, 'Updated'), ...errors(400, 404) },
  }),
  remove: createRoute({
    method: 'delete',
    path: '/api/v1/sources/{id}',
    tags: ['sources'],
    summary: 'Delete a source with its state and runs (its detections stay)',
    request: { params: SourceParam },
    responses: { 204: { description: 'Deleted' }, ...errors(404) },
  }),
  runs: createRoute({
    method: 'get',
    path: '/api/v1/sources/{id}/runs',
    tags: ['sources'],
    summary: 'A source’s latest runs, with every failure',
    request: {
      params: SourceParam,
      query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
    },
    responses: { 200: json(z.object({ items: z.array(RunSchema) }), 'Runs, newest first'), ...errors(404) },
  }),
  run: createRoute({
    method: 'post',
    path: '/api/v1/sources/{id}/run',
    tags: ['sources'],
    summary: 'Pull the source now (as its schedule would) and wait for the run',
    request: { params: SourceParam },
    responses: { 200: json(RunSummarySchema, 'The run'), ...errors(404) },
  }),
  backfill: createRoute({
    method: 'post',
    path: '/api/v1/sources/{id}/backfill',
    tags: ['sources'],
    summary: 'Score a past range with models fitted on the history before it; live models stay',
    request: {
      params: SourceParam,
      body: {
        content: { 'application/json': { schema: z.object({ from: z.string(), to: z.string() }) } },
        required: true,
      },
    },
    responses: { 200: json(RunSummarySchema, 'The run'), ...errors(400, 404) },
  }),
  models: createRoute({
    method: 'get',
    path: '/api/v1/sources/{id}/models',
    tags: ['sources'],
    summary: 'Model versions of a source (every fit and retrained candidate is kept)',
    request: { params: SourceParam },
    responses: {
      200: json(
        z.object({
          items: z.array(z.object({ version: z.number(), active: z.boolean(), candidate: z.boolean() })),
        }),
        'Versions, newest first',
      ),
      ...errors(404),
    },
  }),
  rollback: createRoute({
    method: 'post',
    path: '/api/v1/sources/{id}/rollback',
    tags: ['sources'],
    summary: 'Make an earlier model version the active one (drops a candidate in shadow)',
    request: {
      params: SourceParam,
      body: {
        content: { 'application/json': { schema: z.object({ version: z.number().int().min(1) }) } },
        required: true,
      },
    },
    responses: { 200: json(SourceSchema, 'The source with its new active model'), ...errors(400, 404, 409) },
  }),
};

function runView(r: SourceRunRecord): z.infer<typeof RunSchema> {
  return {
    id: r.id,
    reason: r.reason,
    status: r.status,
    range_from: r.range_from,
    range_to: r.range_to,
    started_at: new Date(r.started_at).toISOString(),
    finished_at: iso(r.finished_at),
    items: r.items,
    series: r.series,
    detections: r.detections,
    pushed: r.pushed,
    error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
    detail: r.detail,
  };
}

/** `/api/v1/sources`: scheduled pulls from Loki and Prometheus. */
export function registerSourceRoutes(app: ApiApp, deps: AppDeps): void {
  const service = () => {
    if (!deps.sources)
      throw new ApiError(409, 'sources_disabled', 'this engine process does not run sources');
    return deps.sources;
  };
  const view = async (
    s: SourceRecord,
    state?: SourceStateRecord | null,
  ): Promise<z.infer<typeof SourceSchema>> => {
    const st = state === undefined ? await deps.store.sources.getSourceState(s.tenant_id, s.id) : state;
    const shadow = st?.shadow ? (JSON.parse(st.shadow) as { version?: number }) : null;
    return {
      id: s.id,
      tenant: s.tenant_id,
      kind: s.kind,
      origin: s.origin,
      definition: s.definition,
      state: {
        watermark: st?.watermark ? iso(watermarkMs(s, st.watermark)) : null,
        model_version: st?.model_version ?? null,
        candidate_version: shadow?.version ?? null,
        fitted_at: iso(st?.fitted_at ?? null),
        last_run_at: iso(st?.last_run_at ?? null),
        last_success_at: iso(st?.last_success_at ?? null),
        last_error: st?.last_error_code
          ? { code: st.last_error_code, message: st.last_error_message ?? '' }
          : null,
        errors_total: st?.errors_total ?? 0,
        runs_total: st?.runs_total ?? 0,
        running: deps.sources?.runner.isRunning(s.tenant_id, s.id) ?? false,
      },
      created_at: new Date(s.created_at).toISOString(),
      updated_at: new Date(s.updated_at).toISOString(),
    };
  };
  const load = async (tenant: string, id: string) => {
    const s = await deps.store.sources.getSource(tenant, id);
    if (!s) throw notFound('source', id);
    return s;
  };
  const validate = (tenant: string, body: Record<string, unknown>) => {
    if (body.tenant !== undefined && body.tenant !== tenant)
      throw new ApiError(
        400,
        'invalid_source',
        `tenant: a source belongs to the caller's tenant (${tenant})`,
      );
    try {
      return parseSourceDefinition({ ...body, tenant });
    } catch (err) {
      if (err instanceof InvalidSourceError) throw new ApiError(400, 'invalid_source', err.message);
      throw err;
    }
  };

  app.openapi(routes.list, async (c) => {
    const items = await deps.store.sources.listSources(c.get('tenant'));
    return c.json({ items: await Promise.all(items.map((s) => view(s))) }, 200);
  });
  app.openapi(routes.create, async (c) => {
    const tenant = c.get('tenant');
    const body = c.req.valid('json');
    const def = validate(tenant, body);
    if (await deps.store.sources.getSource(tenant, def.id))
      throw new ApiError(
        409,
        'source_exists',
        `source "${def.id}" exists: PUT /api/v1/sources/${def.id} changes it`,
      );
    const record = await deps.store.sources.upsertSource(recordOf(body, def, 'api'));
    service().scheduler.schedule(record);
    return c.json(await view(record), 201);
  });
  app.openapi(routes.get, async (c) =>
    c.json(await view(await load(c.get('tenant'), c.req.valid('param').id)), 200),
  );
  app.openapi(routes.update, async (c) => {
    const tenant = c.get('tenant');
    const { id } = c.req.valid('param');
    await load(tenant, id);
    const body = c.req.valid('json');
    if (body.id !== undefined && body.id !== id)
      throw new ApiError(400, 'invalid_source', `id: the body says "${String(body.id)}", the path "${id}"`);
    const def = validate(tenant, { ...body, id });
    const record = await deps.store.sources.upsertSource(recordOf({ ...body, id }, def, 'api'));
    service().scheduler.schedule(record);
    return c.json(await view(record), 200);
  });
  app.openapi(routes.remove, async (c) => {
    const tenant = c.get('tenant');
    const { id } = c.req.valid('param');
    await load(tenant, id);
    deps.sources?.scheduler.unschedule(tenant, id);
    await deps.store.sources.deleteSource(tenant, id);
    deps.sources?.metrics.dropSource(tenant, id);
    return c.body(null, 204);
  });
  app.openapi(routes.runs, async (c) => {
    const tenant = c.get('tenant');
    const { id } = c.req.valid('param');
    await load(tenant, id);
    const runs = await deps.store.sources.listSourceRuns(tenant, id, c.req.valid('query').limit);
    return c.json({ items: runs.map(runView) }, 200);
  });
  app.openapi(routes.run, async (c) => {
    const record = await load(c.get('tenant'), c.req.valid('param').id);
    return c.json(await service().scheduler.runNow(record), 200);
  });
  app.openapi(routes.backfill, async (c) => {
    const record = await load(c.get('tenant'), c.req.valid('param').id);
    const body = c.req.valid('json');
    const from = rangeTime(body.from, 'from');
    const to = rangeTime(body.to, 'to');
    if (to <= from) throw new ApiError(400, 'invalid_request', 'to: must be after from');
    return c.json(await service().scheduler.runNow(record, { from, to }), 200);
  });
  app.openapi(routes.models, async (c) => {
    const tenant = c.get('tenant');
    const record = await load(tenant, c.req.valid('param').id);
    const latest = await deps.store.getModel(tenant, modelName(record));
    const state = await deps.store.sources.getSourceState(tenant, record.id);
    const candidate = state?.shadow ? (JSON.parse(state.shadow) as { version?: number }).version : undefined;
    const items = [];
    for (let v = latest?.version ?? 0; v >= 1; v--)
      items.push({ version: v, active: state?.model_version === v, candidate: candidate === v });
    return c.json({ items }, 200);
  });
  app.openapi(routes.rollback, async (c) => {
    const tenant = c.get('tenant');
    const record = await load(tenant, c.req.valid('param').id);
    const { version } = c.req.valid('json');
    const model = await deps.store.getModel(tenant, modelName(record), version);
    if (!model)
      throw new ApiError(400, 'unknown_version', `source "${record.id}" has no model version ${version}`);
    if (deps.sources?.runner.isRunning(tenant, record.id))
      throw new ApiError(409, 'source_running', 'a run of this source is in progress: retry when it ends');
    await deps.store.sources.patchSourceState(tenant, record.id, {
      model_version: version,
      ...(record.kind === 'prometheus' ? { online: model.state } : {}),
      shadow: null,
      fitted_at: Date.now(),
      anomalies_since_fit: 0,
    });
    const state = await deps.store.sources.getSourceState(tenant, record.id);
    deps.sources?.runner.exportState(parseSourceDefinition(record.definition), state);
    return c.json(await view(record, state), 200);
  });
}
