import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import { InvalidCursorError } from '../store/cursor.js';
import type { ApiApp, AppDeps } from './app-types.js';
import { ApiError, errorBody } from './errors.js';
import { apiKey } from './middleware/api-key/index.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerAnomalyRoutes } from './routes/anomalies.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerInfoRoutes } from './routes/info.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerSourceRoutes } from './routes/sources.js';
import { isUiPath, registerUiRoutes, type UiRouteOptions } from './routes/ui.js';
import { registerUploadRoutes } from './routes/uploads.js';
import { registerV2Routes } from './routes/v2.js';

/** Paths that need no API key. */
const PUBLIC = new Set(['/healthz', '/readyz', '/metrics', '/api/openapi.json']);

/** What {@link createApp} takes besides its dependencies. */
export interface AppOptions {
  /** Serve the standalone pages (host page, the Grafana app's build, sessions, the plugin proxy); off when absent. */
  ui?: UiRouteOptions;
}

/** Builds the HTTP API (no port: tests call `app.request()`). */
export function createApp({ ui, ...deps }: AppDeps & AppOptions): ApiApp {
  const app: ApiApp = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
        throw new ApiError(400, 'invalid_request', `${where}${issue.message}`);
      }
    },
  });

  app.use(async function measure(c, next) {
    const started = performance.now();
    await next();
    // The plugin proxy forwarded this request through the app, which measured it under the route it reached.
    if (c.get('forwarded')) return;
    const route = routePath(c, -1) || 'unmatched';
    deps.metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    deps.metrics.httpDuration.observe({ method: c.req.method, route }, (performance.now() - started) / 1000);
  });

  const tenantAuth = apiKey({ resolve: (key) => deps.tenants.resolve(key) });
  app.use(async function requireKey(c, next) {
    const path = c.req.path;
    // The standalone pages check their own session; the plugin proxy path forwards with the session's key.
    if (PUBLIC.has(path) || path.startsWith('/api/v1/admin/') || (ui && isUiPath(path))) return next();
    if (c.req.method === 'OPTIONS' && path.startsWith('/api/v1/uploads')) return next();
    return tenantAuth(c, next);
  });

  registerHealthRoutes(app, deps);
  registerUploadRoutes(app, deps);
  registerV2Routes(app, deps);
  registerJobRoutes(app, deps);
  registerAnomalyRoutes(app, deps);
  registerInfoRoutes(app, deps);
  registerSourceRoutes(app, deps);
  registerAdminRoutes(app, deps);
  if (ui) registerUiRoutes(app, deps, ui);

  app.openAPIRegistry.registerComponent('securitySchemes', 'ApiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
  });
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Outlier engine API',
      version: '1.0.0',
      description:
        'Anomaly detection for logs and metrics. Every route but health, metrics and this document needs an API key in `X-API-Key`. Errors are `{ "error": { "code", "message" } }`.',
    },
    security: [{ ApiKey: [] }],
  });

  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    if (err instanceof ApiError) {
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.json(errorBody(err.code, err.message), err.status);
    }
    if (err instanceof InvalidCursorError) return c.json(errorBody('invalid_cursor', err.message), 400);
    if (err instanceof HTTPException) {
      const code = err.status === 400 ? 'invalid_request' : `http_${err.status}`;
      return c.json(errorBody(code, err.message || 'bad request'), err.status);
    }
    console.error(`[outlier] ${c.req.method} ${c.req.path} failed:`, err);
    return c.json(errorBody('internal_error', 'the server failed to handle this request; see its log'), 500);
  });
  return app;
}

export type { ApiApp, AppDeps } from './app-types.js';
