import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outlier, tempDir } from './cli-helpers.js';

describe('outlier demo', () => {
  it('finds the injected incidents, the abnormal checkout sessions among them', () => {
    const r = outlier(['demo', '--size', '8M', '--seed', '1', '--out', join(tempDir(), 'demo.log')]);
    expect(r.code, r.stderr).toBe(0);
    const found = /Injected incidents found: (\d) of 8/.exec(r.stdout);
    expect(found, r.stdout).not.toBeNull();
    expect(Number(found?.[1])).toBeGreaterThanOrEqual(7);
    // The sessions that create the order before the payment (or skip it) span services: found as sessions.
    expect(r.stdout).toMatch(/ {2}found {3}session-anomaly +checkout +lines \d+-\d+ {2}best: session score/);
  });
});
