import { describe, expect, it } from 'vitest';
import { measureMinerThroughput, syntheticMessages } from './miner-throughput.js';

describe('syntheticMessages', () => {
  it('makes the same ~150-byte messages for a seed', () => {
    const messages = syntheticMessages(500, 7);
    expect(syntheticMessages(500, 7)).toEqual(messages);
    const mean = messages.reduce((sum, m) => sum + m.length, 0) / messages.length;
    expect(mean).toBeGreaterThan(130);
    expect(mean).toBeLessThan(170);
  });
});

describe('measureMinerThroughput', () => {
  it('reports rates and the templates found, without asserting any speed', () => {
    const result = measureMinerThroughput({ lines: 2000, rounds: 1 });
    expect(result.lines).toBe(2000);
    expect(result.templates).toBe(8);
    for (const rate of [result.addPerSecond, result.matchPerSecond, result.addPerCpuSecond]) {
      expect(rate).toBeGreaterThan(0);
    }
  });
});
