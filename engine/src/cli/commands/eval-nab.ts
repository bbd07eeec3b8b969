import { join } from 'node:path';
import { evalNab, type NabEvalResult } from '../../eval/nab-eval.js';
import { NAB_PROFILE_NAMES, type NabProfileName } from '../../eval/nab-scorer.js';
import { SHARED_DATA_DIR } from '../../eval/shared-data.js';
import { DEFAULT_THRESHOLD } from '../../model/score.js';
import { numberFlag, parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { writeStdout } from '../output.js';

/** `shared/data/nab` beside the repository, the default corpus. */
export const DEFAULT_NAB_DIR = join(SHARED_DATA_DIR, 'nab');

/** Help text of `outlier eval nab`. */
export const EVAL_NAB_USAGE = `outlier eval nab [--data DIR] [--windows FILE] [--profile P] [--threshold X | --optimize] [--json]

Runs the series detector over the Numenta Anomaly Benchmark files in one causal pass and scores them with NAB's
rules (probation, early-detection sigmoid, normalisation), for all three profiles.

  --data DIR         folder with <category>/<file>.csv (default ${join(DEFAULT_NAB_DIR, 'data')})
  --windows FILE     combined_windows.json (default ${join(DEFAULT_NAB_DIR, 'labels', 'combined_windows.json')})
  --profiles FILE    NAB's config/profiles.json (default: NAB's profiles, built in)
  --profile P        ${NAB_PROFILE_NAMES.join('|')}: print only this profile's row
  --threshold X      one θ for every file (default: the shipped θ = ${DEFAULT_THRESHOLD})
  --optimize         NAB's threshold search instead, per profile (the best θ on these files)
  --ensemble E       fast|full (default fast)
  --json             one JSON object: {"standard", "reward_low_FP_rate", "reward_low_FN_rate", "raw", "thresholds"}
`;

/** Parsed `eval nab` options. */
export interface EvalNabCliOptions {
  dataDir: string;
  windowsPath: string;
  profilesPath?: string;
  profile?: NabProfileName;
  threshold?: number;
  optimize: boolean;
  ensemble: 'fast' | 'full';
  json: boolean;
}

/** Parses `eval nab` arguments (those after `nab`). */
export function parseEvalNabArgs(argv: string[]): EvalNabCliOptions {
  const { values, positionals } = parseCommandArgs('eval nab', argv, {
    data: { type: 'string' },
    windows: { type: 'string' },
    profiles: { type: 'string' },
    profile: { type: 'string' },
    threshold: { type: 'string' },
    optimize: { type: 'boolean' },
    ensemble: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`eval nab: unexpected argument "${positionals[0]}"`);
  if (values.threshold !== undefined && values.optimize) {
    throw new UsageError('eval nab: give --threshold or --optimize, not both');
  }
  const profile = values.profile;
  if (profile !== undefined && !(NAB_PROFILE_NAMES as readonly string[]).includes(profile)) {
    throw new UsageError(`--profile must be one of ${NAB_PROFILE_NAMES.join(', ')}; got "${profile}"`);
  }
  const ensemble = values.ensemble ?? 'fast';
  if (ensemble !== 'fast' && ensemble !== 'full')
    throw new UsageError(`--ensemble must be fast or full, got "${ensemble}"`);
  return {
    dataDir: values.data ?? join(DEFAULT_NAB_DIR, 'data'),
    windowsPath: values.windows ?? join(DEFAULT_NAB_DIR, 'labels', 'combined_windows.json'),
    profilesPath: values.profiles,
    profile: profile as NabProfileName | undefined,
    threshold: numberFlag('threshold', values.threshold, { min: 0, max: 1.1 }),
    optimize: values.optimize ?? false,
    ensemble,
    json: values.json ?? false,
  };
}

/** The printed table: one row per profile. */
export function renderNabTable(r: NabEvalResult, only?: NabProfileName): string {
  const header = ['profile', 'threshold', 'raw', 'normalized', 'windows', 'fp_rows'];
  const rows = NAB_PROFILE_NAMES.filter((n) => !only || n === only).map((n) => {
    const p = r.profiles[n];
    return [
      n,
      String(p.threshold),
      p.raw.toFixed(4),
      p.normalized.toFixed(2),
      `${p.windowsDetected}/${p.windows}`,
      String(p.fpRows),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** `outlier eval nab`. */
export async function evalNabCommand(argv: string[]): Promise<void> {
  const o = parseEvalNabArgs(argv);
  const result = await evalNab({
    dataDir: o.dataDir,
    windowsPath: o.windowsPath,
    profilesPath: o.profilesPath,
    mode: o.optimize ? { kind: 'optimize' } : { kind: 'fixed', threshold: o.threshold ?? DEFAULT_THRESHOLD },
    model: { ensemble: o.ensemble },
  });
  if (o.json) {
    const { standard, reward_low_FP_rate, reward_low_FN_rate, raw, thresholds } = result;
    await writeStdout(
      `${JSON.stringify({ standard, reward_low_FP_rate, reward_low_FN_rate, raw, thresholds })}\n`,
    );
    return;
  }
  await writeStdout(renderNabTable(result, o.profile));
}
