/**
 * A port of the Numenta Anomaly Benchmark's scorer (`nab/sweeper.py`, `scorer.py`, `optimizer.py`), following
 * `shared/data/nab/SCORING.md` to the letter: probationary period, scaled-sigmoid row weights, one credit per
 * window, corpus sum, normalisation against the null and perfect detectors, and the threshold optimiser with its
 * "higher θ wins a tie" rule. Pure functions on row positions; reading files is `nab-eval.ts`'s job.
 */

/** NAB's three scoring profiles, in the order NAB reports them. */
export const NAB_PROFILE_NAMES = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const;

/** Name of a NAB profile. */
export type NabProfileName = (typeof NAB_PROFILE_NAMES)[number];

/** The weights of a profile (`CostMatrix` in `config/profiles.json`; its unused `tnWeight` is dropped). */
export interface NabProfile {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

/** NAB's profiles as shipped in `config/profiles.json`. */
export const NAB_PROFILES: Readonly<Record<NabProfileName, NabProfile>> = {
  standard: { tpWeight: 1.0, fpWeight: 0.11, fnWeight: 1.0 },
  reward_low_FP_rate: { tpWeight: 1.0, fpWeight: 0.22, fnWeight: 1.0 },
  reward_low_FN_rate: { tpWeight: 1.0, fpWeight: 0.11, fnWeight: 2.0 },
};

/** The threshold that detects nothing: the optimiser's first candidate. */
export const NO_DETECTION_THRESHOLD = 1.1;

/** Raised on a profiles or windows file that does not have NAB's shape. */
export class NabFormatError extends Error {
  override name = 'NabFormatError';
}

/** One data file as the scorer sees it: its row count and its windows as inclusive row ranges, in time order. */
export interface NabFile {
  /** Relative path `<category>/<name>.csv`. */
  key: string;
  rows: number;
  /** `[L, R]` row ranges, inclusive, non-overlapping, ascending. */
  windows: readonly (readonly [number, number])[];
}

/** Result of one file at one threshold. */
export interface NabFileResult {
  key: string;
  raw: number;
  windows: number;
  windowsDetected: number;
  fpRows: number;
}

/** Result of a corpus at one threshold under one profile. */
export interface NabCorpusResult {
  threshold: number;
  raw: number;
  normalized: number;
  /** Raw score of a detector that never fires (−A_FN × K). */
  null: number;
  /** Raw score of a perfect detector (A_TP × K). */
  perfect: number;
  windows: number;
  windowsDetected: number;
  fpRows: number;
  files: NabFileResult[];
}

/**
 * Reads NAB's `config/profiles.json` (`{ name: { CostMatrix: { tpWeight, fpWeight, fnWeight, … } } }`).
 *
 * @throws {@link NabFormatError} when a profile or a weight is missing or not a finite number.
 */
export function parseNabProfiles(json: unknown): Record<NabProfileName, NabProfile> {
  const out = {} as Record<NabProfileName, NabProfile>;
  for (const name of NAB_PROFILE_NAMES) {
    const entry = isRecord(json) ? json[name] : undefined;
    const matrix = isRecord(entry) ? entry.CostMatrix : undefined;
    if (!isRecord(matrix)) throw new NabFormatError(`profiles: "${name}" has no CostMatrix`);
    const weight = (key: string): number => {
      const v = matrix[key];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new NabFormatError(`profiles: "${name}".CostMatrix.${key} must be a number`);
      }
      return v;
    };
    out[name] = { tpWeight: weight('tpWeight'), fpWeight: weight('fpWeight'), fnWeight: weight('fnWeight') };
  }
  return out;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Rows ignored at the start of a file of `rows` rows: `min(floor(0.15 · N), 750)`. */
export function probationaryLength(rows: number): number {
  return Math.min(Math.floor(0.15 * rows), 750);
}

/** NAB's scaled sigmoid: −1 for y > 3, else `2 / (1 + e^{5y}) − 1`. */
export function scaledSigmoid(y: number): number {
  if (y > 3) return -1;
  return 2 / (1 + Math.exp(5 * y)) - 1;
}

const MAX_TP = scaledSigmoid(-1);

/**
 * Maps each window edge `[start, end]` (timestamp strings, compared on their first 19 characters) to the row where
 * that timestamp occurs in the data file.
 *
 * @throws {@link NabFormatError} when an edge does not occur exactly once, or a window ends before it starts.
 */
export function locateWindows(
  key: string,
  timestamps: readonly string[],
  windows: readonly (readonly [string, string])[],
): [number, number][] {
  const rowsOf = new Map<string, number[]>();
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i].slice(0, 19);
    const list = rowsOf.get(t);
    if (list) list.push(i);
    else rowsOf.set(t, [i]);
  }
  const rowOf = (edge: string): number => {
    const rows = rowsOf.get(edge.slice(0, 19)) ?? [];
    if (rows.length !== 1) {
      throw new NabFormatError(
        `${key}: window edge ${edge} occurs ${rows.length} times in the data, not once`,
      );
    }
    return rows[0];
  };
  return windows.map(([start, end]) => {
    const l = rowOf(start);
    const r = rowOf(end);
    if (r < l) throw new NabFormatError(`${key}: window ${start} … ${end} ends before it starts`);
    return [l, r];
  });
}

/** The window index of every row (−1 outside every window). */
export function windowIndexByRow(file: NabFile): Int32Array {
  const out = new Int32Array(file.rows).fill(-1);
  file.windows.forEach(([l, r], w) => {
    for (let i = l; i <= r; i++) out[i] = w;
  });
  return out;
}

/**
 * w(i) for every row of a file under a profile (§3): the early-detection credit inside a window, −A_FP before the
 * first window, and the sigmoid-scaled cost relative to the most recent preceding window after it.
 */
export function rowWeights(file: NabFile, profile: NabProfile): Float64Array {
  const w = new Float64Array(file.rows).fill(-profile.fpWeight);
  let prevRight = -1;
  let prevWidth = 0;
  let next = 0;
  for (let i = 0; i < file.rows; i++) {
    while (next < file.windows.length && file.windows[next][1] < i) {
      prevRight = file.windows[next][1];
      prevWidth = file.windows[next][1] - file.windows[next][0] + 1;
      next++;
    }
    const win = next < file.windows.length ? file.windows[next] : null;
    if (win && win[0] <= i) {
      const width = win[1] - win[0] + 1;
      w[i] = (profile.tpWeight * scaledSigmoid(-(win[1] - i + 1) / width)) / MAX_TP;
    } else if (prevRight >= 0) {
      w[i] = profile.fpWeight * scaledSigmoid((i - prevRight) / (prevWidth - 1));
    }
  }
  return w;
}

/** Whether a window lies entirely in the probationary period (it then earns no term, but still counts in K). */
function windowScorable(window: readonly [number, number], probation: number): boolean {
  return window[1] >= probation;
}

/** A file's score at θ (§4): one term per window, plus the weight of every detection outside the windows. */
export function scoreFile(
  file: NabFile,
  scores: ArrayLike<number>,
  threshold: number,
  profile: NabProfile,
): NabFileResult {
  if (scores.length !== file.rows) {
    throw new RangeError(`${file.key}: ${scores.length} scores for ${file.rows} rows`);
  }
  const p = probationaryLength(file.rows);
  const weights = rowWeights(file, profile);
  const windowOf = windowIndexByRow(file);
  const credit = file.windows.map(() => Number.NEGATIVE_INFINITY);
  let fp = 0;
  let fpRows = 0;
  for (let i = p; i < file.rows; i++) {
    if (!(scores[i] >= threshold)) continue;
    const w = windowOf[i];
    if (w >= 0) {
      if (weights[i] > credit[w]) credit[w] = weights[i];
    } else {
      fp += weights[i];
      fpRows++;
    }
  }
  let raw = fp;
  let detected = 0;
  file.windows.forEach((win, w) => {
    if (!windowScorable(win, p)) return;
    if (credit[w] > Number.NEGATIVE_INFINITY) {
      raw += credit[w];
      detected++;
    } else {
      raw -= profile.fnWeight;
    }
  });
  return { key: file.key, raw, windows: file.windows.length, windowsDetected: detected, fpRows };
}

/** `100 · (raw − null) / (perfect − null)` with null = −A_FN·K and perfect = A_TP·K (§7). */
export function normalizeScore(raw: number, profile: NabProfile, windowCount: number): number {
  const nullScore = -profile.fnWeight * windowCount;
  const perfect = profile.tpWeight * windowCount;
  return (100 * (raw - nullScore)) / (perfect - nullScore);
}

/** Scores a corpus at one θ (§5) and normalises it. `scores[f]` holds one score per row of `files[f]`. */
export function scoreCorpus(
  files: readonly NabFile[],
  scores: readonly ArrayLike<number>[],
  threshold: number,
  profile: NabProfile,
): NabCorpusResult {
  const results = files.map((f, k) => scoreFile(f, scores[k], threshold, profile));
  let raw = 0;
  let windows = 0;
  let windowsDetected = 0;
  let fpRows = 0;
  for (const r of results) {
    raw += r.raw;
    windows += r.windows;
    windowsDetected += r.windowsDetected;
    fpRows += r.fpRows;
  }
  return {
    threshold,
    raw,
    normalized: normalizeScore(raw, profile, windows),
    null: -profile.fnWeight * windows,
    perfect: profile.tpWeight * windows,
    windows,
    windowsDetected,
    fpRows,
    files: results,
  };
}

/**
 * NAB's threshold optimiser (§6): the candidate θ among 1.1 and every distinct score of a scorable row that
 * maximises the corpus raw score, the higher θ winning a tie. One descending sweep over the pooled rows,
 * O(n log n).
 */
export function optimizeThreshold(
  files: readonly NabFile[],
  scores: readonly ArrayLike<number>[],
  profile: NabProfile,
): number {
  let n = 0;
  for (const f of files) n += f.rows - probationaryLength(f.rows);
  const pooledScore = new Float64Array(n);
  const pooledWeight = new Float64Array(n);
  const pooledWindow = new Int32Array(n);
  const credit: number[] = [];
  let total = 0;
  let k = 0;
  files.forEach((file, f) => {
    const p = probationaryLength(file.rows);
    const weights = rowWeights(file, profile);
    const windowOf = windowIndexByRow(file);
    const base = credit.length;
    for (const win of file.windows) {
      const scorable = windowScorable(win, p);
      credit.push(scorable ? -profile.fnWeight : Number.POSITIVE_INFINITY);
      if (scorable) total -= profile.fnWeight;
    }
    const s = scores[f];
    if (s.length !== file.rows) throw new RangeError(`${file.key}: ${s.length} scores for ${file.rows} rows`);
    for (let i = p; i < file.rows; i++, k++) {
      pooledScore[k] = s[i];
      pooledWeight[k] = weights[i];
      pooledWindow[k] = windowOf[i] >= 0 ? base + windowOf[i] : -1;
    }
  });
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => pooledScore[b] - pooledScore[a]);
  let best = total;
  let bestThreshold = NO_DETECTION_THRESHOLD;
  let fp = 0;
  for (let j = 0; j < n; ) {
    const value = pooledScore[order[j]];
    for (; j < n && pooledScore[order[j]] === value; j++) {
      const r = order[j];
      const w = pooledWindow[r];
      if (w < 0) fp += pooledWeight[r];
      else if (pooledWeight[r] > credit[w]) {
        total += pooledWeight[r] - credit[w];
        credit[w] = pooledWeight[r];
      }
    }
    if (total + fp > best) {
      best = total + fp;
      bestThreshold = value;
    }
  }
  return bestThreshold;
}
