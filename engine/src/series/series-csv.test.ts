import { describe, expect, it } from 'vitest';
import { parseTimestamp, readSeriesCsv, SeriesInputError } from './series-csv.js';

describe('readSeriesCsv', () => {
  it('reads NAB-style, ISO and epoch timestamps, and missing or infinite values', () => {
    const s = readSeriesCsv(
      'timestamp,value\n2014-07-01 00:00:00,1\n2014-07-01 00:05:00,\n2014-07-01 00:10:00,+Inf\n',
    );
    expect(Array.from(s.times)).toEqual([0, 300_000, 600_000].map((d) => Date.UTC(2014, 6, 1) + d));
    expect(Array.from(s.values)).toEqual([1, Number.NaN, Number.POSITIVE_INFINITY]);
    expect(parseTimestamp('2024-03-01T10:00:00Z')).toBe(Date.UTC(2024, 2, 1, 10));
    expect(parseTimestamp('2024-03-01T10:00:00+01:00')).toBe(Date.UTC(2024, 2, 1, 9));
    expect(parseTimestamp('1700000000')).toBe(1_700_000_000_000);
    expect(parseTimestamp('1700000000123')).toBe(1_700_000_000_123);
    expect(parseTimestamp('yesterday')).toBeNaN();
  });

  it('picks columns by name or by flag', () => {
    const text = 'host,ts,cpu,mem\na,1700000000,0.5,10\na,1700000060,0.6,11\n';
    const auto = readSeriesCsv(text);
    expect([auto.timeColumn, auto.valueColumn]).toEqual(['ts', 'cpu']);
    const chosen = readSeriesCsv(text, { valueColumn: 'mem' });
    expect(Array.from(chosen.values)).toEqual([10, 11]);
  });

  it.each([
    ['', /empty/],
    ['timestamp,value\n', /no data rows/],
    ['timestamp,value\n2024-01-01 00:00:00,1\n', /at least 2 points, got 1/],
    ['timestamp,value\nsoon,1\nlater,2\n', /unparsable timestamp "soon".*row 1/],
    ['timestamp,value\n2024-01-01,1\n2024-01-02,abc\n', /non-numeric value "abc".*row 2/],
    ['timestamp,value\n2024-01-01,"1\n', /bad CSV/],
  ])('rejects bad input %#', (text, message) => {
    expect(() => readSeriesCsv(text, { timeColumn: 'timestamp' })).toThrow(SeriesInputError);
    expect(() => readSeriesCsv(text, { timeColumn: 'timestamp' })).toThrow(message);
  });

  it('names a missing column', () => {
    expect(() => readSeriesCsv('timestamp,value\n1,2\n3,4\n', { valueColumn: 'cpu' })).toThrow(
      /no value column "cpu"/,
    );
  });
});
