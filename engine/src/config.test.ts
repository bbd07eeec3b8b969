import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8085, adminKey: null, databaseUrl: null, redisUrl: null, ollama: null });
    expect(c.dataDir.endsWith('/data')).toBe(true);
  });

  it('names the key and the value it rejects', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT="eighty"/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(ConfigError);
    expect(() => loadConfig({ TENANT_API_KEYS: '{"a":' })).toThrow(/TENANT_API_KEYS/);
    expect(() => loadConfig({ OLLAMA_HOST: 'http://127.0.0.1:11434' })).toThrow(/OLLAMA_MODEL/);
    expect(() => loadConfig({ OUTLIER_MAX_JOB_SESSIONS: '0' })).toThrow(/OUTLIER_MAX_JOB_SESSIONS="0"/);
    expect(loadConfig({ OUTLIER_MAX_JOB_SESSIONS: '5000' }).maxJobSessions).toBe(5000);
  });

  it('reads the tenant key map', () => {
    const c = loadConfig({
      TENANT_API_KEYS: '{"acme":"0123456789abcdef"}',
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(c.tenantKeys).toEqual({ acme: '0123456789abcdef' });
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
  });
});
