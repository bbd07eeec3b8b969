import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { evalLines } from './lines-eval.js';
import { evalNab } from './nab-eval.js';
import { DRAIN_GROUPING_ACCURACY, evalParseLoghub2k } from './parse-eval.js';
import { evalSessions } from './sessions-eval.js';
import { SHARED_DATA_DIR } from './shared-data.js';

/** NAB (31 files) at the shipped θ: the normalized standard score must reach this. */
export const NAB_BAR = 60;

/** HDFS sessions under the shared protocol: F1 at least this, at an FPR of at most this. */
export const SESSION_BARS = { f1: 0.97, fpr: 0.002 } as const;

const DEFAULT_DATA = SHARED_DATA_DIR;

interface Row {
  evaluation: string;
  metric: string;
  value: number;
  bar: string;
  ok: boolean | null;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { data: { type: 'string', default: DEFAULT_DATA }, json: { type: 'boolean' } },
  });
  const data = values.data;
  const rows: Row[] = [];
  const t0 = performance.now();

  const parse = await evalParseLoghub2k({
    loghubDir: join(data, 'logs', 'loghub_2k'),
    correctedDir: join(data, 'logs', 'loghub_2k_corrected'),
  });
  for (const r of parse) {
    const bar = DRAIN_GROUPING_ACCURACY[r.system];
    rows.push({
      evaluation: `parse ${r.system}`,
      metric: 'grouping_accuracy',
      value: r.original.grouping_accuracy,
      bar: `>= ${bar}`,
      ok: r.original.grouping_accuracy >= bar - 1e-9,
    });
    if (r.corrected) {
      rows.push({
        evaluation: `parse ${r.system} (corrected truth)`,
        metric: 'grouping_accuracy',
        value: r.corrected.grouping_accuracy,
        bar: 'report',
        ok: null,
      });
    }
  }

  const sessionsDir = join(data, 'logs', 'sessions', 'hdfs_loghub');
  const s = await evalSessions({
    trainPath: join(sessionsDir, 'hdfs_train'),
    testAbnormalPath: join(sessionsDir, 'hdfs_test_abnormal'),
    folds: 5,
    baseRate: [558_223, 16_838],
  });
  rows.push({
    evaluation: 'sessions HDFS (5 folds)',
    metric: 'f1',
    value: s.f1,
    bar: `>= ${SESSION_BARS.f1}`,
    ok: s.f1 >= SESSION_BARS.f1,
  });
  rows.push({
    evaluation: 'sessions HDFS (5 folds)',
    metric: 'fpr',
    value: s.fpr,
    bar: `<= ${SESSION_BARS.fpr}`,
    ok: s.fpr <= SESSION_BARS.fpr,
  });
  rows.push({
    evaluation: 'sessions HDFS (5 folds)',
    metric: 'precision',
    value: s.precision,
    bar: 'report',
    ok: null,
  });
  rows.push({
    evaluation: 'sessions HDFS (5 folds)',
    metric: 'recall',
    value: s.recall,
    bar: 'report',
    ok: null,
  });

  const hdfs = join(data, 'logs', 'loghub_2k', 'HDFS');
  const l = await evalLines({
    logPath: join(hdfs, 'HDFS_2k.log'),
    labelsPath: join(hdfs, 'HDFS_2k.line_labels.csv'),
    logFormat: '<Date> <Time> <Pid> <Level> <Component>: <Content>',
    sessionKey: '/blk_-?\\d+/',
  });
  for (const metric of ['precision', 'recall', 'f1', 'auc_pr'] as const) {
    rows.push({ evaluation: 'lines HDFS_2k', metric, value: l[metric], bar: 'report', ok: null });
  }

  const nab = await evalNab({
    dataDir: join(data, 'nab', 'data'),
    windowsPath: join(data, 'nab', 'labels', 'combined_windows.json'),
  });
  rows.push({
    evaluation: 'NAB 31 files (θ = 0.5)',
    metric: 'standard',
    value: nab.standard,
    bar: `>= ${NAB_BAR}`,
    ok: nab.standard >= NAB_BAR,
  });
  rows.push({
    evaluation: 'NAB 31 files (θ = 0.5)',
    metric: 'reward_low_FP_rate',
    value: nab.reward_low_FP_rate,
    bar: 'report',
    ok: null,
  });
  rows.push({
    evaluation: 'NAB 31 files (θ = 0.5)',
    metric: 'reward_low_FN_rate',
    value: nab.reward_low_FN_rate,
    bar: 'report',
    ok: null,
  });

  const failed = rows.filter((r) => r.ok === false);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ rows, failed: failed.length })}\n`);
  } else {
    const w = Math.max(...rows.map((r) => r.evaluation.length));
    process.stdout.write(`${'evaluation'.padEnd(w)}  ${'metric'.padEnd(17)}  value    bar        ok\n`);
    for (const r of rows) {
      process.stdout.write(
        `${r.evaluation.padEnd(w)}  ${r.metric.padEnd(17)}  ${r.value.toFixed(4)}   ${r.bar.padEnd(9)}  ${r.ok === null ? '' : r.ok ? 'yes' : 'NO'}\n`,
      );
    }
    process.stdout.write(
      `\n${failed.length === 0 ? 'All bars met.' : `${failed.length} bar(s) missed.`} (${((performance.now() - t0) / 1000).toFixed(1)} s, data: ${data})\n`,
    );
  }
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`eval: ${err.message}\n`);
    process.exitCode = 1;
  },
);
