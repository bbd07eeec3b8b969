import { createRng, DEFAULT_SEED } from '../random/rng.js';
import { getCatalogue, SESSION_DRAW, type Template } from './catalogue.js';
import { LogClock } from './clock.js';
import { IncidentRunner } from './incident-runner.js';
import { incidentPlans } from './incidents.js';
import {
  createStats,
  type GenerationStats,
  LENGTH_BUCKETS,
  type LineLabel,
  type SyntheticLogSummary,
  summarize,
} from './log-summary.js';
import type { LineContext } from './pattern.js';
import { SessionPool } from './sessions.js';
import { EXPONENTIAL } from './slots.js';

/** Options of {@link generateLog}. */
export interface GenerateLogOptions {
  /**
   * Size to write, in bytes: the log stops before the line that would pass it.
   * @defaultValue 10 MiB when `lines` is not given either
   */
  bytes?: number;
  /** Number of lines to write (with `bytes` too, whichever is reached first). */
  lines?: number;
  /** @defaultValue {@link DEFAULT_SEED} */
  seed?: number;
  /** Inject the incidents of `incidentPlans` (ground truth in the summary). @defaultValue true */
  incidents?: boolean;
  /** Approximate size of each chunk the iterator yields. @defaultValue 1 MiB */
  chunkBytes?: number;
}

/**
 * A log being generated: iterate it for chunks of ASCII text (Buffers of about `chunkBytes`, each ending with a
 * newline; each is a fresh buffer the consumer may keep), then read its summary and labels.
 */
export interface SyntheticLog extends IterableIterator<Buffer> {
  /** Summary of the lines generated so far (final once iteration is done). */
  summary(): SyntheticLogSummary;
  /** Labelled lines generated so far, ascending. */
  labels(): LineLabel[];
}

/** Options that cannot describe a log. */
export class InvalidGenerateOptionsError extends Error {
  override name = 'InvalidGenerateOptionsError';
}

/** Average line length, to size time spans and incident windows before the first line (checked by a test). */
export const MEAN_LINE_BYTES = 153;
/** First timestamp of every log: 2026-11-22 06:00:00 UTC. */
export const LOG_START = Date.UTC(2026, 10, 22, 6, 0, 0);
const LINES_PER_SECOND = 100;
const MIN_SPAN_MS = 2 * 3_600_000;
const MAX_SPAN_MS = 72 * 3_600_000;
// Room past the chunk size for the line that crosses it (lines are at most 400 bytes).
const LINE_SLACK = 16 * 1024;
const NEWLINE = 10;

/**
 * Generates a realistic multi-service log, deterministically from a seed: the same seed and size give the same
 * bytes. Lines are drawn from a catalogue of about 1,500 templates (`getCatalogue`):
 * - ≈ 41 % JSON lines of 8 services (`time`, `level`, `service`, `trace_id`, `msg`, fields, `latency_ms`, `status`),
 * - ≈ 28 % nginx combined access lines with `$request_time`,
 * - ≈ 20 % free-text lines of 6 services (`2026-11-22 10:00:00,123 INFO [inventory] req-<id> …`),
 * - ≈ 11 % RFC 3164 syslog lines (sshd, kernel, CRON, systemd, sudo, containerd …).
 * Templates are ranked within each format (routine before rare) and drawn by a Zipf law, so a few are frequent
 * and many are rare but normal; 14 % of lines are steps of multi-line sessions sharing one id. Lines are 60 to
 * 400 bytes (median ≈ 150). Timestamps increase from {@link LOG_START} at a rate that follows the hour of the
 * day (×0.4 at night to ×1.6 in the afternoon) over 2 to 72 hours depending on size. With `incidents`, the
 * schedule of `incidentPlans` is injected from 35 % of the log on; the summary and `labels()` give the ground
 * truth.
 *
 * @example for (const chunk of generateLog({ bytes: 50e6, seed: 7 })) out.write(chunk);
 */
export function generateLog(options: GenerateLogOptions = {}): SyntheticLog {
  const { seed = DEFAULT_SEED, incidents = true, chunkBytes = 1 << 20 } = options;
  const targetLines = options.lines ?? Number.POSITIVE_INFINITY;
  const targetBytes =
    options.bytes ?? (options.lines === undefined ? 10 * 1024 * 1024 : Number.POSITIVE_INFINITY);
  for (const [name, value] of [
    ['bytes', targetBytes],
    ['lines', targetLines],
    ['chunkBytes', chunkBytes],
  ] as const) {
    if (!(value > 0))
      throw new InvalidGenerateOptionsError(`${name} must be a positive number, got ${value}`);
  }
  if (!Number.isInteger(seed)) throw new InvalidGenerateOptionsError(`seed must be an integer, got ${seed}`);

  const catalogue = getCatalogue();
  const rng = createRng(seed);
  const clock = new LogClock();
  const c: LineContext = { rng, clock, inSession: false, traceHi: 0, traceLo: 0, user: 0, latencyScale: 1 };
  clock.set(LOG_START);
  const estimatedLines = Math.max(1, Math.min(targetLines, targetBytes / MEAN_LINE_BYTES));
  const span = Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, (estimatedLines / LINES_PER_SECOND) * 1000));
  const sessions = new SessionPool(catalogue.flows, catalogue.flowDraw, c);
  const plans = incidents ? incidentPlans(catalogue) : [];
  const runner = new IncidentRunner(
    plans,
    { lines: targetLines, bytes: targetBytes, estimatedLines },
    catalogue.templates.length,
    sessions,
    c,
  );
  const stats = createStats(catalogue.templates.length, LOG_START);

  function* chunks(): Generator<Buffer, void, undefined> {
    const { templates, draw, drawTemplate } = catalogue;
    const { seen, formatLines, formatBytes, lengths } = stats;
    const meanGap = span / estimatedLines;
    let out = Buffer.allocUnsafe(chunkBytes + LINE_SLACK);
    let pos = 0;
    let lines = 0;
    let bytes = 0;
    let sessionLines = 0;
    let t = LOG_START;
    let lastTime = LOG_START;
    let nextLine = runner.nextLine;
    let nextBytes = runner.nextBytes;
    let suppressed = runner.suppressed;
    while (lines < targetLines) {
      t += (meanGap * EXPONENTIAL[rng.int(4096)]) / clock.volume;
      clock.set(Math.floor(t));
      const lineNo = lines + 1;
      let end = -1;
      let template: Template = templates[0];
      let label = -1;
      if (lineNo >= nextLine || bytes >= nextBytes) {
        end = runner.visit(lineNo, bytes, out, pos);
        if (end >= 0 && runner.template !== null) template = runner.template;
        nextLine = runner.nextLine;
        nextBytes = runner.nextBytes;
        suppressed = runner.suppressed;
      }
      while (end < 0) {
        const id = drawTemplate[draw.pick(rng)];
        if (id === SESSION_DRAW) {
          end = sessions.next(out, pos);
          template = sessions.template;
          label = sessions.label;
        } else if (suppressed === null || suppressed[id] === 0) {
          template = templates[id];
          end = template.render(c, out, pos);
        }
      }
      out[end] = NEWLINE;
      const size = end + 1 - pos;
      if (bytes + size > targetBytes) break;
      if (label >= 0) runner.label(lineNo, label);
      if (template.role === 'flow') sessionLines++;
      pos = end + 1;
      lines = lineNo;
      bytes += size;
      lastTime = clock.now;
      if (lineNo === 1) stats.start = lastTime;
      seen[template.id] = 1;
      formatLines[template.formatIndex]++;
      formatBytes[template.formatIndex] += size;
      lengths[size < LENGTH_BUCKETS ? size - 1 : LENGTH_BUCKETS - 1]++;
      if (pos >= chunkBytes) {
        record(stats, lines, bytes, sessionLines, lastTime);
        yield out.subarray(0, pos);
        out = Buffer.allocUnsafe(chunkBytes + LINE_SLACK);
        pos = 0;
      }
    }
    record(stats, lines, bytes, sessionLines, lastTime);
    runner.finish(lines, lastTime);
    if (pos > 0) yield out.subarray(0, pos);
  }

  const iterator = chunks();
  return {
    next: () => iterator.next(),
    [Symbol.iterator]() {
      return this;
    },
    summary: () => summarize(stats, seed, catalogue.templates.length, runner.reports),
    labels: () =>
      runner.labelLines.map((line, i) => ({ line, kind: runner.reports[runner.labelIncidents[i]].kind })),
  };
}

// The loop keeps its counters in locals; the summary reads them from here, refreshed at every chunk.
function record(
  stats: GenerationStats,
  lines: number,
  bytes: number,
  sessionLines: number,
  end: number,
): void {
  stats.lines = lines;
  stats.bytes = bytes;
  stats.sessionLines = sessionLines;
  stats.end = end;
}
