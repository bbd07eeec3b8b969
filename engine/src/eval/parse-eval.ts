import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileLoghubFormat } from '../parse/loghub-format.js';
import { TemplateMiner, type TemplateMinerOptions } from '../templates/drain.js';
import { parseCsv, requireColumns } from './csv.js';
import { SHARED_DATA_DIR } from './shared-data.js';

/** Inputs of {@link evalParse}. */
export interface ParseEvalOptions {
  /** Raw log, one message per line. */
  logPath: string;
  /** Loghub structured CSV with an `EventId` column, one row per line of the log that fits the format. */
  truthPath: string;
  /** Loghub header format of the log, e.g. `<Date> <Time> <Level> <Component>: <Content>`. */
  logFormat: string;
  /** Miner options; the defaults when absent. */
  minerOptions?: TemplateMinerOptions;
}

/** Outcome of {@link evalParse}. */
export interface ParseEvalResult {
  /** Share of lines whose predicted group is exactly their true group. */
  grouping_accuracy: number;
  /** Templates (clusters) the miner found. */
  templates: number;
  /** Lines evaluated. */
  lines: number;
  /** Distinct `EventId`s in the ground truth. */
  true_templates: number;
}

/** Raised when a log and its ground truth do not line up. */
export class ParseEvalError extends Error {
  override name = 'ParseEvalError';
}

/**
 * Measures template mining against a Loghub ground truth: extracts `<Content>` from each line of the log,
 * feeds the contents in order to a fresh {@link TemplateMiner} (learning), groups lines by their final
 * cluster and computes the grouping accuracy of the Loghub benchmark against the `EventId` column.
 *
 * @throws {@link ParseEvalError} when the number of lines that fit the format differs from the truth's rows.
 */
export async function evalParse(options: ParseEvalOptions): Promise<ParseEvalResult> {
  const { logPath, truthPath, logFormat, minerOptions } = options;
  const [log, truthText] = await Promise.all([readFile(logPath, 'utf8'), readFile(truthPath, 'utf8')]);
  const parse = compileLoghubFormat(logFormat);
  const contents: string[] = [];
  for (const line of log.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const parsed = parse(line);
    if (parsed !== null) contents.push(parsed.content);
  }
  const truth = parseCsv(truthText);
  const { EventId } = requireColumns(truth, ['EventId']);
  if (truth.rows.length !== contents.length) {
    throw new ParseEvalError(
      `${logPath}: ${contents.length} lines fit "${logFormat}" but ${truthPath} has ${truth.rows.length} rows`,
    );
  }
  const predicted = mineGroups(new TemplateMiner(minerOptions), contents);
  const expected = truth.rows.map((row) => row[EventId]);
  return {
    grouping_accuracy: groupingAccuracy(predicted, expected),
    templates: new Set(predicted).size,
    lines: contents.length,
    true_templates: new Set(expected).size,
  };
}

/**
 * Feeds messages in order to a miner and returns each message's final group label: the cluster it joined,
 * followed through any later merges of that cluster into another.
 */
export function mineGroups(miner: TemplateMiner, messages: readonly string[]): string[] {
  const groupOfIndex = new Map<number, Group>();
  const groupOfLine: Group[] = [];
  let next = 0;
  for (const message of messages) {
    const match = miner.add(message);
    let group = groupOfIndex.get(match.index);
    if (match.created || group === undefined) {
      group = { label: next++, into: null };
      groupOfIndex.set(match.index, group);
    }
    for (const index of match.merged) {
      const absorbed = groupOfIndex.get(index);
      if (absorbed !== undefined && absorbed !== group) absorbed.into = group;
      groupOfIndex.delete(index);
    }
    groupOfLine.push(group);
  }
  return groupOfLine.map((group) => String(finalGroup(group).label));
}

interface Group {
  label: number;
  into: Group | null;
}

function finalGroup(group: Group): Group {
  let root = group;
  while (root.into !== null) root = root.into;
  return root;
}

/**
 * Grouping accuracy as in the Loghub benchmark: a line counts as correct when the set of lines sharing its
 * predicted group equals the set of lines sharing its true group.
 *
 * @example
 * ```ts
 * groupingAccuracy(['a', 'a', 'b'], ['x', 'x', 'x']); // 0
 * groupingAccuracy(['a', 'a', 'b'], ['x', 'x', 'y']); // 1
 * ```
 */
export function groupingAccuracy(predicted: readonly string[], expected: readonly string[]): number {
  if (predicted.length !== expected.length) {
    throw new RangeError(`${predicted.length} predicted labels for ${expected.length} expected`);
  }
  if (expected.length === 0) return 1;
  const trueSize = new Map<string, number>();
  for (const label of expected) trueSize.set(label, (trueSize.get(label) ?? 0) + 1);
  const groups = new Map<string, { truth: string | null; size: number }>();
  for (let i = 0; i < predicted.length; i++) {
    const group = groups.get(predicted[i]);
    if (group === undefined) groups.set(predicted[i], { truth: expected[i], size: 1 });
    else {
      if (group.truth !== expected[i]) group.truth = null;
      group.size++;
    }
  }
  let correct = 0;
  for (const { truth, size } of groups.values()) {
    if (truth !== null && trueSize.get(truth) === size) correct += size;
  }
  return correct / expected.length;
}

/** The 12 systems of the Loghub 2k parsing benchmark and their header formats. */
export const LOGHUB_2K_FORMATS: Readonly<Record<string, string>> = {
  HDFS: '<Date> <Time> <Pid> <Level> <Component>: <Content>',
  Hadoop: '<Date> <Time> <Level> \\[<Process>\\] <Component>: <Content>',
  Spark: '<Date> <Time> <Level> <Component>: <Content>',
  Zookeeper: '<Date> <Time> - <Level>  \\[<Node>:<Component>@<Id>\\] - <Content>',
  OpenStack: '<Logrecord> <Date> <Time> <Pid> <Level> <Component> \\[<ADDR>\\] <Content>',
  HPC: '<LogId> <Node> <Component> <State> <Time> <Flag> <Content>',
  Windows: '<Date> <Time>, <Level>                  <Component>    <Content>',
  Linux: '<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>',
  Mac: '<Month>  <Date> <Time> <User> <Component>\\[<PID>\\]( \\(<Address>\\))?: <Content>',
  Android: '<Date> <Time>  <Pid>  <Tid> <Level> <Component>: <Content>',
  Apache: '\\[<Time>\\] \\[<Level>\\] <Content>',
  OpenSSH: '<Date> <Day> <Time> <Component> sshd\\[<Pid>\\]: <Content>',
};

/** Inputs of {@link evalParseLoghub2k}. */
export interface Loghub2kEvalOptions {
  /** Folder holding `<System>/<System>_2k.log` and `<System>_2k.log_structured.csv`. */
  loghubDir: string;
  /** Folder holding the corrected ground truth, `<System>/<System>_2k.log_structured_corrected.csv`. */
  correctedDir?: string;
  /** Miner options, the same for every system. */
  minerOptions?: TemplateMinerOptions;
}

/** One system's row of {@link evalParseLoghub2k}. */
export interface Loghub2kEvalRow {
  system: string;
  original: ParseEvalResult;
  corrected: ParseEvalResult | null;
}

/**
 * Evaluates the miner with one configuration on all 12 Loghub 2k systems, against the original ground truth
 * and, when `correctedDir` is given, the corrected one. Only the declared header format differs per system.
 */
export async function evalParseLoghub2k(options: Loghub2kEvalOptions): Promise<Loghub2kEvalRow[]> {
  const { loghubDir, correctedDir, minerOptions } = options;
  const rows: Loghub2kEvalRow[] = [];
  for (const [system, logFormat] of Object.entries(LOGHUB_2K_FORMATS)) {
    const original = await evalParse({
      logPath: join(loghubDir, system, `${system}_2k.log`),
      truthPath: join(loghubDir, system, `${system}_2k.log_structured.csv`),
      logFormat,
      minerOptions,
    });
    const corrected =
      correctedDir === undefined
        ? null
        : await evalParse({
            logPath: join(correctedDir, system, `${system}_2k.log`),
            truthPath: join(correctedDir, system, `${system}_2k.log_structured_corrected.csv`),
            logFormat,
            minerOptions,
          });
    rows.push({ system, original, corrected });
  }
  return rows;
}

/** Drain's published grouping accuracy on the Loghub 2k samples (tuned per system), the bar to reach. */
export const DRAIN_GROUPING_ACCURACY: Readonly<Record<string, number>> = {
  HDFS: 0.9975,
  Hadoop: 0.948,
  Spark: 0.92,
  Zookeeper: 0.967,
  OpenStack: 0.733,
  HPC: 0.887,
  Windows: 0.997,
  Linux: 0.69,
  Mac: 0.787,
  Android: 0.911,
  Apache: 1,
  OpenSSH: 0.788,
};

/**
 * Where the Loghub 2k samples live beside a checkout: `../shared/data/logs/` from the repository root.
 *
 * @example
 * ```ts
 * console.log(formatParseTable(await evalParseLoghub2k(defaultLoghubDirs())));
 * ```
 */
export function defaultLoghubDirs(): { loghubDir: string; correctedDir: string } {
  return {
    loghubDir: join(SHARED_DATA_DIR, 'logs', 'loghub_2k'),
    correctedDir: join(SHARED_DATA_DIR, 'logs', 'loghub_2k_corrected'),
  };
}

/** Renders {@link evalParseLoghub2k} rows as a Markdown table, with Drain's figures and the averages. */
export function formatParseTable(rows: readonly Loghub2kEvalRow[]): string {
  const lines = [
    '| system | grouping accuracy | corrected truth | Drain (tuned) | templates | true templates |',
    '|---|---|---|---|---|---|',
  ];
  let original = 0;
  let corrected = 0;
  for (const row of rows) {
    original += row.original.grouping_accuracy;
    corrected += row.corrected?.grouping_accuracy ?? 0;
    const drain = DRAIN_GROUPING_ACCURACY[row.system];
    lines.push(
      `| ${row.system} | ${row.original.grouping_accuracy.toFixed(4)} | ${
        row.corrected === null ? '-' : row.corrected.grouping_accuracy.toFixed(4)
      } | ${drain === undefined ? '-' : drain.toFixed(4)} | ${row.original.templates} | ${row.original.true_templates} |`,
    );
  }
  const n = Math.max(rows.length, 1);
  const hasCorrected = rows.some((row) => row.corrected !== null);
  lines.push(
    `| average | ${(original / n).toFixed(4)} | ${hasCorrected ? (corrected / n).toFixed(4) : '-'} | | | |`,
  );
  return lines.join('\n');
}
