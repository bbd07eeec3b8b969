import { createRoute, z } from '@hono/zod-openapi';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { LlmExplainError } from '../../service/enrichment.js';
import type { ApiApp, AppDeps } from '../app-types.js';
import { ApiError, notFound } from '../errors.js';
import { ApiDetectionSchema, detectionView, ErrorSchema, errors, IdParam } from '../schemas.js';

const explain = createRoute({
  method: 'post',
  path: '/api/v1/anomalies/{id}/explain',
  tags: ['anomalies'],
  summary: 'Ask the local LLM to explain an anomaly now',
  description:
    'Stores the answer beside the anomaly (as the background explanations do) and returns the anomaly with `llm_explanation`. An anomaly already explained is returned as it is, unless `refresh=true`. 409 `llm_not_configured` when the engine has no `OLLAMA_HOST`/`OLLAMA_MODEL`.',
  request: {
    params: IdParam,
    query: z.object({
      refresh: z
        .enum(['true', 'false'])
        .default('false')
        .transform((v) => v === 'true')
        .openapi({ description: 'Ask again even when an explanation is stored (and skip cached answers)' }),
    }),
  },
  responses: {
    200: {
      description: 'The explained anomaly',
      content: { 'application/json': { schema: ApiDetectionSchema } },
    },
    ...errors(400, 404, 409),
    502: {
      description: 'The LLM failed or answered badly',
      content: { 'application/json': { schema: ErrorSchema } },
    },
    503: {
      description: 'The LLM is busy with other explanations',
      content: { 'application/json': { schema: ErrorSchema } },
    },
    504: {
      description: 'The LLM gave no answer in time',
      content: { 'application/json': { schema: ErrorSchema } },
    },
  },
});

const FAILURES: Record<LlmExplainError['reason'], { status: ContentfulStatusCode; code: string }> = {
  timeout: { status: 504, code: 'llm_timeout' },
  unreachable: { status: 502, code: 'llm_unreachable' },
  http: { status: 502, code: 'llm_error' },
  'invalid-reply': { status: 502, code: 'llm_invalid_answer' },
  busy: { status: 503, code: 'llm_busy' },
};

/** `POST /api/v1/anomalies/{id}/explain`. */
export function registerAnomalyExplainRoute(app: ApiApp, deps: AppDeps): void {
  app.openapi(explain, async (c) => {
    const { id } = c.req.valid('param');
    const { refresh } = c.req.valid('query');
    const tenant = c.get('tenant');
    const found = await deps.store.getDetection(tenant, id);
    if (!found) throw notFound('anomaly', id);
    const view = detectionView(found);
    if (view.llm_explanation && !refresh) return c.json(view, 200);
    if (!deps.llm)
      throw new ApiError(
        409,
        'llm_not_configured',
        'No language model is configured: set OLLAMA_HOST and OLLAMA_MODEL on the engine to explain anomalies with an LLM.',
      );
    try {
      const llm = await deps.llm.explainNow(found.detection, { refresh, signal: c.req.raw.signal });
      await deps.cache.deletePrefix(`anomalies:${tenant}:`).catch(() => {});
      return c.json(detectionView({ ...found, llm }), 200);
    } catch (err) {
      if (!(err instanceof LlmExplainError)) throw err;
      const { status, code } = FAILURES[err.reason];
      throw new ApiError(status, code, err.message, err.reason === 'busy' ? { 'Retry-After': '5' } : {});
    }
  });
}
