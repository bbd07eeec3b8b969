import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../../errors.js';

/** Variables the API key middleware sets. */
export interface TenantVariables {
  tenant: string;
}

/** Options of {@link apiKey}. */
export interface ApiKeyOptions {
  /** The tenant a key belongs to, or null. */
  resolve: (key: string) => Promise<string | null>;
  /** @defaultValue 'X-API-Key' */
  headerName?: string;
}

/** Requires a known API key and sets the caller's tenant; 401 otherwise. */
export function apiKey({
  resolve,
  headerName = 'X-API-Key',
}: ApiKeyOptions): MiddlewareHandler<{ Variables: TenantVariables }> {
  return async function apiKeyMiddleware(c, next) {
    const key = c.req.header(headerName);
    if (!key) throw new ApiError(401, 'missing_api_key', `send your API key in the ${headerName} header`);
    const tenant = await resolve(key);
    if (!tenant) throw new ApiError(401, 'invalid_api_key', 'the API key is unknown or revoked');
    c.set('tenant', tenant);
    await next();
  };
}
