import { createRoute, z } from '@hono/zod-openapi';
import type { ApiApp, AppDeps } from '../app-types.js';

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['health'],
  summary: 'Liveness: the process answers',
  security: [],
  responses: {
    200: {
      description: 'Alive',
      content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } },
    },
  },
});

const DependencySchema = z.object({ ok: z.boolean(), error: z.string().optional() });
const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['health'],
  summary: 'Readiness: each dependency (store, queue, cache, LLM) answers',
  security: [],
  responses: {
    200: {
      description: 'Ready',
      content: {
        'application/json': {
          schema: z.object({ status: z.string(), dependencies: z.record(z.string(), DependencySchema) }),
        },
      },
    },
    503: {
      description: 'A dependency is down',
      content: {
        'application/json': {
          schema: z.object({ status: z.string(), dependencies: z.record(z.string(), DependencySchema) }),
        },
      },
    },
  },
});

const metrics = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['health'],
  summary: 'Prometheus metrics (text exposition format)',
  security: [],
  responses: { 200: { description: 'Metrics', content: { 'text/plain': { schema: z.string() } } } },
});

/** `/healthz`, `/readyz`, `/metrics`. */
export function registerHealthRoutes(app: ApiApp, deps: AppDeps): void {
  app.openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(readyz, async (c) => {
    const dependencies = await deps.readiness();
    const ok = Object.values(dependencies).every((d) => d.ok);
    return c.json({ status: ok ? 'ready' : 'not_ready', dependencies }, ok ? 200 : 503);
  });
  app.openapi(metrics, async (c) => {
    const text = await deps.metrics.registry.metrics();
    return c.text(text, 200, { 'Content-Type': deps.metrics.registry.contentType });
  });
}
