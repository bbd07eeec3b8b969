import type { IncidentReport } from './incident-runner.js';
import type { IncidentKind } from './incidents.js';
import { SYNTHETIC_FORMATS, type SyntheticFormat } from './template.js';

/** What a generated log contains. */
export interface SyntheticLogSummary {
  seed: number;
  bytes: number;
  lines: number;
  /** Distinct templates written (the generator's own template ids). */
  templates: number;
  /** Templates in the catalogue, written or not. */
  catalogueTemplates: number;
  /** Lines and bytes (newlines included) per format. */
  composition: Record<SyntheticFormat, { lines: number; bytes: number }>;
  /** Lines that are steps of a multi-line session (JSON `trace_id` / text `req-<id>` shared across lines). */
  sessionLines: number;
  /** Line lengths in bytes, without the newline. */
  lineBytes: { min: number; median: number; max: number; mean: number };
  /** Epoch milliseconds of the first and last line. */
  start: number;
  end: number;
  incidents: IncidentReport[];
}

/** A labelled (anomalous) line of a generated log. */
export interface LineLabel {
  /** 1-based line number. */
  line: number;
  kind: IncidentKind;
}

/** Line lengths counted exactly up to this many bytes (longer ones share the last bucket). */
export const LENGTH_BUCKETS = 4096;

/** Running counts of a generation, kept in flat arrays so the generator's loop only increments them. */
export interface GenerationStats {
  lines: number;
  bytes: number;
  sessionLines: number;
  start: number;
  end: number;
  /** 1 for each template id written. */
  seen: Uint8Array;
  /** Lines and bytes per format, in {@link SYNTHETIC_FORMATS} order. */
  formatLines: number[];
  formatBytes: number[];
  /** Number of lines by length in bytes, newline included (index = length − 1). */
  lengths: Float64Array;
}

/** Empty counts for a catalogue of `templates` templates, starting at `start`. */
export function createStats(templates: number, start: number): GenerationStats {
  return {
    lines: 0,
    bytes: 0,
    sessionLines: 0,
    start,
    end: start,
    seen: new Uint8Array(templates),
    formatLines: SYNTHETIC_FORMATS.map(() => 0),
    formatBytes: SYNTHETIC_FORMATS.map(() => 0),
    lengths: new Float64Array(LENGTH_BUCKETS),
  };
}

/** The summary of counts so far, with copies of the incident reports. */
export function summarize(
  stats: GenerationStats,
  seed: number,
  catalogueTemplates: number,
  incidents: readonly IncidentReport[],
): SyntheticLogSummary {
  const share = (format: SyntheticFormat) => {
    const i = SYNTHETIC_FORMATS.indexOf(format);
    return { lines: stats.formatLines[i], bytes: stats.formatBytes[i] };
  };
  let min = 0;
  let median = 0;
  let max = 0;
  let total = 0;
  let counted = 0;
  stats.lengths.forEach((count, length) => {
    if (count === 0) return;
    if (counted === 0) min = length;
    if (counted < stats.lines / 2 && counted + count >= stats.lines / 2) median = length;
    counted += count;
    total += count * length;
    max = length;
  });
  return {
    seed,
    bytes: stats.bytes,
    lines: stats.lines,
    templates: stats.seen.reduce((n, s) => n + s, 0),
    catalogueTemplates,
    composition: { json: share('json'), nginx: share('nginx'), syslog: share('syslog'), text: share('text') },
    sessionLines: stats.sessionLines,
    lineBytes: { min, median, max, mean: counted > 0 ? total / counted : 0 },
    start: stats.start,
    end: stats.end,
    incidents: incidents.map((r) => ({ ...r })),
  };
}
