import { randomUUID } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { suppressionPattern } from '../../jobs/suppression.js';
import { SEVERITIES } from '../../model/score.js';
import type { StoredDetection } from '../../store/store.js';
import type { ApiApp, AppDeps } from '../app-types.js';
import { cachedJson } from '../cached.js';
import { ApiError, notFound } from '../errors.js';
import { ApiDetectionSchema, errors, IdParam } from '../schemas.js';

const severityList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const list = v.split(',').map((s) => s.trim());
    for (const s of list)
      if (!(SEVERITIES as readonly string[]).includes(s)) {
        ctx.addIssue({ code: 'custom', message: `unknown severity "${s}"; use ${SEVERITIES.join(', ')}` });
        return z.NEVER;
      }
    return list as (typeof SEVERITIES)[number][];
  })
  .openapi({ type: 'string', description: 'Comma-separated: low, medium, high, critical' });

const time = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined) return undefined;
    const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(t)) {
      ctx.addIssue({ code: 'custom', message: `"${v}" is not an RFC 3339 time or epoch milliseconds` });
      return z.NEVER;
    }
    return t;
  })
  .openapi({ type: 'string', description: 'RFC 3339 or epoch milliseconds' });

const list = createRoute({
  method: 'get',
  path: '/api/v1/anomalies',
  tags: ['anomalies'],
  summary: 'Stored anomalies, newest first, filtered (keyset pagination)',
  request: {
    query: z.object({
      from: time,
      to: time,
      service: z.string().max(200).optional(),
      source: z.string().max(200).optional(),
      job: z.string().max(200).optional(),
      kind: z.enum(['line', 'session', 'window', 'point']).optional(),
      severity: severityList,
      q: z
        .string()
        .max(200)
        .optional()
        .openapi({ description: 'Text in the template, explanation, service or samples' }),
      cursor: z.string().max(500).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
  },
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

/** A stored detection in the API's shape. */
export function detectionView(s: StoredDetection): z.infer<typeof ApiDetectionSchema> {
  const llm = s.llm;
  return {
    ...s.detection,
    job_id: s.job_id,
    llm_explanation:
      llm && typeof llm.text === 'string'
        ? {
            text: llm.text,
            likely_cause: typeof llm.likely_cause === 'string' ? llm.likely_cause : null,
            model: typeof llm.model === 'string' ? llm.model : null,
          }
        : null,
  };
}

/** `/api/v1/anomalies`, feedback, and `/latest-anomalies`. */
export function registerAnomalyRoutes(app: ApiApp, deps: AppDeps): void {
  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const tenant = c.get('tenant');
    const key = `anomalies:${tenant}:${new URL(c.req.url).search}`;
    const page = await cachedJson(deps.cache, key, 1_000, async () => {
      const stored = await deps.store.listDetections(
        tenant,
        {
          from: q.from,
          to: q.to,
          service: q.service,
          source: q.source,
          jobId: q.job,
          kind: q.kind,
          severities: q.severity,
          text: q.q,
        },
        { cursor: q.cursor, limit: q.limit },
      );
      return { items: stored.items.map(detectionView), next_cursor: stored.next_cursor };
    });
    return c.json(page, 200);
  });

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

  app.openapi(latest, async (c) => {
    const { limit } = c.req.valid('query');
    const page = await deps.store.listDetections(c.get('tenant'), {}, { limit });
    return c.json(page.items.map(detectionView), 200);
  });
}
