import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNabCorpus, type NabSeries } from './nab-eval.js';
import {
  NAB_PROFILE_NAMES,
  NAB_PROFILES,
  type NabFile,
  type NabProfileName,
  normalizeScore,
  optimizeThreshold,
  parseNabProfiles,
  probationaryLength,
  scaledSigmoid,
  scoreCorpus,
  scoreFile,
} from './nab-scorer.js';

const NAB = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared', 'data', 'nab');

/** golden/README.md, Table 1 (NAB's thresholds) and Table 2 (re-optimised), as printed there. */
const TABLES = {
  numenta: {
    nab_thresholds: {
      standard: [0.5421876907348634, 20.6905, 69.5193, 44, 67],
      reward_low_FP_rate: [0.5751955032348636, 13.6564, 62.8834, 42, 50],
      reward_low_FN_rate: [0.5421876907348634, 11.6905, 74.0192, 44, 67],
    },
    reoptimized: {
      standard: [0.543099145074, 20.6905, 69.5193, 44, 67],
      reward_low_FP_rate: [0.575335555563, 13.6564, 62.8834, 42, 50],
      reward_low_FN_rate: [0.543099145074, 11.6905, 74.0192, 44, 67],
    },
  },
  windowedGaussian: {
    nab_thresholds: {
      standard: [1.0, -13.687, 37.0878, 24, 43],
      reward_low_FP_rate: [1.0, -18.3153, 32.7214, 24, 43],
      reward_low_FN_rate: [1.0, -42.687, 39.8195, 24, 43],
    },
    reoptimized: {
      standard: [0.999999999999, -13.0369, 37.7011, 25, 55],
      reward_low_FP_rate: [1.0, -18.3153, 32.7214, 24, 43],
      reward_low_FN_rate: [0.999999999999, -41.0369, 40.8573, 25, 55],
    },
  },
} as const;

type Detector = keyof typeof TABLES;
type Mode = keyof (typeof TABLES)['numenta'];

interface ExpectedFile {
  threshold: number;
  windows: number;
  windowsDetected: number;
  fpRows: number;
  raw: number;
}

async function loadFixture(detector: Detector, files: readonly NabFile[]): Promise<Float64Array[]> {
  const text = gunzipSync(await readFile(join(NAB, 'golden', `${detector}_anomaly_scores.csv.gz`))).toString(
    'utf8',
  );
  const byKey = new Map(files.map((f) => [f.key, new Float64Array(f.rows).fill(Number.NaN)]));
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const [key, row, score] = lines[i].split(',');
    const scores = byKey.get(key);
    if (!scores) throw new Error(`fixture row for unknown file ${key}`);
    scores[Number(row)] = Number(score);
  }
  return files.map((f) => byKey.get(f.key) ?? new Float64Array(0));
}

/** expected_per_file_scores.csv, keyed `detector|profile|mode|file`. */
async function loadExpected(): Promise<Map<string, ExpectedFile>> {
  const text = await readFile(join(NAB, 'golden', 'expected_per_file_scores.csv'), 'utf8');
  const out = new Map<string, ExpectedFile>();
  for (const line of text.trim().split('\n').slice(1)) {
    const [detector, profile, mode, threshold, file, windows, detected, fp, raw] = line.split(',');
    out.set(`${detector}|${profile}|${mode}|${file}`, {
      threshold: Number(threshold),
      windows: Number(windows),
      windowsDetected: Number(detected),
      fpRows: Number(fp),
      raw: Number(raw),
    });
  }
  return out;
}

describe('NAB scorer, worked example (SCORING.md §9)', () => {
  const file: NabFile = {
    key: 'example.csv',
    rows: 1000,
    windows: [
      [400, 499],
      [700, 749],
    ],
  };
  const scores = new Float64Array(1000);
  for (const [row, s] of [
    [100, 0.9],
    [200, 0.6],
    [450, 0.8],
    [460, 0.95],
    [470, 0.75],
    [520, 0.7],
    [760, 0.65],
    [900, 0.55],
  ]) {
    scores[row] = s;
  }
  const expected: [number, Record<NabProfileName, number>][] = [
    [
      0.9,
      {
        standard: -0.2280730601789117,
        reward_low_FP_rate: -0.2280730601789117,
        reward_low_FN_rate: -1.2280730601789118,
      },
    ],
    [
      0.75,
      {
        standard: -0.1402074330902163,
        reward_low_FP_rate: -0.1402074330902163,
        reward_low_FN_rate: -1.1402074330902163,
      },
    ],
    [
      0.6,
      {
        standard: -0.3596022222521942,
        reward_low_FP_rate: -0.578997011414172,
        reward_low_FN_rate: -1.3596022222521942,
      },
    ],
    [
      0.5,
      {
        standard: -0.4696022222521942,
        reward_low_FP_rate: -0.798997011414172,
        reward_low_FN_rate: -1.469602222252194,
      },
    ],
  ];

  it('has the documented sigmoid and probation', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.9866142981514305, 15);
    expect(scaledSigmoid(3)).toBeCloseTo(-0.9999993881955461, 15);
    expect(scaledSigmoid(3.0000001)).toBe(-1);
    expect(probationaryLength(1000)).toBe(150);
    expect(probationaryLength(4032)).toBe(604);
    expect(probationaryLength(1624)).toBe(243);
    expect(probationaryLength(10_320)).toBe(750);
  });

  it.each(expected)('scores the file at θ = %s', (threshold, byProfile) => {
    for (const name of NAB_PROFILE_NAMES) {
      expect(scoreFile(file, scores, threshold, NAB_PROFILES[name]).raw).toBeCloseTo(byProfile[name], 12);
    }
  });

  it('keeps the higher of two tied thresholds, and detects everything at 0', () => {
    for (const name of NAB_PROFILE_NAMES)
      expect(optimizeThreshold([file], [scores], NAB_PROFILES[name])).toBe(0.8);
    expect(scoreFile(file, scores, 0, NAB_PROFILES.standard).raw).toBeCloseTo(-70.5957, 4);
  });
});

describe('NAB scorer on the golden fixtures (golden/README.md)', () => {
  let corpus: NabSeries[];
  let files: NabFile[];
  let expectedFiles: Map<string, ExpectedFile>;
  const fixtures = new Map<Detector, Float64Array[]>();

  beforeAll(async () => {
    corpus = await loadNabCorpus({
      dataDir: join(NAB, 'data'),
      windowsPath: join(NAB, 'labels', 'combined_windows.json'),
    });
    files = corpus.map((s) => s.file);
    expectedFiles = await loadExpected();
    for (const d of Object.keys(TABLES) as Detector[]) fixtures.set(d, await loadFixture(d, files));
  });

  it('reads the 31 files, 53 windows and 139,187 rows, and the shipped profiles', async () => {
    expect(files).toHaveLength(31);
    expect(files.reduce((a, f) => a + f.windows.length, 0)).toBe(53);
    expect(files.reduce((a, f) => a + f.rows, 0)).toBe(139_187);
    const json = JSON.parse(await readFile(join(NAB, 'config', 'profiles.json'), 'utf8'));
    expect(parseNabProfiles(json)).toEqual(NAB_PROFILES);
  });

  for (const detector of Object.keys(TABLES) as Detector[]) {
    for (const mode of ['nab_thresholds', 'reoptimized'] as Mode[]) {
      for (const profile of NAB_PROFILE_NAMES) {
        it(`${detector}, ${profile}, ${mode}: table row and every file`, () => {
          const [theta, raw, normalized, detected, fpRows] = TABLES[detector][mode][profile];
          const scores = fixtures.get(detector) ?? [];
          const weights = NAB_PROFILES[profile];
          const threshold = mode === 'reoptimized' ? optimizeThreshold(files, scores, weights) : theta;
          expect(threshold).toBe(theta);
          const result = scoreCorpus(files, scores, threshold, weights);
          let expectedRaw = 0;
          for (const r of result.files) {
            const e = expectedFiles.get(`${detector}|${profile}|${mode}|${r.key}`);
            expect(e, r.key).toBeDefined();
            if (!e) continue;
            expect(e.threshold).toBe(theta);
            expect(Math.abs(r.raw - e.raw), r.key).toBeLessThan(1e-9);
            expect([r.windows, r.windowsDetected, r.fpRows], r.key).toEqual([
              e.windows,
              e.windowsDetected,
              e.fpRows,
            ]);
            expectedRaw += e.raw;
          }
          expect(Math.abs(result.raw - expectedRaw)).toBeLessThan(1e-6);
          expect(Math.abs(result.normalized - normalizeScore(expectedRaw, weights, 53))).toBeLessThan(1e-6);
          expect(Math.abs(result.raw - raw)).toBeLessThan(5e-5);
          expect(Math.abs(result.normalized - normalized)).toBeLessThan(5e-5);
          expect([result.windowsDetected, result.fpRows]).toEqual([detected, fpRows]);
          expect([result.null, result.perfect]).toEqual([-53 * weights.fnWeight, 53]);
        });
      }
    }
  }
});
