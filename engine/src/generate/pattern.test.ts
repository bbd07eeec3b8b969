import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng.js';
import { LogClock } from './clock.js';
import { compilePattern, InvalidPatternError, type LineContext, renderLine } from './pattern.js';
import { DEFAULT_SLOTS, pinnedSlots } from './slots.js';

function context(seed: number): LineContext {
  const clock = new LogClock();
  clock.set(Date.UTC(2026, 10, 22, 10, 0, 0, 123));
  return { rng: createRng(seed), clock, inSession: false, traceHi: 0, traceLo: 0, user: 0, latencyScale: 1 };
}

describe('compilePattern', () => {
  it('renders static text and slots, the same way for the same seed', () => {
    const render = compilePattern(
      '%{apptime} INFO [inventory] req-%{trace} reserved %{int:1:12} units',
      DEFAULT_SLOTS,
    );
    const line = renderLine(render, context(1));
    expect(line).toMatch(
      /^2026-11-22 10:00:00,123 INFO \[inventory\] req-[0-9a-f]{16} reserved (\d+) units$/,
    );
    expect(Number(/reserved (\d+)/.exec(line)?.[1])).toBeGreaterThanOrEqual(1);
    expect(renderLine(render, context(1))).toBe(line);
    expect(renderLine(compilePattern('no slots here', DEFAULT_SLOTS), context(1))).toBe('no slots here');
  });

  it('writes the session id and user of a session step', () => {
    const c = { ...context(2), inSession: true, traceHi: 0xdeadbeef, traceLo: 0x01234567 };
    expect(renderLine(compilePattern('%{trace}', DEFAULT_SLOTS), c)).toBe('deadbeef01234567');
  });

  it('formats ids and durations as real logs do', () => {
    const c = context(3);
    const uuid = renderLine(compilePattern('%{uuid}', DEFAULT_SLOTS), c);
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(renderLine(compilePattern('%{rtime:45}', DEFAULT_SLOTS), c)).toMatch(/^\d+\.\d{3}$/);
    expect(renderLine(compilePattern('%{amount}', DEFAULT_SLOTS), c)).toMatch(/^\d+\.\d\d$/);
  });

  it('pins slots to fixed values', () => {
    expect(renderLine(compilePattern('user=%{user}', pinnedSlots({ user: 'svc-x' })), context(4))).toBe(
      'user=svc-x',
    );
  });

  it('rejects unknown slots and bad arguments at compile time', () => {
    expect(() => compilePattern('%{nope}', DEFAULT_SLOTS)).toThrow(InvalidPatternError);
    expect(() => compilePattern('%{int:9:1}', DEFAULT_SLOTS)).toThrow(InvalidPatternError);
    expect(() => compilePattern('%{pick:noSuchList}', DEFAULT_SLOTS)).toThrow(InvalidPatternError);
  });
});
