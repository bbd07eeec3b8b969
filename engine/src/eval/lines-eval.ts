import { readFile } from 'node:fs/promises';
import { DEFAULT_THRESHOLD } from '../model/score.js';
import { analyzeLogs } from '../pipeline/analyze.js';
import { CsvFormatError, parseCsv, requireColumns } from './csv.js';
import { aucPr, confusion, f1, precision, recall } from './metrics.js';

/** Inputs of {@link evalLines}. */
export interface LinesEvalOptions {
  logPath: string;
  /** CSV with columns `LineId` (1-based) and `Label` (0/1). */
  labelsPath: string;
  logFormat?: string;
  sessionKey?: string;
  threshold?: number;
  workers?: number;
}

/** Outcome of {@link evalLines}. */
export interface LinesEvalResult {
  precision: number;
  recall: number;
  f1: number;
  auc_pr: number;
  lines: number;
  positives: number;
  flagged: number;
  threshold: number;
}

/**
 * Line-level evaluation through the whole product path: `analyze` on the raw log (parsing, templates, line and
 * session models), each line scored by the higher of its own score and its session's, against per-line labels.
 */
export async function evalLines(options: LinesEvalOptions): Promise<LinesEvalResult> {
  const { logPath, labelsPath, logFormat, sessionKey, threshold = DEFAULT_THRESHOLD, workers } = options;
  const table = parseCsv(await readFile(labelsPath, 'utf8'));
  const { LineId, Label } = requireColumns(table, ['LineId', 'Label']);
  const summary = await analyzeLogs({
    files: [logPath],
    format: logFormat ? 'loghub' : 'auto',
    logFormat,
    sessionKey,
    threshold,
    keepLineScores: true,
    top: 0,
    workers,
  });
  const scores = summary.lineScores ?? new Float32Array(0);
  const labels: boolean[] = new Array(scores.length).fill(false);
  for (const [i, row] of table.rows.entries()) {
    const id = Number(row[LineId]);
    const label = row[Label].trim();
    if (!Number.isInteger(id) || id < 1 || id > scores.length) {
      throw new CsvFormatError(
        `${labelsPath}: LineId "${row[LineId]}" is not a line of ${logPath} (1–${scores.length})`,
        i + 2,
      );
    }
    if (label !== '0' && label !== '1')
      throw new CsvFormatError(`${labelsPath}: Label must be 0 or 1, got "${label}"`, i + 2);
    labels[id - 1] = label === '1';
  }
  const counts = confusion(scores, labels, threshold);
  const p = precision(counts);
  const r = recall(counts);
  return {
    precision: p,
    recall: r,
    f1: f1(p, r),
    auc_pr: aucPr(scores, labels),
    lines: scores.length,
    positives: counts.tp + counts.fn,
    flagged: counts.tp + counts.fp,
    threshold,
  };
}
