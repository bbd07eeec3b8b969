import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalSessions, extrapolatedPrecision, readSessionFile, SessionFileError } from './sessions-eval.js';

const HDFS = fileURLToPath(new URL('../../../../shared/data/logs/sessions/hdfs_loghub/', import.meta.url));

describe('evalSessions on HDFS (5 folds, base rate 558,223 : 16,838, θ = 0.5)', () => {
  it('reaches F1 ≥ 0.97 at FPR ≤ 0.2 %', async () => {
    const r = await evalSessions({
      trainPath: join(HDFS, 'hdfs_train'),
      testAbnormalPath: join(HDFS, 'hdfs_test_abnormal'),
      folds: 5,
      baseRate: [558_223, 16_838],
    });
    expect(r.normal).toBe(5583);
    expect(r.abnormal).toBe(5 * 16_838);
    expect(r.fpr).toBeLessThanOrEqual(0.002);
    expect(r.f1).toBeGreaterThanOrEqual(0.97);
    expect(r.detectors.map((d) => d.name)).toEqual(['novelty', 'isolation-forest', 'lof']);
  });
});

describe('evalSessions on small files', () => {
  let dir = '';
  const normal = (i: number): string => `n${i},open ${i % 3 === 0 ? 'read read' : 'read'} write close`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'outlier-sessions-'));
    await writeFile(join(dir, 'train'), `${Array.from({ length: 600 }, (_, i) => normal(i)).join('\n')}\n`);
    await writeFile(join(dir, 'normal'), `${Array.from({ length: 30 }, (_, i) => normal(i)).join('\n')}\n`);
    await writeFile(join(dir, 'abnormal'), 'a1,open read panic write close\na2,open write\n');
    await writeFile(join(dir, 'broken'), 'b1,open close\nno comma here\n');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('evaluates a plain train/test split', async () => {
    const r = await evalSessions({
      trainPath: join(dir, 'train'),
      testNormalPath: join(dir, 'normal'),
      testAbnormalPath: join(dir, 'abnormal'),
    });
    expect(r).toMatchObject({
      folds: null,
      normal: 30,
      abnormal: 2,
      tp: 2,
      fp: 0,
      recall: 1,
      fpr: 0,
      precision: 1,
    });
  });

  it('names the file and line of a malformed row', async () => {
    const path = join(dir, 'broken');
    await expect(readSessionFile(path)).rejects.toBeInstanceOf(SessionFileError);
    await expect(readSessionFile(path)).rejects.toMatchObject({ file: path, line: 2 });
    await expect(readSessionFile(path)).rejects.toThrow(
      `${path}:2: expected "id,event event …", got "no comma here"`,
    );
  });

  it('names a file it cannot read', async () => {
    const path = join(dir, 'missing');
    await expect(
      evalSessions({ trainPath: path, testAbnormalPath: join(dir, 'abnormal') }),
    ).rejects.toBeInstanceOf(SessionFileError);
    await expect(readSessionFile(path)).rejects.toThrow(path);
  });
});

describe('extrapolatedPrecision', () => {
  it('weights recall and FPR by the base rate', () => {
    expect(extrapolatedPrecision(0.9998, 0.0029, [558_223, 16_838])).toBeCloseTo(0.912, 3);
    expect(extrapolatedPrecision(0, 0, [1, 1])).toBe(0);
  });
});
