import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createParser } from '../engine/src/parse/parser.js';
import { trainLogModel } from '../engine/src/pipeline/analyze.js';
import type { ChunkScorerOptions } from '../engine/src/pipeline/chunk-scorer.js';
import { ROOT } from './cli-helpers.js';

// The pool starts workers from the built engine (a worker runs JavaScript files).
type PoolModule = typeof import('../engine/src/pipeline/worker-pool.js');
const { ScoringPool } = (await import(
  join(ROOT, 'engine', 'dist', 'pipeline', 'worker-pool.js')
)) as PoolModule;

const lines = Array.from(
  { length: 200 },
  (_, i) =>
    `2026-11-22 06:00:${String(i % 60).padStart(2, '0')} INFO [api] request ${i} served in ${i % 17} ms`,
);
const options: ChunkScorerOptions = {
  format: 'auto',
  sampleLines: lines.slice(0, 50),
  windowMs: 60_000,
  threshold: 0.5,
  json: true,
  keepLineScores: false,
  tenant: 'default',
  top: 5,
  maxLineBytes: 65_536,
};
const model = trainLogModel(lines, createParser({ format: 'auto', sampleLines: lines }).parse);
const chunk = (text: string) => new Uint8Array(Buffer.from(text));

describe('ScoringPool', () => {
  let pool: InstanceType<PoolModule['ScoringPool']> | null = null;
  afterEach(async () => {
    await pool?.close();
    pool = null;
  });

  it('holds tasks given before the model until start, then scores them', async () => {
    pool = new ScoringPool(2);
    const early = pool.run({ seq: 0, source: 'a.log', startLine: 1, bytes: chunk(`${lines.join('\n')}\n`) });
    pool.start({ model, options });
    const r = await early;
    expect(r.lines).toBe(200);
    expect(
      Buffer.from(r.output ?? [])
        .toString()
        .split('\n')[0],
    ).toContain('"id":"a.log:1"');
    expect(() => pool?.start({ model, options })).toThrow(/already started/);
  });

  it('rejects tasks, rather than hanging, when a worker cannot build its scorer', async () => {
    pool = new ScoringPool(1);
    pool.start({ model, options: { ...options, format: 'loghub' } });
    await expect(pool.run({ seq: 7, source: 'a.log', startLine: 1, bytes: chunk('x\n') })).rejects.toThrow(
      /scoring chunk 7 failed: .*Loghub header format/,
    );
  });
});
