import { evalLines } from '../../eval/lines-eval.js';
import { evalParse } from '../../eval/parse-eval.js';
import { evalSessions } from '../../eval/sessions-eval.js';
import { numberFlag, parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { writeStdout } from '../output.js';
import { EVAL_NAB_USAGE, evalNabCommand } from './eval-nab.js';

export const EVAL_USAGE = `outlier eval parse --log FILE --truth STRUCTURED_CSV --log-format T [--json]
    grouping accuracy of the template miner against a Loghub structured CSV
outlier eval sessions --train FILE --test-abnormal FILE [--test-normal FILE | --folds 5 --base-rate 558223:16838]
                      [--threshold X] [--json]
    precision, recall, F1 and FPR of the session model (files: id,space-separated event ids)
outlier eval lines --log FILE --labels CSV [--log-format T] [--session-key K] [--threshold X] [--json]
    precision, recall, F1 at θ and AUC-PR of the whole analyze path against per-line labels
${EVAL_NAB_USAGE}`;

function required(command: string, values: Record<string, unknown>, names: string[]): void {
  const missing = names.filter((n) => values[n] === undefined);
  if (missing.length > 0)
    throw new UsageError(`eval ${command}: missing ${missing.map((m) => `--${m}`).join(', ')}`);
}

function table(rows: [string, string | number][]): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(w)}  ${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(4)) : v}`).join('\n')}\n`;
}

async function print(
  json: boolean | undefined,
  result: object,
  rows: [string, string | number][],
): Promise<void> {
  await writeStdout(json ? `${JSON.stringify(result)}\n` : table(rows));
}

/** `outlier eval`. */
export async function evalCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === 'parse') {
    const { values, positionals } = parseCommandArgs('eval parse', rest, {
      log: { type: 'string' },
      truth: { type: 'string' },
      'log-format': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`eval parse: unexpected argument "${positionals[0]}"`);
    required('parse', values, ['log', 'truth', 'log-format']);
    const r = await evalParse({
      logPath: values.log as string,
      truthPath: values.truth as string,
      logFormat: values['log-format'] as string,
    });
    await print(values.json, r, [
      ['grouping_accuracy', r.grouping_accuracy],
      ['templates', r.templates],
      ['true_templates', r.true_templates],
      ['lines', r.lines],
    ]);
    return;
  }
  if (sub === 'sessions') {
    const { values, positionals } = parseCommandArgs('eval sessions', rest, {
      train: { type: 'string' },
      'test-abnormal': { type: 'string' },
      'test-normal': { type: 'string' },
      folds: { type: 'string' },
      'base-rate': { type: 'string' },
      threshold: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length > 0)
      throw new UsageError(`eval sessions: unexpected argument "${positionals[0]}"`);
    required('sessions', values, ['train', 'test-abnormal']);
    if (values['test-normal'] && values.folds)
      throw new UsageError('eval sessions: give --test-normal or --folds, not both');
    let baseRate: [number, number] | undefined;
    if (values['base-rate']) {
      const m = /^(\d+):(\d+)$/.exec(values['base-rate']);
      if (!m)
        throw new UsageError(
          `--base-rate must be NORMAL:ABNORMAL counts such as 558223:16838, got "${values['base-rate']}"`,
        );
      baseRate = [Number(m[1]), Number(m[2])];
    }
    const folds = numberFlag('folds', values.folds, { min: 2, max: 100 });
    const r = await evalSessions({
      trainPath: values.train as string,
      testAbnormalPath: values['test-abnormal'] as string,
      testNormalPath: values['test-normal'],
      folds: values['test-normal'] ? undefined : (folds ?? 5),
      baseRate,
      threshold: numberFlag('threshold', values.threshold, { min: 0, max: 1 }),
    });
    await print(values.json, r, [
      ['precision', r.precision],
      ['recall', r.recall],
      ['f1', r.f1],
      ['fpr', r.fpr],
    ]);
    return;
  }
  if (sub === 'nab') {
    await evalNabCommand(rest);
    return;
  }
  if (sub === 'lines') {
    const { values, positionals } = parseCommandArgs('eval lines', rest, {
      log: { type: 'string' },
      labels: { type: 'string' },
      'log-format': { type: 'string' },
      'session-key': { type: 'string' },
      threshold: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`eval lines: unexpected argument "${positionals[0]}"`);
    required('lines', values, ['log', 'labels']);
    const r = await evalLines({
      logPath: values.log as string,
      labelsPath: values.labels as string,
      logFormat: values['log-format'],
      sessionKey: values['session-key'],
      threshold: numberFlag('threshold', values.threshold, { min: 0, max: 1 }),
    });
    await print(values.json, r, [
      ['precision', r.precision],
      ['recall', r.recall],
      ['f1', r.f1],
      ['auc_pr', r.auc_pr],
      ['lines', r.lines],
      ['positives', r.positives],
      ['flagged', r.flagged],
    ]);
    return;
  }
  throw new UsageError(
    sub
      ? `eval: unknown evaluation "${sub}"; use parse, sessions, lines or nab`
      : 'eval: say parse, sessions, lines or nab',
  );
}
