import { createRoute } from '@hono/zod-openapi';
import type { ApiApp, AppDeps } from '../app-types.js';
import { cachedJson } from '../cached.js';
import {
  detectionFilter,
  errors,
  FacetsSchema,
  HistogramQuery,
  HistogramSchema,
  RangeQuery,
} from '../schemas.js';

const histogram = createRoute({
  method: 'get',
  path: '/api/v1/anomalies/histogram',
  tags: ['anomalies'],
  summary: 'Anomalies over time: counts, top score, severities and the expected band per bucket',
  description:
    'The list’s filters; without `from`/`to`, the filtered anomalies’ own time range (those without a timestamp left out). Every bucket of the range is present; `observed`, `expected`, `lower` and `upper` come from the highest-scoring anomaly of the bucket that has an expected value, null otherwise.',
  request: { query: HistogramQuery },
  responses: {
    200: { description: 'The buckets', content: { 'application/json': { schema: HistogramSchema } } },
    ...errors(400),
  },
});

const facets = createRoute({
  method: 'get',
  path: '/api/v1/anomalies/facets',
  tags: ['anomalies'],
  summary: 'Services, sources and jobs of the stored anomalies, for filter pickers',
  description: 'Distinct values in the time range (all time without one), sorted, at most 500 of each.',
  request: { query: RangeQuery },
  responses: {
    200: { description: 'The values', content: { 'application/json': { schema: FacetsSchema } } },
    ...errors(400),
  },
});

/** `/api/v1/anomalies/histogram` and `/api/v1/anomalies/facets`, the explorer's chart and pickers. */
export function registerAnomalyExplorerRoutes(app: ApiApp, deps: AppDeps): void {
  app.openapi(histogram, async (c) => {
    const q = c.req.valid('query');
    const tenant = c.get('tenant');
    const body = await cachedJson(
      deps.cache,
      `anomalies:${tenant}:histogram:${JSON.stringify(q)}`,
      1_000,
      () => deps.store.detectionHistogram(tenant, detectionFilter(q), q.buckets),
    );
    return c.json(body, 200);
  });

  app.openapi(facets, async (c) => {
    const q = c.req.valid('query');
    const tenant = c.get('tenant');
    const body = await cachedJson(deps.cache, `anomalies:${tenant}:facets:${JSON.stringify(q)}`, 1_000, () =>
      deps.store.detectionFacets(tenant, q),
    );
    return c.json(body, 200);
  });
}
