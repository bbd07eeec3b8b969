import { describe, expect, it } from 'vitest';
import type { Detection } from '../model/detection.js';
import { DeterministicExplainer, ExplanationSchema } from './explainer.js';

const detection: Detection = {
  id: 'd1',
  tenant: 'acme',
  source: 'upload',
  service: 'checkout',
  timestamp: '2024-05-01T12:00:00.000Z',
  kind: 'window',
  score: 0.9,
  severity: 'high',
  template_id: null,
  template: null,
  session_id: null,
  observed: 1200,
  expected: 100,
  lower: 80,
  upper: 130,
  detectors: [{ name: 'count-tail', score: 0.9 }],
  explanation: 'checkout logged 1200 lines against an expected 100 (normal 80 to 130).',
  samples: [],
};

describe('DeterministicExplainer', () => {
  it("returns the detection's own sentence with no cause and no model", async () => {
    const explanation = await new DeterministicExplainer().explain(detection);
    expect(explanation).toEqual({
      text: detection.explanation,
      likely_cause: null,
      source: 'deterministic',
      model: null,
    });
    expect(ExplanationSchema.parse(explanation)).toEqual(explanation);
  });

  it('rejects a stored explanation of the wrong shape', () => {
    expect(
      ExplanationSchema.safeParse({ text: '', likely_cause: null, source: 'llm', model: 'm' }).success,
    ).toBe(false);
    expect(
      ExplanationSchema.safeParse({ text: 'x', likely_cause: null, source: 'gpt', model: null }).success,
    ).toBe(false);
  });
});
