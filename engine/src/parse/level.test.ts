import { describe, expect, it } from 'vitest';
import { levelFromNumber, levelFromSyslogSeverity, normalizeLevel } from './level.js';

describe('normalizeLevel', () => {
  it.each([
    ['INFO', 'info'],
    ['Info', 'info'],
    ['notice', 'info'],
    ['WARNING', 'warn'],
    ['warn', 'warn'],
    ['ERR', 'error'],
    ['Error', 'error'],
    ['SEVERE', 'error'],
    ['CRIT', 'fatal'],
    ['critical', 'fatal'],
    ['panic', 'fatal'],
    ['emerg', 'fatal'],
    ['FATAL', 'fatal'],
    ['DEBUG', 'debug'],
    ['TRACE', 'trace'],
    ['wArNiNg', 'warn'],
    ['30', 'info'],
    ['3', 'error'],
  ] as const)('%s → %s', (word, level) => {
    expect(normalizeLevel(word)).toBe(level);
  });

  it('rejects words that are not levels, and single letters unless asked', () => {
    expect(normalizeLevel('Connection')).toBeNull();
    expect(normalizeLevel('')).toBeNull();
    expect(normalizeLevel('information-x')).toBeNull();
    expect(normalizeLevel('E')).toBeNull();
    expect(normalizeLevel('E', { letters: true })).toBe('error');
    expect(normalizeLevel('w', { letters: true })).toBe('warn');
    expect(normalizeLevel('constructor')).toBeNull();
  });
});

describe('levelFromNumber', () => {
  it('reads bunyan/pino levels and syslog severities', () => {
    expect([10, 20, 30, 40, 50, 60].map(levelFromNumber)).toEqual([
      'trace',
      'debug',
      'info',
      'warn',
      'error',
      'fatal',
    ]);
    expect([0, 3, 4, 5, 6, 7].map(levelFromNumber)).toEqual([
      'fatal',
      'error',
      'warn',
      'info',
      'info',
      'debug',
    ]);
    expect(levelFromNumber(35)).toBe('warn');
    expect(levelFromNumber(8)).toBeNull();
    expect(levelFromNumber(-1)).toBeNull();
    expect(levelFromNumber(2.5)).toBeNull();
  });

  it('maps syslog severities', () => {
    expect(levelFromSyslogSeverity(2)).toBe('fatal');
    expect(levelFromSyslogSeverity(6)).toBe('info');
  });
});
