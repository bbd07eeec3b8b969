import { z } from 'zod';
import { SEVERITIES } from './score.js';

/** What a detection is about: one log line, one session, one time window of a service, one series point. */
export const DETECTION_KINDS = ['line', 'session', 'window', 'point'] as const;

/** A detector's contribution to a detection. */
export const DetectorScoreSchema = z.object({
  name: z.string(),
  score: z.number().min(0).max(1),
});

/**
 * The Detection: the one shape every score leaves Outlier in (CLI NDJSON, API, Loki streams, the UI). snake_case,
 * `null` where a field means nothing for the kind.
 */
export const DetectionSchema = z.object({
  id: z.string(),
  tenant: z.string(),
  source: z.string(),
  service: z.string().nullable(),
  timestamp: z.string().nullable().describe('RFC 3339'),
  kind: z.enum(DETECTION_KINDS),
  score: z.number().min(0).max(1),
  severity: z.enum(SEVERITIES).nullable().describe('null when score < θ'),
  template_id: z.string().nullable(),
  template: z.string().nullable(),
  session_id: z.string().nullable(),
  observed: z.number().nullable(),
  expected: z.number().nullable(),
  lower: z.number().nullable(),
  upper: z.number().nullable(),
  detectors: z.array(DetectorScoreSchema),
  explanation: z.string(),
  samples: z.array(z.string()),
});

/** A detection record. */
export type Detection = z.infer<typeof DetectionSchema>;
/** One detector's score inside a detection. */
export type DetectorScore = z.infer<typeof DetectorScoreSchema>;
/** Kind of a detection. */
export type DetectionKind = (typeof DETECTION_KINDS)[number];

/** JSON Schema (draft 2020-12) of {@link Detection}, for the API documentation and consumers. */
export function detectionJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(DetectionSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
}

/** Order of keys in serialized detections; the NDJSON writer and tests rely on it. */
export const DETECTION_KEYS: readonly (keyof Detection)[] = Object.keys(
  DetectionSchema.shape,
) as (keyof Detection)[];
