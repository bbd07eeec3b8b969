import { deviationPercent, formatDeviation, formatScore, formatTime, formatValue, summaryOf } from './format';

describe('formatting for people', () => {
  test('deviation in percent of the expected value, with a sign and separators', () => {
    expect(formatDeviation(deviationPercent({ observed: 120, expected: 40 }))).toBe('+200 %');
    expect(formatDeviation(deviationPercent({ observed: 16234.6, expected: 19.4 }))).toBe('+83,584 %');
    expect(formatDeviation(deviationPercent({ observed: 25, expected: 40 }))).toBe('−37.5 %');
    expect(formatDeviation(deviationPercent({ observed: 5, expected: -10 }))).toBe('+150 %');
  });

  test('never shows NaN or null: a dash where a value means nothing', () => {
    expect(formatDeviation(deviationPercent({ observed: 3, expected: 0 }))).toBe('—');
    expect(formatDeviation(deviationPercent({ observed: null, expected: 3 }))).toBe('—');
    expect(formatValue(null)).toBe('—');
    expect(formatValue(Number.NaN)).toBe('—');
    expect(formatScore(Number.NaN)).toBe('—');
    expect(formatTime(null, 'utc')).toBe('—');
    expect(formatTime('not a time', 'utc')).toBe('—');
  });

  test('values, scores and times', () => {
    expect(formatValue(16234.5971)).toBe('16,234.6');
    expect(formatValue(19.40351)).toBe('19.4035');
    expect(formatScore(0.9)).toBe('0.900');
    expect(formatTime('2026-11-23T06:00:00Z', 'utc')).toBe('2026-11-23 06:00:00');
    expect(summaryOf({ template: null, explanation: 'why' })).toBe('why');
    expect(summaryOf({ template: 'GET <*>', explanation: 'why' })).toBe('GET <*>');
  });
});
