import type { Detection } from '../model/detection.js';

/**
 * The pattern a verdict on a detection applies to: a line's template, or a service's window or session signal
 * (its strongest detector). A `not_anomaly` verdict suppresses every later detection with the same pattern.
 */
export function suppressionPattern(d: Detection): string {
  if (d.kind === 'line') return `line|${d.template ?? ''}`;
  const strongest = [...d.detectors].sort((a, b) => b.score - a.score)[0];
  return `${d.kind}|${d.service ?? ''}|${strongest ? strongest.name : ''}`;
}
