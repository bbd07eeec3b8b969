import { Redis } from 'ioredis';
import { type Cache, ttlMilliseconds } from './cache.js';

/** Options of {@link RedisCache}. */
export interface RedisCacheOptions {
  /** A Redis URL, or a function opening a new connection; close() quits it. */
  redis: string | (() => Redis);
  /** Start of every key: a value is kept under `${prefix}:${key}`. */
  prefix: string;
  /** Keys looked at per SCAN step of deletePrefix. @defaultValue 500 */
  scanCount?: number;
}

/** The {@link Cache} of Redis mode, shared by every process; Redis expires the values. */
export class RedisCache implements Cache {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly scanCount: number;

  constructor({ redis, prefix, scanCount = 500 }: RedisCacheOptions) {
    this.redis = typeof redis === 'string' ? new Redis(redis) : redis();
    this.prefix = prefix;
    this.scanCount = scanCount;
  }

  async get(key: string): Promise<string | null> {
    return this.redis.get(this.key(key));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.key(key), value, 'PX', ttlMilliseconds(ttlMs));
  }

  async delete(key: string): Promise<void> {
    await this.redis.unlink(this.key(key));
  }

  async deletePrefix(prefix: string): Promise<void> {
    const match = `${escapeGlob(this.key(prefix))}*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', this.scanCount);
      if (keys.length > 0) await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  /** Quits the connection. */
  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private key(key: string): string {
    return `${this.prefix}:${key}`;
  }
}

/** text as a SCAN pattern that matches only itself. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
