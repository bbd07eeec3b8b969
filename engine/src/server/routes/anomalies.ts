import { randomUUID } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { suppressionPattern } from '../../jobs/suppression.js';
import type { ApiApp, AppDeps } from '../app-types.js';
import { cachedJson } from '../cached.js';
import { ApiError, notFound } from '../errors.js';
import {
  AnomalyListQuery,
  ApiDetectionSchema,
  detectionFilter,
  detectionView,
  errors,
  IdParam,
} from '../schemas.js';
import { registerAnomalyExplainRoute } from './anomaly-explain.js';
import { registerAnomalyExplorerRoutes } from './anomaly-explorer.js';

const list = createRoute({
  method: 'get',
  path: '/api/v1/anomalies',
  tags: ['anomalies'],
  summary: 'Stored anomalies, filtered and sorted (keyset pagination)',
  description:
    'Newest first by default; `sort=score_desc` lists the worst first. Ties are broken by id, so pages never lose or repeat an item; a `next_cursor` continues only the sort it was made with (another sort is a 400 `invalid_cursor`).',
  request: { query: AnomalyListQuery },
  responses: {
    200: {
      description: 'A page of anomalies',
      content: {
        'application/json': {
          schema: z.object({ items: z.array(ApiDetectionSchema), next_cursor: z.string().nullable() }),
        },
      },
    },
    ...errors(400),
  },
});

const get = createRoute({
  method: 'get',
  path: '/api/v1/anomalies/{id}',
  tags: ['anomalies'],
  summary: 'One anomaly with its evidence',
  request: { params: IdParam },
  responses: {
    200: { description: 'The anomaly', content: { 'application/json': { schema: ApiDetectionSchema } } },
    ...errors(404),
  },
});

const FeedbackBody = z.object({
  verdict: z.enum(['not_anomaly', 'confirmed']),
  note: z.string().max(2000).optional(),
});

const feedback = createRoute({
  method: 'post',
  path: '/api/v1/anomalies/{id}/feedback',
  tags: ['anomalies'],
  summary: 'Say whether an anomaly was one; `not_anomaly` suppresses its pattern in later scoring',
  description:
    'The pattern is the line’s template, or the service and strongest detector of a window or session. The newest verdict on a pattern wins, so `confirmed` lifts an earlier suppression.',
  request: {
    params: IdParam,
    body: { content: { 'application/json': { schema: FeedbackBody } }, required: true },
  },
  responses: {
    201: {
      description: 'Stored',
      content: {
        'application/json': {
          schema: z.object({
            id: z.string(),
            detection_id: z.string(),
            verdict: z.string(),
            pattern: z.string(),
          }),
        },
      },
    },
    ...errors(400, 404),
  },
});

const latest = createRoute({
  method: 'get',
  path: '/latest-anomalies',
  tags: ['anomalies'],
  summary: 'The latest anomalies as an array (the seed systems’ route)',
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }) },
  responses: {
    200: {
      description: 'Latest anomalies',
      content: { 'application/json': { schema: z.array(ApiDetectionSchema) } },
    },
    ...errors(400),
  },
});

/** `/api/v1/anomalies` (list, histogram, facets, one, feedback, explain) and `/latest-anomalies`. */
export function registerAnomalyRoutes(app: ApiApp, deps: AppDeps): void {
  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const tenant = c.get('tenant');
    // The validated query, sort included, so equal requests share an entry however their URLs are spelled.
    const key = `anomalies:${tenant}:list:${JSON.stringify(q)}`;
    const page = await cachedJson(deps.cache, key, 1_000, async () => {
      const stored = await deps.store.listDetections(tenant, detectionFilter(q), {
        cursor: q.cursor,
        limit: q.limit,
        sort: q.sort,
      });
      return { items: stored.items.map(detectionView), next_cursor: stored.next_cursor };
    });
    return c.json(page, 200);
  });

  // Before `/api/v1/anomalies/{id}`, which would otherwise take `histogram` and `facets` for ids.
  registerAnomalyExplorerRoutes(app, deps);

  app.openapi(get, async (c) => {
    const { id } = c.req.valid('param');
    const found = await deps.store.getDetection(c.get('tenant'), id);
    if (!found) throw notFound('anomaly', id);
    return c.json(detectionView(found), 200);
  });

  app.openapi(feedback, async (c) => {
    const { id } = c.req.valid('param');
    const tenant = c.get('tenant');
    const found = await deps.store.getDetection(tenant, id);
    if (!found) throw notFound('anomaly', id);
    const body = c.req.valid('json');
    const pattern = suppressionPattern(found.detection);
    if (pattern.length > 4000)
      throw new ApiError(400, 'pattern_too_long', 'this anomaly’s pattern is too long to store');
    const record = {
      id: randomUUID(),
      tenant_id: tenant,
      detection_id: id,
      verdict: body.verdict,
      kind: found.detection.kind,
      pattern,
      note: body.note ?? null,
      created_at: Date.now(),
    };
    await deps.store.addFeedback(record);
    deps.processor.forgetSuppressions(tenant);
    await deps.cache.deletePrefix(`anomalies:${tenant}:`).catch(() => {});
    return c.json({ id: record.id, detection_id: id, verdict: record.verdict, pattern }, 201);
  });

  registerAnomalyExplainRoute(app, deps);

  app.openapi(latest, async (c) => {
    const { limit } = c.req.valid('query');
    const page = await deps.store.listDetections(c.get('tenant'), {}, { limit });
    return c.json(page.items.map(detectionView), 200);
  });
}
