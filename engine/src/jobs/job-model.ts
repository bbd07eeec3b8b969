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
}

/** Lines per model's reference sample. */
export const REFERENCE_LINES = 100_000;

/** Trains a job's model on reference lines. */
export function trainJobModel(
  lines: readonly string[],
  options: Pick<JobOptions, 'format' | 'log_format'>,
): JobModel {
  const sample = lines.slice(0, 200);
  const parser = createParser({
    format: options.format as ChunkScorerOptions['format'],
    logFormat: options.log_format ?? undefined,
    sampleLines: sample,
  });
  const model = trainLogModel(lines, parser.parse);
  return {
    miner: model.miner,
    line: model.line,
    format: parser.format,
    log_format: options.log_format,
    sample_lines: sample,
    reference_lines: lines.length,
    templates: model.templates,
  };
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
