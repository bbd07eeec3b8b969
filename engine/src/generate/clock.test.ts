import { describe, expect, it } from 'vitest';
import { diurnalFactor, LogClock } from './clock.js';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

describe('LogClock', () => {
  it('formats the time for every format, rolling over days and months', () => {
    const clock = new LogClock();
    clock.set(Date.UTC(2026, 10, 22, 9, 5, 7, 42));
    expect(text(clock.isoPrefix)).toBe('2026-11-22T09:05:07.');
    expect(text(clock.appPrefix)).toBe('2026-11-22 09:05:07,');
    expect(text(clock.nginx)).toBe('22/Nov/2026:09:05:07 +0000');
    expect(text(clock.syslog)).toBe('Nov 22 09:05:07');
    expect(clock.ms).toBe(42);
    clock.set(Date.UTC(2026, 10, 30, 23, 59, 59, 999));
    clock.set(Date.UTC(2026, 11, 1, 0, 0, 1, 5));
    expect(text(clock.isoPrefix)).toBe('2026-12-01T00:00:01.');
    expect(text(clock.syslog)).toBe('Dec  1 00:00:01');
    expect(text(clock.nginx)).toBe('01/Dec/2026:00:00:01 +0000');
    expect(clock.ms).toBe(5);
  });

  it('follows the hour of the day for volume: low at night, high in the afternoon, 1 on average', () => {
    expect(diurnalFactor(2)).toBeCloseTo(0.4);
    expect(diurnalFactor(14)).toBeCloseTo(1.6);
    let sum = 0;
    for (let h = 0; h < 24; h += 0.25) sum += diurnalFactor(h);
    expect(sum / 96).toBeCloseTo(1);
    const clock = new LogClock();
    clock.set(Date.UTC(2026, 10, 22, 14, 0, 0));
    expect(clock.volume).toBeCloseTo(1.6);
  });
});
