import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DetectionSchema } from '../../model/detection.js';
import { SeriesInputError } from '../../series/series-csv.js';
import { UsageError } from '../errors.js';
import { parseSeriesArgs, seriesCommand } from './series.js';

let dir: string;
let good: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'outlier-series-'));
  good = join(dir, 'cpu.csv');
  const lines = ['time,cpu'];
  for (let i = 0; i < 3000; i++) {
    const t = new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();
    const x = 40 + 10 * Math.sin((2 * Math.PI * i) / 1440) + ((i * 7919) % 13) / 13 + (i === 2500 ? 30 : 0);
    lines.push(`${t},${x.toFixed(3)}`);
  }
  await writeFile(good, `${lines.join('\n')}\n`);
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function run(argv: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    stdout += chunk.toString();
    // As a stream does: the last argument, when a function, is called once the chunk is written.
    const done = rest.at(-1);
    if (typeof done === 'function') done();
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  });
  await seriesCommand(argv);
  return { stdout, stderr };
}

describe('outlier series', () => {
  it('prints one CSV row per point with its band, and severity on the alert', async () => {
    const { stdout, stderr } = await run([good]);
    const rows = stdout.trimEnd().split('\n');
    expect(rows[0]).toBe('timestamp,value,anomaly_score,expected,lower,upper,severity');
    expect(rows).toHaveLength(3001);
    const spike = rows[2501].split(',');
    expect(spike[0]).toBe('2024-01-02T17:40:00.000Z');
    expect(Number(spike[2])).toBeGreaterThanOrEqual(0.5);
    expect(spike[6]).toMatch(/^(low|medium|high|critical)$/);
    const calm = rows[2000].split(',');
    expect(calm[6]).toBe('');
    expect(Number(calm[4])).toBeLessThanOrEqual(Number(calm[3]));
    expect(Number(calm[5])).toBeGreaterThanOrEqual(Number(calm[3]));
    expect(stderr).toMatch(/Scored 3,000 points of cpu: \d+ alerts? at θ=0.5/);
  });

  it('prints NDJSON Detections of kind point with --json', async () => {
    const { stdout } = await run([good, '--json', '--value-col', 'cpu', '--threshold', '0.6']);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3000);
    const spike = DetectionSchema.parse(JSON.parse(lines[2500]));
    expect(spike.kind).toBe('point');
    expect(spike.severity).not.toBeNull();
    expect(spike.detectors.length).toBeGreaterThan(0);
    expect(spike.explanation).toMatch(/above the band/);
    for (const line of lines.slice(0, 50)) DetectionSchema.parse(JSON.parse(line));
  });

  it('rejects bad flags with a usage error', () => {
    expect(() => parseSeriesArgs([])).toThrow(UsageError);
    expect(() => parseSeriesArgs(['a.csv', '--threshold', '2'])).toThrow(
      /--threshold must be a number from 0 to 1/,
    );
    expect(() => parseSeriesArgs(['a.csv', '--ensemble', 'huge'])).toThrow(UsageError);
    expect(() => parseSeriesArgs(['a.csv', '--direction', 'sideways'])).toThrow(UsageError);
    expect(() => parseSeriesArgs(['a.csv', '--bogus'])).toThrow(UsageError);
  });

  it.each([
    ['empty.csv', '', /empty/],
    ['header.csv', 'timestamp,value\n', /no data rows/],
    ['one.csv', 'timestamp,value\n2024-01-01T00:00:00Z,1\n', /at least 2 points/],
    ['time.csv', 'timestamp,value\nnoon,1\nlater,2\n', /unparsable timestamp "noon"/],
    ['value.csv', 'timestamp,value\n2024-01-01,1\n2024-01-02,high\n', /non-numeric value "high"/],
  ])('fails with one clear message on %s', async (name, text, message) => {
    const path = join(dir, name);
    await writeFile(path, text);
    const error = await run([path]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SeriesInputError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('names a file it cannot read', async () => {
    await expect(run([join(dir, 'absent.csv')])).rejects.toThrow(/cannot read .*absent\.csv: ENOENT/);
  });
});
