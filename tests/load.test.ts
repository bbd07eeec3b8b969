import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLoad } from '../engine/src/bench/load-run.js';
import { ROOT } from './cli-helpers.js';

describe('load: concurrent uploads from several tenants with API reads', () => {
  it('has no errors, and the slowest tenant gets at least half the fastest one’s throughput', async () => {
    const r = await runLoad({
      tenants: 5,
      uploads: 20,
      bytes: 600_000,
      readers: 3,
      cli: join(ROOT, 'engine', 'dist', 'cli', 'main.js'),
    });
    expect(r.errors).toEqual([]);
    expect(r.tenants).toHaveLength(5);
    expect(r.fairness).toBeGreaterThanOrEqual(0.5);
    expect(r.reads).toBeGreaterThan(20);
  }, 240_000);
});
