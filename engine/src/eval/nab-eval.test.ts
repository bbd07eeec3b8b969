import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLD } from '../model/score.js';
import { scoreSeries } from '../series/score-series.js';
import { evalNab, evaluateNabScores, loadNabCorpus, type NabSeries, scoreNabSeries } from './nab-eval.js';
import { NabFormatError } from './nab-scorer.js';

const NAB = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared', 'data', 'nab');
const corpusOptions = {
  dataDir: join(NAB, 'data'),
  windowsPath: join(NAB, 'labels', 'combined_windows.json'),
};

describe('NAB evaluation of the series detector', () => {
  let corpus: NabSeries[];
  beforeAll(async () => {
    corpus = await loadNabCorpus(corpusOptions);
  });

  it('has no look-ahead: the first k rows score as a run on only those k rows', () => {
    const picked = corpus.filter((_, i) => i % 6 === 1);
    expect(picked.length).toBeGreaterThanOrEqual(5);
    for (const ensemble of ['fast', 'full'] as const) {
      for (const s of picked) {
        const { times, values } = s.table;
        const full = scoreSeries(times, values, { ensemble });
        for (const frac of [0.2, 0.55, 0.9]) {
          const k = Math.floor(times.length * frac);
          const prefix = scoreSeries(times.subarray(0, k), values.subarray(0, k), { ensemble });
          expect(Array.from(prefix.scores), `${s.file.key} k=${k}`).toEqual(
            Array.from(full.scores.subarray(0, k)),
          );
          expect(Array.from(prefix.alertScores)).toEqual(Array.from(full.alertScores.subarray(0, k)));
          expect(Array.from(prefix.expected)).toEqual(Array.from(full.expected.subarray(0, k)));
        }
      }
    }
  });

  it('scores at least 60 (standard profile) at the shipped threshold', async () => {
    const r = await evalNab(corpusOptions);
    expect(r.thresholds).toEqual({ standard: 0.5, reward_low_FP_rate: 0.5, reward_low_FN_rate: 0.5 });
    expect(r.standard).toBeGreaterThanOrEqual(60);
    expect(r.reward_low_FN_rate).toBeGreaterThan(r.standard);
    const optimized = evaluateNabScores(
      corpus.map((s) => s.file),
      corpus.map((s) => scoreNabSeries(s.table)),
      { kind: 'optimize' },
    );
    expect(optimized.standard).toBeGreaterThanOrEqual(r.standard);
    expect(r.profiles.standard.threshold).toBe(DEFAULT_THRESHOLD);
  });

  it('rejects scores NAB would reject', () => {
    const file = { key: 'x.csv', rows: 3, windows: [] };
    const mode = { kind: 'fixed', threshold: 0.5 } as const;
    expect(() => evaluateNabScores([file], [[0, 0.2, 1.5]], mode)).toThrow(/outside \[0, 1\]/);
    expect(() => evaluateNabScores([file], [[0, Number.NaN, 1]], mode)).toThrow(RangeError);
    expect(() => evaluateNabScores([file], [[0, 1]], mode)).toThrow(/2 scores for 3 rows/);
  });

  it('explains a broken corpus', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nab-'));
    const windows = join(dir, 'windows.json');
    await writeFile(windows, '{"cat/missing.csv": []}');
    await expect(loadNabCorpus({ dataDir: dir, windowsPath: windows })).rejects.toThrow(NabFormatError);
    await writeFile(windows, 'not json');
    await expect(loadNabCorpus({ dataDir: dir, windowsPath: windows })).rejects.toThrow(/not valid JSON/);
    await expect(loadNabCorpus({ dataDir: dir, windowsPath: join(dir, 'nope.json') })).rejects.toThrow(
      /cannot read/,
    );
  });
});
