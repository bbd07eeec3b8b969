import { createParser } from '../parse/parser.js';
import type { LogFormat } from '../parse/record.js';
import { trainLogModel } from '../pipeline/analyze.js';
import type { ChunkScorerOptions, LogModelState } from '../pipeline/chunk-scorer.js';
import type { JobOptions } from '../store/store.js';

/** A tenant's trained log model for one source, as persisted (one version per training). */
export interface JobModel extends LogModelState {
  /** The format the sample was read as. */
  format: LogFormat;
  log_format: string | null;
  /** The lines the format was detected from, so that every worker detects the same. */
  sample_lines: string[];
  reference_lines: number;
  templates: number;
  /**
   * The job whose own upload the model learned from, the only one its template bursts speak of (see
   * {@link modelForJob}); null or absent: the model has none.
   */
  burst_job?: string | null;
}

/** Lines per model's reference sample. */
export const REFERENCE_LINES = 100_000;

/**
 * Trains a job's model on reference lines. With `burstJob`, the lines are that job's own (in its order) and the model
 * keeps its template bursts for that job alone; with `whole` as well, they are all of its lines, and a value seen
 * once among them counts as new for that job (see `LineModelOptions.ownLines`).
 */
export function trainJobModel(
  lines: readonly string[],
  options: Pick<JobOptions, 'format' | 'log_format'>,
  burstJob: string | null = null,
  whole = false,
): JobModel {
  const sample = lines.slice(0, 200);
  const parser = createParser({
    format: options.format as ChunkScorerOptions['format'],
    logFormat: options.log_format ?? undefined,
    sampleLines: sample,
  });
  const model = trainLogModel(lines, parser.parse, undefined, {
    bursts: burstJob !== null,
    ownLines: burstJob !== null && whole,
  });
  return {
    miner: model.miner,
    line: model.line,
    format: parser.format,
    log_format: options.log_format,
    sample_lines: sample,
    reference_lines: lines.length,
    templates: model.templates,
    burst_job: burstJob,
  };
}

/**
 * The model as `jobId` scores with it: a model trained on another job's upload (reused for this source) without that
 * upload's template bursts and own lines, which say nothing of this job's lines.
 */
export function modelForJob(model: JobModel, jobId: string): JobModel {
  if (model.burst_job === jobId || (!model.line.templateBursts && !model.line.ownLines)) return model;
  return { ...model, line: { ...model.line, templateBursts: undefined, ownLines: undefined } };
}

/** How a job's chunks are scored against its model. */
export function scorerOptions(
  model: JobModel,
  job: { tenant_id: string; options: JobOptions },
  maxLineBytes: number,
): ChunkScorerOptions {
  return {
    format: job.options.format as ChunkScorerOptions['format'],
    sampleLines: model.sample_lines,
    logFormat: model.log_format ?? undefined,
    sessionKey: job.options.session_key ?? undefined,
    windowMs: 60_000,
    threshold: job.options.threshold,
    json: false,
    keepLineScores: false,
    tenant: job.tenant_id,
    top: 1_000_000,
    maxLineBytes,
  };
}
