import { createRoute, z } from '@hono/zod-openapi';
import type { ApiApp, AppDeps } from '../app-types.js';
import { notFound } from '../errors.js';
import { errors, IdParam, JobSchema, jobView } from '../schemas.js';

const list = createRoute({
  method: 'get',
  path: '/api/v1/jobs',
  tags: ['jobs'],
  summary: 'The tenant’s jobs, newest first (keyset pagination)',
  request: {
    query: z.object({
      status: JobSchema.shape.status.optional(),
      cursor: z.string().max(500).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
  },
  responses: {
    200: {
      description: 'A page of jobs',
      content: {
        'application/json': {
          schema: z.object({ items: z.array(JobSchema), next_cursor: z.string().nullable() }),
        },
      },
    },
    ...errors(400),
  },
});

const get = createRoute({
  method: 'get',
  path: '/api/v1/jobs/{id}',
  tags: ['jobs'],
  summary: 'One job',
  request: { params: IdParam },
  responses: {
    200: { description: 'The job', content: { 'application/json': { schema: JobSchema } } },
    ...errors(404),
  },
});

/** `/api/v1/jobs`. */
export function registerJobRoutes(app: ApiApp, deps: AppDeps): void {
  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const page = await deps.store.listJobs(c.get('tenant'), {
      status: q.status,
      cursor: q.cursor,
      limit: q.limit,
    });
    return c.json({ items: page.items.map(jobView), next_cursor: page.next_cursor }, 200);
  });
  app.openapi(get, async (c) => {
    const { id } = c.req.valid('param');
    const job = await deps.store.getJob(id, c.get('tenant'));
    if (!job) throw notFound('job', id);
    return c.json(jobView(job), 200);
  });
}
