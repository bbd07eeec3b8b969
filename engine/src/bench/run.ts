import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchSeries, formatSeriesBench } from '../series/bench.js';
import { ensureLog, parseSize, runAnalyze } from './bench-files.js';

interface BenchRow {
  size: string;
  mb: number;
  lines: number;
  seconds: number;
  mbPerSec: number;
  linesPerSec: number;
  peakRssMb: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '100M,1G' },
      dir: { type: 'string', default: join(tmpdir(), 'outlier-bench') },
      'skip-series': { type: 'boolean', default: false },
      'skip-logs': { type: 'boolean', default: false },
    },
  });
  const { mkdir } = await import('node:fs/promises');
  await mkdir(values.dir, { recursive: true });
  const rows: BenchRow[] = [];
  for (const size of values['skip-logs'] ? [] : values.size.split(',')) {
    const bytes = parseSize(size);
    const { path, lines } = await ensureLog(bytes, values.dir);
    const real = (await stat(path)).size;
    const { seconds, peakRss } = await runAnalyze(path);
    rows.push({
      size,
      mb: real / 1e6,
      lines,
      seconds,
      mbPerSec: real / 1e6 / seconds,
      linesPerSec: lines / seconds,
      peakRssMb: peakRss / 1024 / 1024,
    });
  }
  if (!values['skip-series']) {
    process.stderr.write('running the series benchmark (10,000 series × 1 day) ...\n');
    process.stdout.write(`${formatSeriesBench(await benchSeries())}\n\n`);
  }
  if (rows.length === 0) return;
  process.stdout.write('Log analysis: outlier analyze --json FILE > /dev/null (process tree, 2 workers)\n');
  process.stdout.write('size     MB        lines        seconds   MB/s    lines/s     peak RSS MB\n');
  for (const r of rows) {
    process.stdout.write(
      `${r.size.padEnd(8)} ${r.mb.toFixed(0).padStart(7)} ${r.lines.toLocaleString('en').padStart(12)} ${r.seconds.toFixed(2).padStart(9)} ${r.mbPerSec.toFixed(1).padStart(7)} ${Math.round(r.linesPerSec).toLocaleString('en').padStart(10)} ${r.peakRssMb.toFixed(0).padStart(10)}\n`,
    );
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exitCode = 1;
});
