import { rfc3339 } from '../export/detection-json.js';
import type { LokiEntry } from '../integrations/loki/loki-query.js';
import type { JobModel } from '../jobs/job-model.js';
import { scorerOptions } from '../jobs/job-model.js';
import { suppressionPattern } from '../jobs/suppression.js';
import type { Scorer } from '../jobs/thread-scorer.js';
import type { Detection } from '../model/detection.js';
import type { LokiSource } from './source-definition.js';

const MAX_LINE_BYTES = 64 * 1024;
const encoder = new TextEncoder();

/** The lines of Loki entries as one chunk of text. */
function chunkOf(entries: readonly LokiEntry[]): Uint8Array {
  let text = '';
  for (const e of entries) text += `${e.line.replace(/\r?\n/g, ' ')}\n`;
  return encoder.encode(text);
}

function serviceOf(def: LokiSource, e: LokiEntry): string | null {
  return e.labels[def.service_label] ?? e.labels.service ?? e.labels.app ?? e.labels.job ?? null;
}

/** What scoring one page of entries against a model produced. */
export interface LogPageResult {
  detections: Detection[];
  /** The score of every line, for drift checks and shadow comparisons. */
  scores: Float32Array;
  /** Detections not reported because users marked their pattern "not an anomaly". */
  suppressed: number;
}

/**
 * Scores a page of Loki entries with a source's log model (on the scoring threads). Detections get ids from the
 * entry's nanosecond timestamp and its rank among entries of that timestamp, so a repeated pull makes the same
 * ids; their time is Loki's when the line has none, their service the stream's label when the line names none.
 */
export async function scoreLogPage(
  scorer: Scorer,
  def: LokiSource,
  tenant: string,
  model: { version: number; model: JobModel },
  entries: readonly LokiEntry[],
  suppressed: ReadonlySet<string>,
  seq: number,
): Promise<LogPageResult> {
  if (entries.length === 0) return { detections: [], scores: new Float32Array(0), suppressed: 0 };
  const job = {
    tenant_id: tenant,
    options: {
      format: def.format,
      log_format: def.log_format,
      session_key: def.session_key,
      service: null,
      threshold: def.threshold,
      retrain: false,
    },
  };
  const options = {
    ...scorerOptions(model.model, job, MAX_LINE_BYTES),
    keepLineScores: true,
    sessionKey: undefined,
  };
  const key = `source:${tenant}:${def.id}:${model.version}:${def.threshold}`;
  const result = await scorer.score(key, async () => ({ model: model.model, options }), {
    seq,
    source: def.id,
    startLine: 1,
    bytes: chunkOf(entries),
  });
  const rank = entryRanks(entries);
  const detections: Detection[] = [];
  let hidden = 0;
  for (const d of result.top) {
    const lineNo = Number(d.id.slice(d.id.lastIndexOf(':') + 1));
    const e = entries[lineNo - 1];
    if (!e || d.severity === null) continue;
    const adopted: Detection = {
      ...d,
      id: `${tenant}:${def.id}:${e.ts}:${streamHash(e.labels)}:${rank[lineNo - 1]}`,
      tenant,
      timestamp: d.timestamp ?? rfc3339(Number(e.ts / 1_000_000n)),
      service: d.service && d.service !== 'unknown' ? d.service : serviceOf(def, e),
    };
    if (suppressed.has(suppressionPattern(adopted))) hidden++;
    else detections.push(adopted);
  }
  return { detections, scores: result.lineScores ?? new Float32Array(0), suppressed: hidden };
}

/** A short stable hash of a stream's labels (FNV-1a). */
function streamHash(labels: Record<string, string>): string {
  let h = 0x811c9dc5;
  for (const [k, v] of Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const text = `${k}=${v},`;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return (h >>> 0).toString(36);
}

/** For each entry, how many earlier entries of the page share its timestamp and stream. */
function entryRanks(entries: readonly LokiEntry[]): number[] {
  const seen = new Map<string, number>();
  return entries.map((e) => {
    const k = `${e.ts}|${JSON.stringify(e.labels)}`;
    const r = seen.get(k) ?? 0;
    seen.set(k, r + 1);
    return r;
  });
}

/** Trains a source's log model on reference lines. */
export function trainLogSource(scorer: Scorer, def: LokiSource, lines: string[]): Promise<JobModel> {
  return scorer.train(lines, { format: def.format, log_format: def.log_format });
}
