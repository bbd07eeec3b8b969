import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_THRESHOLD } from '../model/score.js';
import { scoreSeries } from '../series/score-series.js';
import { readSeriesCsv, type SeriesTable } from '../series/series-csv.js';
import type { SeriesModelOptions } from '../series/series-model.js';
import {
  locateWindows,
  NAB_PROFILE_NAMES,
  NAB_PROFILES,
  type NabCorpusResult,
  type NabFile,
  NabFormatError,
  type NabProfile,
  type NabProfileName,
  optimizeThreshold,
  parseNabProfiles,
  scoreCorpus,
} from './nab-scorer.js';

/** One NAB data file, read. */
export interface NabSeries {
  file: NabFile;
  table: SeriesTable;
}

/** Options of {@link loadNabCorpus}. */
export interface NabCorpusOptions {
  /** Folder holding `<category>/<name>.csv`. */
  dataDir: string;
  /** `combined_windows.json`: relative path → list of `[start, end]` timestamps. Its keys are the corpus. */
  windowsPath: string;
}

/**
 * Reads the files named in a NAB windows file from the data folder and locates their windows.
 *
 * @throws {@link NabFormatError} on a malformed windows file or a window edge missing from its data file;
 * `SeriesInputError` on a data file that cannot be read as a series.
 */
export async function loadNabCorpus({ dataDir, windowsPath }: NabCorpusOptions): Promise<NabSeries[]> {
  const windows = parseWindowsJson(await readJson(windowsPath, 'windows'), windowsPath);
  const keys = Object.keys(windows).sort();
  return Promise.all(
    keys.map(async (key) => {
      let text: string;
      try {
        text = await readFile(join(dataDir, key), 'utf8');
      } catch {
        throw new NabFormatError(`${key} is in ${windowsPath} but not readable under ${dataDir}`);
      }
      const table = readSeriesCsv(text, { timeColumn: 'timestamp', valueColumn: 'value' });
      const rows = locateWindows(key, table.timeText, windows[key]);
      return { file: { key, rows: table.times.length, windows: rows }, table };
    }),
  );
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new NabFormatError(
      `cannot read the ${what} file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new NabFormatError(`the ${what} file ${path} is not valid JSON`);
  }
}

function parseWindowsJson(json: unknown, path: string): Record<string, [string, string][]> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new NabFormatError(`${path}: expected an object mapping files to windows`);
  }
  const out: Record<string, [string, string][]> = {};
  for (const [key, list] of Object.entries(json)) {
    if (!Array.isArray(list)) throw new NabFormatError(`${path}: windows of ${key} must be a list`);
    out[key] = list.map((w) => {
      if (!Array.isArray(w) || w.length !== 2 || typeof w[0] !== 'string' || typeof w[1] !== 'string') {
        throw new NabFormatError(`${path}: a window of ${key} is not a [start, end] pair of timestamps`);
      }
      return [w[0], w[1]];
    });
  }
  return out;
}

/** Reads NAB's `config/profiles.json`, or returns the built-in profiles when no path is given. */
export async function loadNabProfiles(path?: string): Promise<Record<NabProfileName, NabProfile>> {
  if (!path) return { ...NAB_PROFILES };
  return parseNabProfiles(await readJson(path, 'profiles'));
}

/** How the threshold of a NAB evaluation is chosen. */
export type NabThresholdMode = { kind: 'fixed'; threshold: number } | { kind: 'optimize' };

/** Result of a NAB evaluation: normalized scores at the top level, the detail per profile below. */
export interface NabEvalResult {
  standard: number;
  reward_low_FP_rate: number;
  reward_low_FN_rate: number;
  raw: Record<NabProfileName, number>;
  thresholds: Record<NabProfileName, number>;
  profiles: Record<NabProfileName, NabCorpusResult>;
}

/**
 * Scores given per-row anomaly scores against a corpus for all three profiles, at a fixed θ or at NAB's
 * optimised θ per profile.
 *
 * @throws RangeError when a file's scores do not cover its rows or leave [0, 1] (NAB rejects such output).
 */
export function evaluateNabScores(
  files: readonly NabFile[],
  scores: readonly ArrayLike<number>[],
  mode: NabThresholdMode,
  profiles: Record<NabProfileName, NabProfile> = NAB_PROFILES,
): NabEvalResult {
  scores.forEach((s, f) => {
    if (s.length !== files[f].rows)
      throw new RangeError(`${files[f].key}: ${s.length} scores for ${files[f].rows} rows`);
    for (let i = 0; i < s.length; i++) {
      if (!(s[i] >= 0 && s[i] <= 1))
        throw new RangeError(`${files[f].key}: score ${s[i]} at row ${i} is outside [0, 1]`);
    }
  });
  const results = {} as Record<NabProfileName, NabCorpusResult>;
  for (const name of NAB_PROFILE_NAMES) {
    const profile = profiles[name];
    const threshold = mode.kind === 'fixed' ? mode.threshold : optimizeThreshold(files, scores, profile);
    results[name] = scoreCorpus(files, scores, threshold, profile);
  }
  const pick = (f: (r: NabCorpusResult) => number) =>
    Object.fromEntries(NAB_PROFILE_NAMES.map((n) => [n, f(results[n])])) as Record<NabProfileName, number>;
  const normalized = pick((r) => r.normalized);
  return {
    standard: normalized.standard,
    reward_low_FP_rate: normalized.reward_low_FP_rate,
    reward_low_FN_rate: normalized.reward_low_FN_rate,
    raw: pick((r) => r.raw),
    thresholds: pick((r) => r.threshold),
    profiles: results,
  };
}

/** Options of {@link evalNab}. */
export interface NabEvalOptions extends NabCorpusOptions {
  /** `config/profiles.json`; the built-in copy of NAB's profiles when absent. */
  profilesPath?: string;
  /** @defaultValue the shipped default θ */
  mode?: NabThresholdMode;
  /** Options of Outlier's series model (the shipped defaults when absent). */
  model?: SeriesModelOptions;
}

/**
 * Runs Outlier's series detector over every NAB file in one causal pass (each point scored before it is learned)
 * and scores the result with NAB's rules.
 */
export async function evalNab(options: NabEvalOptions): Promise<NabEvalResult> {
  const corpus = await loadNabCorpus(options);
  const profiles = await loadNabProfiles(options.profilesPath);
  const scores = corpus.map((s) => scoreNabSeries(s.table, options.model));
  return evaluateNabScores(
    corpus.map((s) => s.file),
    scores,
    options.mode ?? { kind: 'fixed', threshold: DEFAULT_THRESHOLD },
    profiles,
  );
}

/** Outlier's per-row NAB anomaly scores for one file: the alert score of a single causal pass. */
export function scoreNabSeries(table: SeriesTable, model?: SeriesModelOptions): Float64Array {
  return scoreSeries(table.times, table.values, model).alertScores;
}
