import type { Detection } from '../../engine/src/model/detection.js';

/** A line detection of a rare template, with whatever a test changes in `over`. */
export function lineDetection(id: string, tenant: string, over: Partial<Detection> = {}): Detection {
  return {
    id,
    tenant,
    source: 'app.log',
    service: 'api',
    timestamp: '2026-01-01T00:00:00.000Z',
    kind: 'line',
    score: 0.9,
    severity: 'high',
    template_id: 't1',
    template: 'GET <*> failed',
    session_id: null,
    observed: null,
    expected: null,
    lower: null,
    upper: null,
    detectors: [{ name: 'template_rarity', score: 0.9 }],
    explanation: 'A rare template.',
    samples: ['GET /x failed'],
    ...over,
  };
}
