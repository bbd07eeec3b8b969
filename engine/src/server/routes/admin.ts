import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { constantTimeEqual, TENANT_NAME } from '../../services/tenants.js';
import type { ApiApp, AppDeps } from '../app-types.js';
import { ApiError } from '../errors.js';
import { errors } from '../schemas.js';

const KeySchema = z
  .object({
    id: z.string(),
    tenant: z.string(),
    prefix: z.string(),
    created_at: z.string(),
    revoked_at: z.string().nullable(),
  })
  .openapi('ApiKey');
const NewKeySchema = z
  .object({ tenant: z.string(), key_id: z.string(), key: z.string().describe('Shown once') })
  .openapi('NewApiKey');
const TenantParam = z.object({
  tenant: z
    .string()
    .regex(TENANT_NAME)
    .openapi({ param: { name: 'tenant', in: 'path' } }),
});
const adminSecurity = [{ AdminKey: [] }];

const listTenants = createRoute({
  method: 'get',
  path: '/api/v1/admin/tenants',
  tags: ['admin'],
  summary: 'List tenants (admin key)',
  security: adminSecurity,
  responses: {
    200: {
      description: 'Tenants',
      content: {
        'application/json': {
          schema: z.object({ items: z.array(z.object({ id: z.string(), created_at: z.string() })) }),
        },
      },
    },
    ...errors(403),
  },
});

const createTenant = createRoute({
  method: 'post',
  path: '/api/v1/admin/tenants',
  tags: ['admin'],
  summary: 'Create a tenant and its first API key (admin key)',
  security: adminSecurity,
  request: {
    body: {
      content: { 'application/json': { schema: z.object({ name: z.string().regex(TENANT_NAME) }) } },
      required: true,
    },
  },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: NewKeySchema } } },
    ...errors(400, 403, 409),
  },
});

const listKeys = createRoute({
  method: 'get',
  path: '/api/v1/admin/tenants/{tenant}/keys',
  tags: ['admin'],
  summary: 'A tenant’s keys, without their secrets (admin key)',
  security: adminSecurity,
  request: { params: TenantParam },
  responses: {
    200: {
      description: 'Keys',
      content: { 'application/json': { schema: z.object({ items: z.array(KeySchema) }) } },
    },
    ...errors(403, 404),
  },
});

const createKey = createRoute({
  method: 'post',
  path: '/api/v1/admin/tenants/{tenant}/keys',
  tags: ['admin'],
  summary: 'Add an API key to a tenant (admin key)',
  security: adminSecurity,
  request: { params: TenantParam },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: NewKeySchema } } },
    ...errors(403, 404),
  },
});

const revokeKey = createRoute({
  method: 'delete',
  path: '/api/v1/admin/keys/{id}',
  tags: ['admin'],
  summary: 'Revoke an API key (admin key)',
  security: adminSecurity,
  request: {
    params: z.object({
      id: z
        .string()
        .max(200)
        .openapi({ param: { name: 'id', in: 'path' } }),
    }),
  },
  responses: { 204: { description: 'Revoked' }, ...errors(403, 404) },
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Tenant and key management, behind `OUTLIER_ADMIN_KEY`. */
export function registerAdminRoutes(app: ApiApp, deps: AppDeps): void {
  const requireAdmin: MiddlewareHandler = async function requireAdmin(c, next) {
    if (!deps.adminKey)
      throw new ApiError(403, 'admin_disabled', 'set OUTLIER_ADMIN_KEY to manage tenants through the API');
    const key = c.req.header('X-API-Key');
    if (!key) throw new ApiError(401, 'missing_api_key', 'send the admin key in the X-API-Key header');
    if (!constantTimeEqual(key, deps.adminKey))
      throw new ApiError(403, 'not_admin', 'this key is not the admin key');
    await next();
  };
  app.use('/api/v1/admin/*', requireAdmin);
  app.openAPIRegistry.registerComponent('securitySchemes', 'AdminKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
  });

  const tenantExists = async (tenant: string) => {
    if (!(await deps.store.listTenants()).some((t) => t.id === tenant))
      throw new ApiError(404, 'not_found', `tenant "${tenant}" not found`);
  };

  app.openapi(listTenants, async (c) => {
    const items = (await deps.store.listTenants()).map((t) => ({
      id: t.id,
      created_at: new Date(t.created_at).toISOString(),
    }));
    return c.json({ items }, 200);
  });
  app.openapi(createTenant, async (c) => {
    const { name } = c.req.valid('json');
    const created = await deps.tenants.createTenant(name);
    if (!created) throw new ApiError(409, 'tenant_exists', `tenant "${name}" already exists`);
    return c.json(created, 201);
  });
  app.openapi(listKeys, async (c) => {
    const { tenant } = c.req.valid('param');
    await tenantExists(tenant);
    const keys = await deps.tenants.listKeys(tenant);
    return c.json(
      {
        items: keys.map((k) => ({
          id: k.id,
          tenant: k.tenant_id,
          prefix: k.prefix,
          created_at: new Date(k.created_at).toISOString(),
          revoked_at: iso(k.revoked_at),
        })),
      },
      200,
    );
  });
  app.openapi(createKey, async (c) => {
    const { tenant } = c.req.valid('param');
    await tenantExists(tenant);
    const { key, key_id } = await deps.tenants.addKey(tenant);
    return c.json({ tenant, key_id, key }, 201);
  });
  app.openapi(revokeKey, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await deps.tenants.revokeKey(id)))
      throw new ApiError(404, 'not_found', `key "${id}" not found or already revoked`);
    return c.body(null, 204);
  });
}
