import { open } from 'node:fs/promises';
import { type GenerateLogOptions, generateLog } from './generate-log.js';
import type { LineLabel, SyntheticLogSummary } from './log-summary.js';

export {
  type GenerateLogOptions,
  generateLog,
  InvalidGenerateOptionsError,
  LOG_START,
  type SyntheticLog,
} from './generate-log.js';
export type { IncidentReport } from './incident-runner.js';
export { INCIDENT_KINDS, type IncidentKind } from './incidents.js';
export type { LineLabel, SyntheticLogSummary } from './log-summary.js';

const MAX_WRITES_IN_FLIGHT = 4;

/** Options of {@link writeSyntheticLog}. */
export interface WriteSyntheticLogOptions extends GenerateLogOptions {
  /**
   * Where to write the ground truth as CSV: a `line,label,kind` header, then one row per log line (`17,0,` or
   * `5012,1,error-burst`).
   */
  labelsPath?: string;
}

/**
 * Writes a synthetic log (see {@link generateLog}) to `path`, streaming ~1 MiB chunks and overlapping the
 * writes with the generation of the next chunks; resolves with the summary and its incidents' ground truth.
 *
 * @example const { lines, incidents } = await writeSyntheticLog('data/demo.log', { bytes: 20e6, seed: 1 });
 */
export async function writeSyntheticLog(
  path: string,
  options: WriteSyntheticLogOptions = {},
): Promise<SyntheticLogSummary> {
  const log = generateLog(options);
  const file = await open(path, 'w');
  try {
    // Chunks are fresh buffers written at known offsets, so a few writes can run while the next chunks generate.
    const inFlight: Promise<unknown>[] = [];
    let offset = 0;
    for (const chunk of log) {
      if (inFlight.length >= MAX_WRITES_IN_FLIGHT) await inFlight.shift();
      inFlight.push(file.write(chunk, 0, chunk.length, offset));
      offset += chunk.length;
    }
    await Promise.all(inFlight);
  } finally {
    await file.close();
  }
  const summary = log.summary();
  if (options.labelsPath !== undefined) await writeLabels(options.labelsPath, summary.lines, log.labels());
  return summary;
}

async function writeLabels(path: string, lines: number, labels: readonly LineLabel[]): Promise<void> {
  const file = await open(path, 'w');
  try {
    let chunk = 'line,label,kind\n';
    let next = 0;
    for (let line = 1; line <= lines; line++) {
      if (next < labels.length && labels[next].line === line) {
        chunk += `${line},1,${labels[next].kind}\n`;
        next++;
      } else {
        chunk += `${line},0,\n`;
      }
      if (chunk.length >= 1 << 20) {
        await file.write(chunk);
        chunk = '';
      }
    }
    await file.write(chunk);
  } finally {
    await file.close();
  }
}
