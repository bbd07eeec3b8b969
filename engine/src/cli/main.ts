#!/usr/bin/env node
import { ANALYZE_USAGE, analyzeCommand } from './commands/analyze.js';
import { DEMO_USAGE, demoCommand } from './commands/demo.js';
import { EVAL_USAGE, evalCommand } from './commands/eval.js';
import { SERIES_USAGE, seriesCommand } from './commands/series.js';
import { SERVE_USAGE, serveCommand, WORKER_USAGE, workerCommand } from './commands/serve.js';
import { UPLOAD_USAGE, uploadCommand } from './commands/upload.js';
import { UsageError } from './errors.js';

const USAGE = `Outlier: anomaly detection for logs and metrics.

Usage:
  outlier serve                      start the engine (API and UI) on PORT, default 8085
  outlier worker                     work on the shared Redis job queue
  outlier upload FILE [options]      upload a log to a running engine (resumable) and follow its job
  outlier demo [--size 20M]          generate a multi-service log with incidents and analyze it
  outlier analyze FILE... [options]  score lines, sessions and service windows of log files
  outlier series FILE.csv [options]  score a metric series: anomaly score, expected value and bounds per point
  outlier eval parse|sessions|lines|nab  measure accuracy against labelled data
  outlier help COMMAND               options of a command

${ANALYZE_USAGE}`;

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<void>; usage: string }> = {
  analyze: { run: analyzeCommand, usage: ANALYZE_USAGE },
  demo: { run: demoCommand, usage: DEMO_USAGE },
  eval: { run: evalCommand, usage: EVAL_USAGE },
  series: { run: seriesCommand, usage: SERIES_USAGE },
  serve: { run: serveCommand, usage: SERVE_USAGE },
  worker: { run: workerCommand, usage: WORKER_USAGE },
  upload: { run: uploadCommand, usage: UPLOAD_USAGE },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  if (name === 'help') {
    const cmd = rest[0] ? COMMANDS[rest[0]] : undefined;
    process.stdout.write(cmd ? cmd.usage : USAGE);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) throw new UsageError(`unknown command "${name}"; try: ${Object.keys(COMMANDS).join(', ')}`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(cmd.usage);
    return 0;
  }
  await cmd.run(rest);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    if (e instanceof UsageError) {
      process.stderr.write(`outlier: ${e.message}\nRun "outlier help" for usage.\n`);
      process.exitCode = 2;
      return;
    }
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') return;
    process.stderr.write(`outlier: ${e.message}\n`);
    if (process.env.OUTLIER_DEBUG) process.stderr.write(`${e.stack ?? ''}\n`);
    process.exitCode = 1;
  },
);
