import { round4 } from '../detect/ensemble.js';
import { LineModel, type LineModelState, type LineScore } from '../detect/line-model.js';
import { EVENT_TEXT_CHARS } from '../detect/session-explanation.js';
import { ByteSink } from '../export/byte-sink.js';
import { DetectionJsonWriter, type LineFragments, rfc3339 } from '../export/detection-json.js';
import { SessionAccumulator, type SessionStats } from '../features/session-stats.js';
import { WindowAccumulator, type WindowStats } from '../features/window-stats.js';
import { ChunkLines } from '../ingest/line-splitter.js';
import type { Detection } from '../model/detection.js';
import { type Severity, severityFor } from '../model/score.js';
import { parseSessionKey, type SessionKey } from '../model/session-key.js';
import { createParser, type LogParser } from '../parse/parser.js';
import type { LogFormat } from '../parse/record.js';
import { TemplateMiner, type TemplateMinerState } from '../templates/drain.js';
import { countLines } from './reservoir.js';
import { TopDetections } from './top-detections.js';

/** Most line scores whose JSON fragments a scorer keeps. */
const MAX_FRAGMENTS = 16_384;

/** The trained log model every chunk is scored against. */
export interface LogModelState {
  miner: TemplateMinerState;
  line: LineModelState;
}

/** How chunks are parsed and scored; the same for every chunk of a run. */
export interface ChunkScorerOptions {
  format: 'auto' | LogFormat;
  /** The lines the format was detected from (for `auto`), so that every worker detects the same. */
  sampleLines: string[];
  logFormat?: string;
  sessionKey?: string;
  windowMs: number;
  threshold: number;
  /** Serialize every line's detection as NDJSON. */
  json: boolean;
  /** Keep each line's score and session id (for `eval lines`). */
  keepLineScores: boolean;
  tenant: string;
  top: number;
  maxLineBytes: number;
}

/** One chunk of a file: whole lines, in order. */
export interface ChunkTask {
  seq: number;
  source: string;
  /** 1-based number of the chunk's first line in its file. */
  startLine: number;
  bytes: Uint8Array;
  /** Memory of an earlier result's `output`, handed back for this chunk's output (no allocation per chunk). */
  outputMemory?: ArrayBuffer;
}

/** What scoring a chunk produced. */
export interface ChunkResult {
  seq: number;
  lines: number;
  invalidUtf8: number;
  truncated: number;
  /** The chunk's NDJSON, a view of memory the caller owns (and may hand back as a task's `outputMemory`). */
  output: Uint8Array | null;
  top: Detection[];
  windows: WindowStats[];
  sessions: SessionStats[];
  /**
   * Template text of the events of `sessions`, by template id, as far as an explanation quotes it (see
   * {@link quotedNames}).
   */
  eventNames: Record<string, string>;
  anomalies: Record<Severity, number>;
  lineScores: Float32Array | null;
  lineSessions: (string | null)[] | null;
  /** The task's byte memory, handed back by a worker for the caller's next chunk. */
  inputMemory?: ArrayBuffer;
}

/**
 * Scores chunks against a frozen model. Each chunk starts from the same state (the trained miner, read-only,
 * with a fresh overlay for templates the reference never showed), so results do not depend on how chunks are
 * spread over workers: the output of 1 and of N workers is byte-identical.
 */
export class ChunkScorer {
  private readonly miner: TemplateMiner;
  private readonly lineModel: LineModel;
  private readonly parser: LogParser;
  private readonly sessionKey: SessionKey | null;
  private readonly sink = new ByteSink(8 << 20);
  private readonly json = new DetectionJsonWriter();
  /** The JSON of the score fields of line scores the line model gives to many lines (null: seen once). */
  private readonly fragments = new Map<LineScore, LineFragments | null>();
  private readonly scratch: Detection = {
    id: '', // written from the line number
    tenant: '',
    source: '',
    service: null,
    timestamp: null, // written from the line's time
    kind: 'line',
    score: 0,
    severity: null,
    template_id: null,
    template: null,
    session_id: null,
    observed: null,
    expected: null,
    lower: null,
    upper: null,
    detectors: [],
    explanation: '',
    samples: [''],
  };

  constructor(
    model: LogModelState,
    private readonly options: ChunkScorerOptions,
  ) {
    this.miner = TemplateMiner.fromJSON(model.miner);
    this.lineModel = LineModel.fromJSON(model.line);
    this.parser = createParser({
      format: options.format,
      logFormat: options.logFormat,
      sampleLines: options.sampleLines,
    });
    this.sessionKey = options.sessionKey ? parseSessionKey(options.sessionKey) : null;
  }

  /** Scores one chunk. */
  score(task: ChunkTask): ChunkResult {
    const o = this.options;
    const bytes = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
    // Lines are decoded one at a time: a line's string, record and match then die young.
    const reader = new ChunkLines(bytes, o.maxLineBytes);
    const count = o.keepLineScores ? countLines(bytes) : 0;
    if (task.outputMemory) this.sink.adopt(task.outputMemory);
    const overlay = this.miner.overlay();
    const windows = new WindowAccumulator(o.windowMs);
    const sessions = new SessionAccumulator();
    const top = new TopDetections(o.top);
    const anomalies: Record<Severity, number> = { low: 0, medium: 0, high: 0, critical: 0 };
    const out = this.sink;
    const lineScores = o.keepLineScores ? new Float32Array(count) : null;
    const lineSessions = o.keepLineScores ? new Array<string | null>(count).fill(null) : null;
    let lastTs: number | null = null;
    let i = -1;
    for (let line = reader.read(); line !== null; line = reader.read()) {
      i++;
      const lineNo = task.startLine + i;
      const record = this.parser.parse(line);
      if (record.timestamp !== null) lastTs = record.timestamp;
      const m = overlay.add(record.message);
      const ls = this.lineModel.score(record, m.id, m.params, m.template);
      let score = ls.score;
      if (ls.fatal && score < o.threshold) score = o.threshold;
      const num = ls.evidence.numeric;
      const severity =
        score < o.threshold
          ? null
          : severityFor({
              score,
              threshold: o.threshold,
              observed: num ? num.observed : null,
              expected: num ? num.expected : null,
              floor: ls.fatal ? 'high' : null,
            });
      const sessionId = this.sessionKey ? this.sessionKey.extract(line, record.categorical) : null;
      if (sessionId !== null) sessions.add(sessionId, m.id, m.template, record.service, lastTs, lineNo, line);
      windows.add(record, m.id, line, lastTs);
      if (lineScores && lineSessions) {
        lineScores[i] = score;
        lineSessions[i] = sessionId;
      }
      if (severity) anomalies[severity]++;
      const offered = severity !== null && top.wants(score);
      if (!o.json && !offered) continue;
      // One record reused for every line's JSON; a line kept among the top gets a copy of its own.
      const d = this.scratch;
      d.tenant = o.tenant;
      d.source = task.source;
      d.service = record.service;
      d.score = round4(score);
      d.severity = severity;
      d.template_id = m.id;
      d.template = m.template;
      d.session_id = sessionId;
      d.observed = num ? num.observed : null;
      d.expected = num ? round4(num.expected) : null;
      d.lower = num ? round4(num.lower) : null;
      d.upper = num ? round4(num.upper) : null;
      d.detectors = ls.detectors;
      // The hard rule raised the line: say so, unless its explanation is already about its level.
      d.explanation =
        ls.fatal && ls.score < o.threshold && !ls.explanation.startsWith('FATAL')
          ? `Fatal line: ${ls.explanation}`
          : ls.explanation;
      d.samples[0] = line;
      if (o.json) {
        let fragments: LineFragments | null = null;
        if (ls.shared) {
          // Lines that share a score share the JSON of its fields, made when the score comes a second time.
          const known = this.fragments.get(ls);
          if (known === undefined) {
            if (this.fragments.size >= MAX_FRAGMENTS) this.fragments.clear();
            this.fragments.set(ls, null);
          } else if (known === null) {
            fragments = this.json.fragments(d);
            this.fragments.set(ls, fragments);
          } else fragments = known;
        }
        if (reader.valid)
          this.json.writeLine(d, out, lineNo, record.timestamp, bytes, reader.start, reader.end, fragments);
        else this.json.writeLine(d, out, lineNo, record.timestamp, null, 0, 0, fragments);
      }
      if (offered) {
        top.offer({
          ...d,
          id: `${task.source}:${lineNo}`,
          timestamp: rfc3339(record.timestamp),
          samples: [line],
        });
      }
    }
    return {
      seq: task.seq,
      lines: i + 1,
      invalidUtf8: reader.invalidUtf8,
      truncated: reader.truncated,
      output: o.json ? out.handOver() : null,
      top: top.sorted(),
      windows: [...windows.windows.values()],
      sessions: [...sessions.sessions.values()],
      eventNames: quotedNames(sessions.eventNames),
      anomalies,
      lineScores,
      lineSessions,
    };
  }
}

/**
 * Template texts cut to what a session explanation quotes of them, and one character more so that it still sees that
 * a text was longer: a service job stores them with every chunk, and a template can be as long as a line.
 */
export function quotedNames(names: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const most = EVENT_TEXT_CHARS + 1;
  for (const [id, text] of names) out[id] = text.length > most ? text.slice(0, most) : text;
  return out;
}
