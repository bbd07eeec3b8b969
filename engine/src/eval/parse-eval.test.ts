import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemplateMiner } from '../templates/drain.js';
import {
  DRAIN_GROUPING_ACCURACY,
  evalParse,
  evalParseLoghub2k,
  formatParseTable,
  groupingAccuracy,
  LOGHUB_2K_FORMATS,
  type Loghub2kEvalRow,
  mineGroups,
  ParseEvalError,
} from './parse-eval.js';

const LOGS = fileURLToPath(new URL('../../../../shared/data/logs/', import.meta.url));

describe('groupingAccuracy', () => {
  it('counts a line as right only when its predicted group is exactly its true group', () => {
    expect(groupingAccuracy(['a', 'a', 'b'], ['x', 'x', 'y'])).toBe(1);
    expect(groupingAccuracy(['a', 'a', 'a'], ['x', 'x', 'y'])).toBe(0);
    expect(groupingAccuracy(['a', 'b', 'c', 'c'], ['x', 'x', 'y', 'y'])).toBe(0.5);
    expect(groupingAccuracy([], [])).toBe(1);
    expect(() => groupingAccuracy(['a'], [])).toThrow(RangeError);
  });
});

describe('mineGroups', () => {
  it('follows clusters through later merges', () => {
    const users = ['alice', 'bob', 'carol', 'dave', 'erin'];
    const labels = mineGroups(
      new TemplateMiner({ variants: 4 }),
      users.map((user) => `Invalid user ${user} from 10.0.0.1`),
    );
    expect(new Set(labels).size).toBe(1);
  });
});

describe('evalParse', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'outlier-parse-eval-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('scores a small log against its ground truth, skipping lines that do not fit', async () => {
    const logPath = join(dir, 'small.log');
    const truthPath = join(dir, 'small.csv');
    await writeFile(
      logPath,
      [
        '[t1] [info] Job 1 done',
        'garbage line',
        '[t2] [info] Job 2 done',
        '[t3] [warn] Disk /a full',
        '[t4] [warn] Disk /b full',
      ].join('\r\n'),
    );
    await writeFile(
      truthPath,
      'LineId,Content,EventId\n1,Job 1 done,E1\n2,Job 2 done,E1\n3,x,E2\n4,"y, z",E3\n',
    );
    const result = await evalParse({ logPath, truthPath, logFormat: '\\[<Time>\\] \\[<Level>\\] <Content>' });
    expect(result).toEqual({ grouping_accuracy: 0.5, templates: 2, lines: 4, true_templates: 3 });
  });

  it('fails clearly when the log and the truth do not line up', async () => {
    const logPath = join(dir, 'short.log');
    const truthPath = join(dir, 'short.csv');
    await writeFile(logPath, 'a\nb\n');
    await writeFile(truthPath, 'EventId\nE1\n');
    await expect(evalParse({ logPath, truthPath, logFormat: '<Content>' })).rejects.toThrow(ParseEvalError);
    await writeFile(truthPath, 'Event\nE1\nE2\n');
    await expect(evalParse({ logPath, truthPath, logFormat: '<Content>' })).rejects.toThrow(
      /missing column EventId/,
    );
  });

  it("reaches at least Drain's published accuracy on the HDFS sample with the defaults", async () => {
    const result = await evalParse({
      logPath: join(LOGS, 'loghub_2k/HDFS/HDFS_2k.log'),
      truthPath: join(LOGS, 'loghub_2k/HDFS/HDFS_2k.log_structured.csv'),
      logFormat: LOGHUB_2K_FORMATS.HDFS,
    });
    expect(result.lines).toBe(2000);
    expect(result.grouping_accuracy).toBeGreaterThanOrEqual(0.9975);
  });

  it("reaches Drain's published accuracy on all 12 systems with one configuration", async () => {
    const rows: Loghub2kEvalRow[] = await evalParseLoghub2k({
      loghubDir: join(LOGS, 'loghub_2k'),
      correctedDir: join(LOGS, 'loghub_2k_corrected'),
    });
    expect(rows.map((row) => row.system)).toEqual(Object.keys(DRAIN_GROUPING_ACCURACY));
    for (const row of rows) {
      expect([row.system, row.original.grouping_accuracy >= DRAIN_GROUPING_ACCURACY[row.system]]).toEqual([
        row.system,
        true,
      ]);
      expect(row.corrected?.lines).toBe(row.original.lines);
    }
    const table = formatParseTable(rows);
    expect(table.split('\n')).toHaveLength(rows.length + 3);
    expect(table).toContain('| HDFS | ');
  });
});
