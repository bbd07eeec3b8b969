import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../errors.js';
import { evalNabCommand, parseEvalNabArgs } from './eval-nab.js';

afterEach(() => {
  vi.restoreAllMocks();
});

async function run(argv: string[]): Promise<string> {
  let stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    stdout += chunk.toString();
    // As a stream does: the last argument, when a function, is called once the chunk is written.
    const done = rest.at(-1);
    if (typeof done === 'function') done();
    return true;
  });
  await evalNabCommand(argv);
  return stdout;
}

describe('outlier eval nab', () => {
  it('prints one JSON object with the three normalized scores, raw scores and thresholds', async () => {
    const out = JSON.parse(await run(['--json']));
    expect(Object.keys(out)).toEqual([
      'standard',
      'reward_low_FP_rate',
      'reward_low_FN_rate',
      'raw',
      'thresholds',
    ]);
    expect(out.standard).toBeGreaterThanOrEqual(60);
    expect(out.thresholds.standard).toBe(0.5);
    expect(Object.keys(out.raw)).toEqual(['standard', 'reward_low_FP_rate', 'reward_low_FN_rate']);
  });

  it('prints the table, narrowed by --profile, with NAB thresholds under --optimize', async () => {
    const all = await run([]);
    expect(all.trimEnd().split('\n')).toHaveLength(4);
    const one = await run(['--profile', 'reward_low_FP_rate', '--optimize']);
    const lines = one.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^reward_low_FP_rate\s+0\.\d+\s+-?\d+\.\d{4}\s+-?\d+\.\d{2}\s+\d+\/53\s+\d+$/);
  });

  it('rejects contradictory or unknown flags', () => {
    expect(() => parseEvalNabArgs(['--threshold', '0.4', '--optimize'])).toThrow(/not both/);
    expect(() => parseEvalNabArgs(['--profile', 'lenient'])).toThrow(UsageError);
    expect(() => parseEvalNabArgs(['--threshold', 'x'])).toThrow(UsageError);
    expect(() => parseEvalNabArgs(['extra'])).toThrow(/unexpected argument/);
  });
});
