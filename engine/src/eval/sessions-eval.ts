import { readFile } from 'node:fs/promises';
import {
  SESSION_DETECTORS,
  type SessionDetectorName,
  SessionModel,
  type SessionModelOptions,
} from '../detect/session-model.js';
import { DEFAULT_THRESHOLD, tailProbabilityFromScore } from '../model/score.js';
import { aucPr, f1 as f1Score } from './metrics.js';

/** A session file that cannot be read or has a line that is not `id,event event …`. */
export class SessionFileError extends Error {
  override readonly name = 'SessionFileError';

  constructor(
    readonly file: string,
    readonly line: number | null,
    detail: string,
  ) {
    super(line === null ? `${file}: ${detail}` : `${file}:${line}: ${detail}`);
  }
}

/** One labelled session file row. */
export interface SessionRow {
  id: string;
  events: string[];
}

/** Options of {@link evalSessions}. */
export interface EvalSessionsOptions {
  /** Normal sessions, one `id,space-separated event ids` per line. */
  trainPath: string;
  /** Anomalous sessions, same format. */
  testAbnormalPath: string;
  /** Held-out normal sessions: plain train/test instead of folds. */
  testNormalPath?: string;
  /**
   * Folds over the training file when there is no `testNormalPath`: row i (0-based) belongs to fold i mod
   * folds.
   * @defaultValue 5
   */
  folds?: number;
  /**
   * Real [normal, anomalous] counts to extrapolate precision to; without it precision is the pooled sample's.
   * @defaultValue undefined
   */
  baseRate?: [number, number];
  /**
   * Score at or above which a session is flagged.
   * @defaultValue {@link DEFAULT_THRESHOLD}
   */
  threshold?: number;
  /** Options of every fitted {@link SessionModel}. */
  model?: SessionModelOptions;
}

/** What one detector would have done alone, with its share of the false-alarm budget. */
export interface DetectorContribution {
  name: SessionDetectorName;
  /** Share of anomalous sessions it flags alone. */
  recall: number;
  /** Share of normal sessions it flags alone. */
  fpr: number;
  /** Flagged sessions (either label) whose score it decided. */
  decided: number;
  /** Average precision of its own tail probability as a ranking of the pooled scored sessions. */
  aucPr: number;
}

/** Result of {@link evalSessions}. */
export interface SessionsEvalResult {
  precision: number;
  recall: number;
  f1: number;
  fpr: number;
  /** Average precision of the ensemble score over the pooled scored sessions. */
  aucPr: number;
  /** Flagged anomalous sessions (over all folds). */
  tp: number;
  /** Flagged normal sessions. */
  fp: number;
  /** Normal sessions scored (each training row once). */
  normal: number;
  /** Anomalous sessions scored (each once per fold). */
  abnormal: number;
  folds: number | null;
  threshold: number;
  baseRate: [number, number] | null;
  detectors: DetectorContribution[];
  /** Wall-clock seconds spent fitting and scoring. */
  seconds: number;
}

/**
 * Evaluates the session model on labelled session files. With folds (the default), row i of the training file
 * belongs to fold i mod `folds`; for each fold the model trains on the other rows and scores the fold and
 * every anomalous session. Pooled over folds: FPR = flagged normal rows / normal rows; recall = flagged
 * anomalous / (folds × anomalous). With `baseRate` = [n, a], precision is extrapolated to that mix: `P = R·a
 * / (R·a + FPR·n)`. With `testNormalPath`, the model trains on the whole training file and scores both test
 * files once.
 *
 * @example
 * ```ts
 * const r = await evalSessions({ trainPath, testAbnormalPath, folds: 5, baseRate: [558_223, 16_838] });
 * ```
 */
export async function evalSessions(options: EvalSessionsOptions): Promise<SessionsEvalResult> {
  const { trainPath, testAbnormalPath, testNormalPath, baseRate, threshold = DEFAULT_THRESHOLD } = options;
  const folds = testNormalPath ? null : (options.folds ?? 5);
  if (folds !== null && !(Number.isInteger(folds) && folds >= 2)) {
    throw new RangeError(`folds must be an integer ≥ 2, got ${folds}`);
  }
  const started = performance.now();
  const [train, abnormal, testNormal] = await Promise.all([
    readSessionFile(trainPath),
    readSessionFile(testAbnormalPath),
    testNormalPath ? readSessionFile(testNormalPath) : Promise.resolve(null),
  ]);
  const tally = new Tally(threshold);
  if (folds === null) {
    const model = SessionModel.fit(
      train.map((r) => r.events),
      options.model,
    );
    for (const r of testNormal ?? []) tally.add(model, r.events, false);
    for (const r of abnormal) tally.add(model, r.events, true);
  } else {
    for (let k = 0; k < folds; k++) {
      const model = SessionModel.fit(
        train.filter((_, i) => i % folds !== k).map((r) => r.events),
        options.model,
      );
      for (let i = k; i < train.length; i += folds) tally.add(model, train[i].events, false);
      for (const r of abnormal) tally.add(model, r.events, true);
    }
  }
  return tally.result(folds, baseRate ?? null, (performance.now() - started) / 1000);
}

/** Reads a session file: one `id,space-separated event ids` per non-empty line. */
export async function readSessionFile(path: string): Promise<SessionRow[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SessionFileError(
      path,
      null,
      `cannot read (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const rows: SessionRow[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === '') continue;
    const comma = line.indexOf(',');
    const id = comma > 0 ? line.slice(0, comma).trim() : '';
    const events =
      comma > 0
        ? line
            .slice(comma + 1)
            .trim()
            .split(/\s+/)
            .filter(Boolean)
        : [];
    if (id === '' || events.length === 0 || events.some((e) => e.includes(','))) {
      const shown = line.length > 60 ? `${line.slice(0, 60)}…` : line;
      throw new SessionFileError(path, n + 1, `expected "id,event event …", got "${shown}"`);
    }
    rows.push({ id, events });
  }
  if (rows.length === 0) throw new SessionFileError(path, null, 'no sessions');
  return rows;
}

interface DetectorTally {
  tp: number;
  fp: number;
  decided: number;
  /** −ln p of every scored session, in scoring order. */
  surprise: number[];
}

/** Accumulates decisions, per-detector contributions and scores over the scored sessions. */
class Tally {
  private tp = 0;
  private fp = 0;
  private normal = 0;
  private abnormal = 0;
  private readonly scores: number[] = [];
  private readonly labels: boolean[] = [];
  private readonly alone = new Map<SessionDetectorName, DetectorTally>(
    SESSION_DETECTORS.map((name) => [name, { tp: 0, fp: 0, decided: 0, surprise: [] }]),
  );
  private readonly thresholdP: number;

  constructor(private readonly threshold: number) {
    this.thresholdP = tailProbabilityFromScore(threshold);
  }

  add(model: SessionModel, events: readonly string[], anomalous: boolean): void {
    const r = model.score(events);
    const flagged = r.score >= this.threshold;
    if (anomalous) {
      this.abnormal++;
      if (flagged) this.tp++;
    } else {
      this.normal++;
      if (flagged) this.fp++;
    }
    this.scores.push(r.score);
    this.labels.push(anomalous);
    const weights = model.detectorWeights();
    for (const name of SESSION_DETECTORS) {
      const c = this.alone.get(name);
      if (!c) continue;
      const p = r.evidence.tailProbabilities[name];
      c.surprise.push(-Math.log(p));
      if (p / weights[name] <= this.thresholdP) {
        if (anomalous) c.tp++;
        else c.fp++;
      }
      if (flagged && r.evidence.strongest === name) c.decided++;
    }
  }

  result(folds: number | null, baseRate: [number, number] | null, seconds: number): SessionsEvalResult {
    const recall = this.abnormal > 0 ? this.tp / this.abnormal : 0;
    const fpr = this.normal > 0 ? this.fp / this.normal : 0;
    const precision = baseRate
      ? extrapolatedPrecision(recall, fpr, baseRate)
      : safeRatio(this.tp, this.tp + this.fp);
    return {
      precision,
      recall,
      f1: f1Score(precision, recall),
      fpr,
      aucPr: aucPr(this.scores, this.labels),
      tp: this.tp,
      fp: this.fp,
      normal: this.normal,
      abnormal: this.abnormal,
      folds,
      threshold: this.threshold,
      baseRate,
      detectors: SESSION_DETECTORS.map((name) => {
        const c = this.alone.get(name) ?? { tp: 0, fp: 0, decided: 0, surprise: [] };
        return {
          name,
          recall: safeRatio(c.tp, this.abnormal),
          fpr: safeRatio(c.fp, this.normal),
          decided: c.decided,
          aucPr: aucPr(c.surprise, this.labels),
        };
      }),
      seconds,
    };
  }
}

/** Precision at a base rate of `normal : abnormal` from recall and FPR. */
export function extrapolatedPrecision(
  recall: number,
  fpr: number,
  [normal, abnormal]: [number, number],
): number {
  const tp = recall * abnormal;
  const fp = fpr * normal;
  return tp + fp > 0 ? tp / (tp + fp) : 0;
}

function safeRatio(a: number, b: number): number {
  return b > 0 ? a / b : 0;
}
