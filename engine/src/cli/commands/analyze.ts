import { LOG_FORMATS, type LogFormat } from '../../parse/record.js';
import { type AnalyzeSummary, analyzeLogs } from '../../pipeline/analyze.js';
import { numberFlag, parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { writeStdout } from '../output.js';
import { ProgressBar } from '../progress.js';
import { renderDetectionTable } from '../table.js';

export const ANALYZE_USAGE = `outlier analyze FILE... [options]

Scores every line, session and per-service window of log files and shows the top anomalies.

  --format F         auto|${LOG_FORMATS.join('|')} (default auto: detected from the first lines)
  --log-format T     Loghub header format, e.g. '<Date> <Time> <Level> <Component>: <Content>'
  --session-key K    /regex/ (first match is the session id) or a field name such as trace_id
  --train FILE       reference log to train on (repeatable); default: a sample of the input
  --threshold X      anomaly threshold θ in [0,1] (default 0.5)
  --top N            anomalies in the table (default 20)
  --json             NDJSON on stdout: one Detection per line, session and window, anomalous or not
  --workers N        worker threads (default: 2, or 1 on a single core)
  --window SECONDS   fixed window per service (default 60)
`;

/** Parsed `analyze` options, shared with `demo`. */
export interface AnalyzeCliOptions {
  files: string[];
  format: 'auto' | LogFormat;
  logFormat?: string;
  sessionKey?: string;
  train?: string[];
  threshold?: number;
  top: number;
  json: boolean;
  workers?: number;
  windowMs?: number;
}

/** Parses `analyze` arguments. */
export function parseAnalyzeArgs(argv: string[]): AnalyzeCliOptions {
  const { values, positionals } = parseCommandArgs('analyze', argv, {
    format: { type: 'string' },
    'log-format': { type: 'string' },
    'session-key': { type: 'string' },
    train: { type: 'string', multiple: true },
    threshold: { type: 'string' },
    top: { type: 'string' },
    json: { type: 'boolean' },
    workers: { type: 'string' },
    window: { type: 'string' },
  });
  if (positionals.length === 0) throw new UsageError('analyze: give at least one log file');
  const format = values.format ?? 'auto';
  if (format !== 'auto' && !(LOG_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of auto, ${LOG_FORMATS.join(', ')}; got "${format}"`);
  }
  if (format === 'loghub' && !values['log-format'])
    throw new UsageError('--format loghub needs --log-format');
  const windowSec = numberFlag('window', values.window, { min: 1, max: 86_400 });
  return {
    files: positionals,
    format: format as 'auto' | LogFormat,
    logFormat: values['log-format'],
    sessionKey: values['session-key'],
    train: values.train,
    threshold: numberFlag('threshold', values.threshold, { min: 0, max: 1 }),
    top: numberFlag('top', values.top, { min: 0, max: 10_000 }) ?? 20,
    json: values.json ?? false,
    workers: numberFlag('workers', values.workers, { min: 1, max: 64 }),
    windowMs: windowSec === undefined ? undefined : windowSec * 1000,
  };
}

/** Runs an analysis with a progress bar and returns its summary. */
export async function runAnalysis(o: AnalyzeCliOptions): Promise<AnalyzeSummary> {
  const bar = new ProgressBar();
  try {
    return await analyzeLogs({
      files: o.files,
      format: o.format,
      logFormat: o.logFormat,
      sessionKey: o.sessionKey,
      train: o.train,
      threshold: o.threshold,
      top: o.top,
      workers: o.workers,
      windowMs: o.windowMs,
      output: o.json ? writeStdout : undefined,
      onProgress: (p) => bar.update(p.phase, p.bytes, p.totalBytes, p.lines),
    });
  } finally {
    bar.done();
  }
}

/** `90 s`, `1 min`, `8 min`, `2 h` … for a window width in ms. */
function duration(ms: number): string {
  const s = ms / 1000;
  if (s < 60 || s % 60 !== 0) return `${s} s`;
  const min = s / 60;
  return min < 60 || min % 60 !== 0 ? `${min} min` : `${min / 60} h`;
}

/** Human summary of a run. */
export function describeSummary(s: AnalyzeSummary, seconds: number): string {
  const a = s.anomalies;
  const sev = s.anomalies.bySeverity;
  return [
    `Analyzed ${s.lines.toLocaleString('en')} lines (${(s.bytes / 1e6).toFixed(1)} MB, format ${s.format}) in ${seconds.toFixed(1)} s: ` +
      `${(s.bytes / 1e6 / Math.max(seconds, 1e-3)).toFixed(1)} MB/s.`,
    `Reference sample ${s.referenceLines.toLocaleString('en')} lines, ${s.templates} templates; ${s.sessions} sessions; ${s.windows} service windows of ${duration(s.windowMs)}.`,
    `Anomalies at θ=${s.threshold}: ${a.line} lines, ${a.session} sessions, ${a.window} windows ` +
      `(critical ${sev.critical}, high ${sev.high}, medium ${sev.medium}, low ${sev.low}).`,
    ...(s.invalidUtf8 > 0 ? [`${s.invalidUtf8} invalid UTF-8 sequences were replaced.`] : []),
    ...(s.truncatedLines > 0 ? [`${s.truncatedLines} lines longer than the cap were truncated.`] : []),
  ].join('\n');
}

/** `outlier analyze`. */
export async function analyzeCommand(argv: string[]): Promise<void> {
  const o = parseAnalyzeArgs(argv);
  const t0 = performance.now();
  const summary = await runAnalysis(o);
  const secs = (performance.now() - t0) / 1000;
  if (o.json) {
    process.stderr.write(`${describeSummary(summary, secs)}\n`);
    return;
  }
  await writeStdout(`${describeSummary(summary, secs)}\n\n`);
  await writeStdout(renderDetectionTable(summary.top, process.stdout.columns || 160));
}
