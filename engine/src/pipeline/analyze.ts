import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { LineModel, type LineModelOptions, type LineObservation } from '../detect/line-model.js';
import { detectionToJsonLine } from '../export/detection-json.js';
import { readChunks } from '../ingest/chunk-reader.js';
import type { Detection } from '../model/detection.js';
import { DEFAULT_THRESHOLD, type Severity } from '../model/score.js';
import { parseSessionKey } from '../model/session-key.js';
import { createParser } from '../parse/parser.js';
import type { LogFormat, ParsedRecord } from '../parse/record.js';
import { TemplateMiner, type TemplateMinerOptions } from '../templates/drain.js';
import {
  type Aggregate,
  fillSilentWindows,
  mergeChunkPartials,
  scoreAggregate,
  windowWidth,
} from './aggregate.js';
import type { ChunkResult, ChunkScorerOptions, LogModelState } from './chunk-scorer.js';
import { EmptyInputError } from './errors.js';
import { countLines, sampleLines } from './reservoir.js';
import { TopDetections } from './top-detections.js';
import { ScoringPool } from './worker-pool.js';

/** Characters of session and window JSON lines written at once. */
const OUTPUT_BATCH_CHARS = 1 << 20;

/** Options of {@link analyzeLogs}. */
export interface AnalyzeOptions {
  files: string[];
  /** @defaultValue 'auto' */
  format?: 'auto' | LogFormat;
  /** Loghub header format, for `format: 'loghub'`. */
  logFormat?: string;
  /** `/regex/` or a field name (see {@link parseSessionKey}). */
  sessionKey?: string;
  /** Reference files to train on; by default a sample of the input itself. */
  train?: string[];
  /** @defaultValue {@link DEFAULT_THRESHOLD} */
  threshold?: number;
  /** How many of the highest-scoring anomalies to keep for the summary. @defaultValue 20 */
  top?: number;
  /**
   * Write every detection as NDJSON to this sink. A chunk's memory is reused once the returned promise settles:
   * keep a copy, not the chunk.
   */
  output?: (chunk: Uint8Array | string) => Promise<void> | void;
  /** Keep each line's score (for `eval lines`). @defaultValue false */
  keepLineScores?: boolean;
  /** @defaultValue min(2, cores) */
  workers?: number;
  /** Bytes per chunk handed to a worker. @defaultValue 1 MiB */
  chunkBytes?: number;
  /** Lines in the reference sample. @defaultValue 100_000 */
  reservoir?: number;
  /** Fixed window per service, ms. @defaultValue 60_000 */
  windowMs?: number;
  /** @defaultValue 65_536 */
  maxLineBytes?: number;
  /** @defaultValue 'default' */
  tenant?: string;
  /** @defaultValue 0x5eed */
  seed?: number;
  miner?: TemplateMinerOptions;
  onProgress?: (p: AnalyzeProgress) => void;
  signal?: AbortSignal;
}

/** Progress of a run, reported as it goes. */
export interface AnalyzeProgress {
  phase: 'sampling' | 'training' | 'scoring' | 'finishing';
  bytes: number;
  totalBytes: number;
  lines: number;
}

/** What a run found. */
export interface AnalyzeSummary {
  format: LogFormat;
  bytes: number;
  lines: number;
  invalidUtf8: number;
  truncatedLines: number;
  templates: number;
  referenceLines: number;
  sessions: number;
  windows: number;
  /** Width of the windows, ms: the run's, or wider when there were too many (see `MAX_WINDOWS`). */
  windowMs: number;
  anomalies: { line: number; session: number; window: number; bySeverity: Record<Severity, number> };
  top: Detection[];
  /** Per input line, when `keepLineScores`: the line's score raised to its session's. */
  lineScores: Float32Array | null;
  threshold: number;
}

/**
 * Analyzes log files: samples a reference (reservoir) from the training files or the input, trains the template
 * miner and the line model on it, scores every line on a pool of workers (chunks in order, output byte-identical
 * for any number of workers), then scores the sessions and per-service windows the lines formed.
 */
export async function analyzeLogs(options: AnalyzeOptions): Promise<AnalyzeSummary> {
  const {
    files,
    format = 'auto',
    logFormat,
    sessionKey,
    train,
    threshold = DEFAULT_THRESHOLD,
    top = 20,
    output,
    keepLineScores = false,
    workers = Math.max(1, Math.min(2, availableParallelism())),
    chunkBytes = 1024 * 1024,
    reservoir = 100_000,
    windowMs = 60_000,
    maxLineBytes = 65_536,
    tenant = 'default',
    seed = 0x5eed,
    miner: minerOptions,
    onProgress,
    signal,
  } = options;
  if (sessionKey) parseSessionKey(sessionKey);
  const trainFiles = train && train.length > 0 ? train : files;
  // The workers load while the reference is sampled and the model trained.
  const pool = new ScoringPool(workers);
  const trainPool = train && train.length > 0 ? new ScoringPool(workers) : null;
  try {
    // 1. Reference sample and format.
    const sample = await sampleLines(trainFiles, {
      size: reservoir,
      seed,
      maxLineBytes,
      signal,
      onBytes: (bytes) => onProgress?.({ phase: 'sampling', bytes, totalBytes: 0, lines: 0 }),
    });
    if (sample.totalLines === 0) {
      throw new EmptyInputError(
        `no lines to ${train && train.length > 0 ? 'train on' : 'analyze'} in ${trainFiles.join(', ')}`,
      );
    }
    const formatSample = sample.lines.slice(0, 200);
    const parser = createParser({ format, logFormat, sampleLines: formatSample });
    onProgress?.({ phase: 'training', bytes: 0, totalBytes: 0, lines: sample.lines.length });
    // The input as its own reference: a template first seen in an incident is in the reference as a burst, and,
    // when the sample is the whole input, a value seen once there is the scored line's own.
    const own = trainFiles === files;
    const model = trainLogModel(sample.lines, parser.parse, minerOptions, {
      bursts: own,
      ownLines: own && sample.whole,
    });
    const referenceLines = sample.lines.length;
    sample.lines = [];

    const scorerOptions: ChunkScorerOptions = {
      format,
      sampleLines: formatSample,
      logFormat,
      sessionKey,
      windowMs,
      threshold,
      json: Boolean(output),
      keepLineScores,
      tenant,
      top,
      maxLineBytes,
    };
    pool.start({ model, options: scorerOptions });
    trainPool?.start({ model, options: { ...scorerOptions, json: false, keepLineScores: false, top: 0 } });

    // 2. With separate training files, their sessions and windows are the reference for those models.
    const reference: Aggregate | null = trainPool
      ? await runFiles(trainFiles, trainPool, { chunkBytes, windowMs, maxLineBytes, signal }, () => {})
      : null;

    // 3. Score every line.
    const topLines = new TopDetections(top);
    const lineScores: number[] | null = keepLineScores ? [] : null;
    const lineSessions: (string | null)[] | null = keepLineScores ? [] : null;
    const bySeverity: Record<Severity, number> = { low: 0, medium: 0, high: 0, critical: 0 };
    let lineAnomalies = 0;
    const agg = await runFiles(
      files,
      pool,
      { chunkBytes, windowMs, maxLineBytes, signal, onProgress },
      async (r) => {
        if (r.output && output) await output(r.output);
        for (const d of r.top) topLines.offer(d);
        for (const [k, v] of Object.entries(r.anomalies) as [Severity, number][]) {
          bySeverity[k] += v;
          lineAnomalies += v;
        }
        if (lineScores && lineSessions && r.lineScores && r.lineSessions) {
          for (let i = 0; i < r.lineScores.length; i++) {
            lineScores.push(r.lineScores[i]);
            lineSessions.push(r.lineSessions[i]);
          }
        }
      },
    );
    if (agg.lines === 0) throw new EmptyInputError(`no lines to analyze in ${files.join(', ')}`);
    onProgress?.({ phase: 'finishing', bytes: agg.bytes, totalBytes: agg.bytes, lines: agg.lines });
    // The workers' memory goes before the sessions and windows are scored here.
    await Promise.all([pool.close(), trainPool?.close()]);

    // 4. Sessions and windows per service.
    const allTop = new TopDetections(top);
    for (const d of topLines.sorted()) allTop.offer(d);
    let sessionAnomalies = 0;
    let windowAnomalies = 0;
    const sessionScores = new Map<string, number>();
    // Their JSON lines go out in batches: one write for each of tens of thousands of windows costs seconds.
    let batch: string[] = [];
    let batchChars = 0;
    for (const d of scoreAggregate(agg, {
      tenant,
      threshold,
      seed,
      windowMs,
      sessions: Boolean(sessionKey),
      reference,
    })) {
      if (d.kind === 'session' && d.session_id !== null) sessionScores.set(d.session_id, d.score);
      if (d.severity) {
        if (d.kind === 'session') sessionAnomalies++;
        else windowAnomalies++;
        bySeverity[d.severity]++;
        allTop.offer(d);
      }
      if (output) {
        const line = detectionToJsonLine(d);
        batch.push(line);
        batchChars += line.length;
        if (batchChars >= OUTPUT_BATCH_CHARS) {
          await output(batch.join(''));
          batch = [];
          batchChars = 0;
        }
      }
    }
    if (output && batch.length > 0) await output(batch.join(''));

    const width = windowWidth(agg, windowMs);
    let finalLineScores: Float32Array | null = null;
    if (lineScores && lineSessions) {
      finalLineScores = Float32Array.from(lineScores);
      for (let i = 0; i < lineSessions.length; i++) {
        const sid = lineSessions[i];
        const ss = sid === null ? undefined : sessionScores.get(sid);
        if (ss !== undefined && ss > finalLineScores[i]) finalLineScores[i] = ss;
      }
    }
    return {
      format: parser.format,
      bytes: agg.bytes,
      lines: agg.lines,
      invalidUtf8: agg.invalidUtf8,
      truncatedLines: agg.truncated,
      templates: model.templates,
      referenceLines,
      sessions: agg.sessions.size,
      windows: fillSilentWindows(agg.windows, width).length,
      windowMs: width,
      anomalies: { line: lineAnomalies, session: sessionAnomalies, window: windowAnomalies, bySeverity },
      top: allTop.sorted(),
      lineScores: finalLineScores,
      threshold,
    };
  } finally {
    await pool.close();
    await trainPool?.close();
  }
}

/** Trains the template miner and the line model on reference lines. */
export function trainLogModel(
  lines: readonly string[],
  parse: (line: string) => ParsedRecord,
  minerOptions?: TemplateMinerOptions,
  lineOptions?: LineModelOptions,
): LogModelState & { templates: number } {
  const miner = new TemplateMiner(minerOptions);
  const records = lines.map(parse);
  for (const r of records) miner.add(r.message);
  const observations: LineObservation[] = [];
  for (const record of records) {
    const m = miner.match(record.message) ?? miner.add(record.message);
    observations.push({ record, templateId: m.id, params: m.params });
  }
  return {
    miner: miner.toJSON(),
    line: LineModel.fit(observations, lineOptions).toJSON(),
    templates: miner.size,
  };
}

interface FilesAggregate extends Aggregate {
  bytes: number;
  lines: number;
  invalidUtf8: number;
  truncated: number;
}

interface RunFilesOptions {
  chunkBytes: number;
  windowMs: number;
  maxLineBytes: number;
  signal?: AbortSignal;
  onProgress?: (p: AnalyzeProgress) => void;
}

async function runFiles(
  files: readonly string[],
  pool: ScoringPool,
  { chunkBytes, windowMs, maxLineBytes, signal, onProgress }: RunFilesOptions,
  consume: (r: ChunkResult) => Promise<void> | void,
): Promise<FilesAggregate> {
  const agg: FilesAggregate = {
    bytes: 0,
    lines: 0,
    invalidUtf8: 0,
    truncated: 0,
    windows: new Map(),
    sessions: new Map(),
    eventNames: new Map(),
  };
  const inFlight: { source: string; promise: Promise<ChunkResult> }[] = [];
  const maxInFlight = 3 * pool.size;
  // Chunk and output memory go back and forth between this thread and the workers instead of being allocated
  // (and zeroed, and collected) for every chunk.
  const inputMemory: ArrayBuffer[] = [];
  const outputMemory: ArrayBuffer[] = [];
  let seq = 0;
  const totalBytes = await totalSize(files);
  const drainOne = async (): Promise<void> => {
    const head = inFlight.shift();
    if (!head) return;
    const r = await head.promise;
    agg.lines += r.lines;
    agg.invalidUtf8 += r.invalidUtf8;
    agg.truncated += r.truncated;
    mergeChunkPartials(agg, head.source, r, windowMs);
    await consume(r);
    if (r.inputMemory) inputMemory.push(r.inputMemory);
    if (r.output && r.output.byteLength > 0) outputMemory.push(r.output.buffer as ArrayBuffer);
    onProgress?.({ phase: 'scoring', bytes: agg.bytes, totalBytes, lines: agg.lines });
  };
  for (const path of files) {
    const source = basename(path);
    let startLine = 1;
    for await (const chunk of readChunks(path, { chunkBytes, maxLineBytes, signal })) {
      let memory = inputMemory.pop();
      if (!memory || memory.byteLength < chunk.length)
        memory = new ArrayBuffer(Math.max(chunk.length, chunkBytes + maxLineBytes));
      const bytes = new Uint8Array(memory, 0, chunk.length);
      bytes.set(chunk);
      const n = countLines(bytes);
      agg.bytes += chunk.length;
      inFlight.push({
        source,
        promise: pool.run({ seq: seq++, source, startLine, bytes, outputMemory: outputMemory.pop() }),
      });
      startLine += n;
      if (inFlight.length >= maxInFlight) await drainOne();
    }
  }
  while (inFlight.length > 0) await drainOne();
  return agg;
}

async function totalSize(files: readonly string[]): Promise<number> {
  const { stat } = await import('node:fs/promises');
  let total = 0;
  for (const f of files) total += (await stat(f)).size;
  return total;
}
