import { describe, expect, it } from 'vitest';
import { combineVerdicts } from './ensemble.js';

describe('combineVerdicts', () => {
  it('scores by the strongest detector with a Bonferroni correction', () => {
    const r = combineVerdicts([
      { name: 'a', p: 0.5 },
      { name: 'b', p: 1e-6 },
    ]);
    expect(r.strongest).toBe(1);
    expect(r.detectors.map((d) => d.name)).toEqual(['a', 'b']);
    expect(r.detectors[1].score).toBe(1);
    expect(r.score).toBeCloseTo(-Math.log10(2e-6) / 6, 3);
  });

  it('gives 0 when nothing is unusual or nothing was asked', () => {
    expect(combineVerdicts([{ name: 'a', p: 1 }]).score).toBe(0);
    expect(combineVerdicts([]).score).toBe(0);
  });
});
