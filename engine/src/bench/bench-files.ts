import { spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticLog } from '../generate/synthetic-log.js';
import { processTreeRss } from './process-tree-rss.js';

/** The built command line. */
export const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');

/** A size like `100M` or `1G` in bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)$/i.exec(text.trim());
  if (!m) throw new Error(`bad size "${text}" (use e.g. 100M or 1G)`);
  return Math.round(
    Number(m[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'],
  );
}

/** The cached generated bench log of a size (generated on first use). */
export async function ensureLog(bytes: number, dir: string): Promise<{ path: string; lines: number }> {
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

/** Runs `outlier analyze --json FILE > /dev/null`; its time and the peak RSS of its process tree. */
export async function runAnalyze(path: string): Promise<{ seconds: number; peakRss: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, 'analyze', '--json', path], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const sampler = rssSampler(child.pid ?? -1);
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  const peak = await sampler.stop();
  if (code !== 0) throw new Error(`analyze failed (${code}): ${stderr}`);
  return { seconds: (performance.now() - t0) / 1000, peakRss: peak };
}

/** Samples the peak RSS of a process tree until stopped. */
export function rssSampler(pid: number): { stop(): Promise<number>; peak(): number } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await processTreeRss(pid));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
    peak: () => peak,
  };
}

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
    srv.on('error', reject);
  });
}
