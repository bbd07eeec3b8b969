import { spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeSyntheticLog } from '../generate/synthetic-log.js';
import { benchSeries, formatSeriesBench } from '../series/bench.js';
import { processTreeRss } from './process-tree-rss.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');

interface BenchRow {
  size: string;
  mb: number;
  lines: number;
  seconds: number;
  mbPerSec: number;
  linesPerSec: number;
  peakRssMb: number;
}

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)$/i.exec(text.trim());
  if (!m) throw new Error(`bad size "${text}" (use e.g. 100M or 1G)`);
  return Math.round(
    Number(m[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'],
  );
}

async function ensureLog(bytes: number, dir: string): Promise<{ path: string; lines: number }> {
  const path = join(dir, `bench-${bytes}.log`);
  const meta = `${path}.lines`;
  try {
    const s = await stat(path);
    const lines = Number((await readFile(meta, 'utf8')).trim());
    if (s.size > 0 && lines > 0) return { path, lines };
  } catch {
    // Not generated yet.
  }
  process.stderr.write(`generating ${(bytes / 1e6).toFixed(0)} MB bench log at ${path} ...\n`);
  const info = await writeSyntheticLog(path, { bytes, seed: 7 });
  await writeFile(meta, String(info.lines));
  return { path, lines: info.lines };
}

async function runAnalyze(path: string): Promise<{ seconds: number; peakRss: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, 'analyze', '--json', path], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  let peak = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, await processTreeRss(child.pid ?? -1));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  running = false;
  await sampler;
  if (code !== 0) throw new Error(`analyze failed (${code}): ${stderr}`);
  return { seconds: (performance.now() - t0) / 1000, peakRss: peak };
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
