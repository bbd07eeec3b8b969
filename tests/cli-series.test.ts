import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outlier, SHARED_DATA, tempDir } from './cli-helpers.js';

const dir = tempDir();

function csv(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('outlier series', () => {
  it('scores a real series as CSV with expected bounds for every point', () => {
    const r = outlier(['series', join(SHARED_DATA, 'nab', 'data', 'realKnownCause', 'nyc_taxi.csv')]);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trimEnd().split('\n');
    expect(rows[0]).toBe('timestamp,value,anomaly_score,expected,lower,upper,severity');
    expect(rows.length).toBe(10_321);
    for (const row of rows.slice(2000, 2010)) {
      const [, value, score, expected, lower, upper] = row.split(',').map(Number);
      expect(Number.isFinite(value) && score >= 0 && score <= 1).toBe(true);
      expect(lower).toBeLessThanOrEqual(expected);
      expect(upper).toBeGreaterThanOrEqual(expected);
    }
  });

  it.each([
    ['empty.csv', 'timestamp,value\n', /no data rows/],
    ['bad-time.csv', 'timestamp,value\nxx,1\nyy,2\nzz,3\n', /unparsable timestamp "xx"/],
    [
      'bad-value.csv',
      'timestamp,value\n2020-01-01 00:00:00,1\n2020-01-01 00:01:00,abc\n',
      /non-numeric value "abc"/,
    ],
    ['one.csv', 'timestamp,value\n2020-01-01 00:00:00,1\n', /at least 2 points/],
  ])('rejects %s with one clear message and a non-zero exit', (name, text, message) => {
    const r = outlier(['series', csv(name, text)]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
