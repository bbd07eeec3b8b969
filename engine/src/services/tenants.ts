import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ApiKeyRecord, Store } from '../store/store.js';

/** Tenant names: what `TENANT_API_KEYS` and the admin API accept. */
export const TENANT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** SHA-256 of an API key, hex: what the store keeps (keys are random, so no slow hash is needed). */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new random API key: `olk_` and 32 bytes in base64url. */
export function generateKey(): string {
  return `olk_${randomBytes(32).toString('base64url')}`;
}

/** Compares two strings in time independent of where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}

/** Tenants and their API keys. */
export class TenantService {
  private readonly cache = new Map<string, { tenant: string | null; at: number }>();

  constructor(private readonly store: Store) {}

  /** The tenant a key belongs to, or null for an unknown or revoked key. */
  async resolve(key: string): Promise<string | null> {
    const hash = hashKey(key);
    const hit = this.cache.get(hash);
    if (hit && Date.now() - hit.at < 5_000) return hit.tenant;
    const found = await this.store.findApiKey(hash);
    const tenant =
      found && found.revoked_at === null && constantTimeEqual(found.key_hash, hash) ? found.tenant_id : null;
    this.cache.set(hash, { tenant, at: Date.now() });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string);
    return tenant;
  }

  /** Creates a tenant with a first key; returns the key (shown once). Null when the tenant exists. */
  async createTenant(name: string): Promise<{ tenant: string; key: string; key_id: string } | null> {
    if (!(await this.store.createTenant(name))) return null;
    const { key, key_id } = await this.addKey(name);
    return { tenant: name, key, key_id };
  }

  /** Adds a key to a tenant; returns it (shown once). */
  async addKey(tenant: string, key = generateKey()): Promise<{ key: string; key_id: string }> {
    const key_id = randomUUID();
    await this.store.addApiKey({
      id: key_id,
      tenant_id: tenant,
      key_hash: hashKey(key),
      prefix: key.slice(0, 8),
    });
    return { key, key_id };
  }

  /** Revokes a key; takes effect within the resolve cache's 5 s. */
  async revokeKey(id: string): Promise<boolean> {
    const ok = await this.store.revokeApiKey(id);
    if (ok) this.cache.clear();
    return ok;
  }

  listKeys(tenant: string): Promise<ApiKeyRecord[]> {
    return this.store.listApiKeys(tenant);
  }

  /** Makes sure every tenant of a `TENANT_API_KEYS` map exists and accepts its key. */
  async ensureKeys(keys: Record<string, string>): Promise<void> {
    for (const [tenant, key] of Object.entries(keys)) {
      await this.store.createTenant(tenant);
      const existing = await this.store.findApiKey(hashKey(key));
      if (!existing) await this.addKey(tenant, key);
    }
  }
}
