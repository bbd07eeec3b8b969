import { readFile } from 'node:fs/promises';
import { createRoute, z } from '@hono/zod-openapi';
import type { ApiApp, AppDeps } from '../app-types.js';
import { errors, InfoSchema } from '../schemas.js';

const info = createRoute({
  method: 'get',
  path: '/api/v1/info',
  tags: ['engine'],
  summary: 'The caller’s tenant, the engine’s version, its store and whether an LLM explains anomalies',
  responses: {
    200: { description: 'What pages need to know', content: { 'application/json': { schema: InfoSchema } } },
    ...errors(),
  },
});

let version: Promise<string> | null = null;

/** The engine package's version (`engine/package.json`, beside `src` and `dist`), read once. */
function engineVersion(): Promise<string> {
  version ??= readFile(new URL('../../../package.json', import.meta.url), 'utf8').then(
    (text) => z.object({ version: z.string() }).parse(JSON.parse(text)).version,
  );
  return version;
}

/** `GET /api/v1/info`. */
export function registerInfoRoutes(app: ApiApp, deps: AppDeps): void {
  app.openapi(info, async (c) =>
    c.json(
      {
        tenant: c.get('tenant'),
        version: await engineVersion(),
        llm: { enabled: deps.llm !== null, model: deps.llm?.model ?? null },
        store: deps.store.kind,
      },
      200,
    ),
  );
}
