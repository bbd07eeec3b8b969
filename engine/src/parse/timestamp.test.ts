import { describe, expect, it } from 'vitest';
import { currentYear, epochToMs, parseTimestamp, scanTimestamp } from './timestamp.js';

const utc = (iso: string): number => Date.parse(iso);

describe('scanTimestamp', () => {
  it.each([
    ['2024-03-05T10:11:12Z rest', '2024-03-05T10:11:12.000Z', 20],
    ['2024-03-05T10:11:12.123456789Z', '2024-03-05T10:11:12.123Z', 30],
    ['2024-03-05T10:11:12.5+02:00', '2024-03-05T08:11:12.500Z', 27],
    ['2024-03-05T10:11:12-0530', '2024-03-05T15:41:12.000Z', 24],
    ['2024-03-05 10:11:12,123 INFO x', '2024-03-05T10:11:12.123Z', 23],
    ['2024/03/05 10:11:12 +0100 msg', '2024-03-05T09:11:12.000Z', 25],
    ['2024-03-05 10:11:12 - msg', '2024-03-05T10:11:12.000Z', 19],
    ['081109 203615 148 INFO', '2008-11-09T20:36:15.000Z', 13],
    ['17/06/09 20:10:40 INFO', '2017-06-09T20:10:40.000Z', 17],
    ['10/Oct/2000:13:55:36 -0700] "GET', '2000-10-10T20:55:36.000Z', 26],
    ['Sun Dec 04 04:47:44 2005] [notice]', '2005-12-04T04:47:44.000Z', 24],
    ['Wed Oct 11 14:32:52.123456 2000] x', '2000-10-11T14:32:52.123Z', 31],
    ['Jun 14 15:16:01 2005 combo', '2005-06-14T15:16:01.000Z', 20],
    ['1700000000 message', '2023-11-14T22:13:20.000Z', 10],
    ['1700000000.25 message', '2023-11-14T22:13:20.250Z', 13],
    ['1700000000123 message', '2023-11-14T22:13:20.123Z', 13],
  ])('%s', (text, iso, end) => {
    expect(scanTimestamp(text, 0, 2024)).toEqual({ ms: utc(iso), end });
  });

  it('takes the year of year-less shapes from its argument', () => {
    expect(scanTimestamp('Mar  5 10:11:12 host app: x', 0, 2023)).toEqual({
      ms: utc('2023-03-05T10:11:12Z'),
      end: 15,
    });
    expect(scanTimestamp('03-17 16:13:38.811  1702', 0, 2016)).toEqual({
      ms: utc('2016-03-17T16:13:38.811Z'),
      end: 18,
    });
  });

  it('starts where told', () => {
    expect(scanTimestamp('[2024-03-05 10:11:12]', 1, 2024)).toEqual({
      ms: utc('2024-03-05T10:11:12Z'),
      end: 20,
    });
  });

  it.each([
    'hello world',
    '2024-13-05T10:11:12Z',
    '2024-03-05T25:11:12Z',
    '2024-03-05',
    '12345 items',
    '123456789012 x',
    'Foo 12 10:11:12',
    'Sun Dec 04 04:47:44 then',
    '192.168.1.1 - -',
    '',
  ])('finds none in %j', (text) => {
    expect(scanTimestamp(text, 0, 2024)).toBeNull();
  });
});

describe('parseTimestamp', () => {
  it('parses whole strings and epoch numbers in text', () => {
    expect(parseTimestamp('2024-03-05T10:11:12.123Z')).toBe(utc('2024-03-05T10:11:12.123Z'));
    expect(parseTimestamp(' 1700000000123 ')).toBe(1700000000123);
    expect(parseTimestamp('1700000000123456789')).toBe(1700000000123);
    expect(parseTimestamp('2024-03-05T10:11:12Z trailing')).toBeNull();
    expect(parseTimestamp('yesterday')).toBeNull();
    expect(parseTimestamp('')).toBeNull();
  });
});

describe('epochToMs', () => {
  it('reads seconds, milliseconds, microseconds and nanoseconds by magnitude', () => {
    const ms = utc('2024-03-05T10:11:12.345Z');
    expect(epochToMs(ms / 1000)).toBe(ms);
    expect(epochToMs(ms)).toBe(ms);
    expect(epochToMs(ms * 1000)).toBe(ms);
    expect(epochToMs(ms * 1e6)).toBe(ms);
    expect(epochToMs(42)).toBeNull();
    expect(epochToMs(Number.NaN)).toBeNull();
  });

  it('agrees with Date for dates across centuries', () => {
    for (const iso of [
      '1999-12-31T23:59:59Z',
      '2000-02-29T12:00:00Z',
      '2100-03-01T00:00:00Z',
      '1980-01-01T00:00:00Z',
    ]) {
      expect(parseTimestamp(iso)).toBe(utc(iso));
    }
    expect(currentYear()).toBeGreaterThanOrEqual(2024);
  });
});
