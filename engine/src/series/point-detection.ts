import { round4 } from '../detect/ensemble.js';
import { rfc3339 } from '../export/detection-json.js';
import type { Detection, DetectorScore } from '../model/detection.js';
import type { SeriesPoint } from './series-model.js';

/** Where a point comes from. */
export interface PointSource {
  /** The series' name or file. */
  source: string;
  /** @defaultValue 'default' */
  tenant?: string;
  /** @defaultValue null */
  service?: string | null;
}

/** A finite number rounded to 6 significant digits, or null. */
function sig6(x: number): number | null {
  return Number.isFinite(x) ? Number(x.toPrecision(6)) : null;
}

function formatValue(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);
}

/** A sentence on a point: where it sits against its band, and what decided its score. */
export function explainPoint(p: SeriesPoint): string {
  if (Number.isNaN(p.value)) return 'missing value';
  if (!Number.isFinite(p.value)) return `non-finite value ${p.value}`;
  const band = `expected ${formatValue(p.expected)}, band ${formatValue(p.lower)} to ${formatValue(p.upper)}`;
  const side =
    p.value > p.upper ? 'above the band' : p.value < p.lower ? 'below the band' : 'inside the band';
  const why = p.strongest ? `; strongest detector: ${p.strongest}` : '';
  const incident = p.incident && !p.alert ? '; part of an ongoing incident' : '';
  return `${formatValue(p.value)} ${side} (${band})${why}${incident}`;
}

/**
 * A scored series point as Outlier's Detection (kind `point`). `severity` is set only on the point that opens an
 * incident; the points after it in the same incident carry their score but no severity.
 */
export function pointDetection(
  p: SeriesPoint,
  from: PointSource,
  detectors: DetectorScore[] = [],
): Detection {
  const timestamp = rfc3339(p.time);
  return {
    id: `${from.source}:point:${Number.isFinite(p.time) ? p.time : 'unknown'}`,
    tenant: from.tenant ?? 'default',
    source: from.source,
    service: from.service ?? null,
    timestamp,
    kind: 'point',
    score: round4(p.score),
    severity: p.severity,
    template_id: null,
    template: null,
    session_id: null,
    observed: Number.isFinite(p.value) ? p.value : null,
    expected: sig6(p.expected),
    lower: sig6(p.lower),
    upper: sig6(p.upper),
    detectors,
    explanation: explainPoint(p),
    samples: [],
  };
}
