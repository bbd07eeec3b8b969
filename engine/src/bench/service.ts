import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { uploadFile } from '../client/tus-client.js';
import { CLI, ensureLog, freePort, parseSize, rssSampler, runAnalyze } from './bench-files.js';

const KEY = 'bench-key-0123456789abcdef';

/**
 * The service benchmark: a generated log uploaded through the resumable API over loopback (8 MiB chunks with their
 * SHA-256) into `outlier serve` on the embedded store, timed until the job completes, against `outlier analyze`
 * on the same file; with the peak RSS of the engine's process tree.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '1G' },
      dir: { type: 'string', default: join(tmpdir(), 'outlier-bench') },
      'skip-analyze': { type: 'boolean', default: false },
    },
  });
  const { mkdir } = await import('node:fs/promises');
  await mkdir(values.dir, { recursive: true });
  const bytes = parseSize(values.size);
  const { path, lines } = await ensureLog(bytes, values.dir);
  const size = (await stat(path)).size;
  const analyze = values['skip-analyze'] ? null : await runAnalyze(path);

  const dataDir = await mkdtemp(join(tmpdir(), 'outlier-bench-data-'));
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      OUTLIER_DATA_DIR: dataDir,
      TENANT_API_KEYS: JSON.stringify({ bench: KEY }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        if (d.toString().includes('Outlier engine on')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the engine exited with ${code}`)));
    });
    const rss = rssSampler(child.pid ?? -1);
    const base = `http://127.0.0.1:${port}`;
    const t0 = performance.now();
    const { jobId } = await uploadFile({ baseUrl: base, apiKey: KEY, path });
    const uploaded = (performance.now() - t0) / 1000;
    let status: { status: string; lines_processed: number; anomalies_found: number };
    for (;;) {
      const res = await fetch(`${base}/api/v2/status/${jobId}`, { headers: { 'X-API-Key': KEY } }).catch(
        (err: Error) => {
          throw new Error(
            `status poll failed: ${err.message} (${String(err.cause)}); engine RSS peak so far ${rss.peak()}`,
          );
        },
      );
      status = (await res.json()) as typeof status;
      if (['completed', 'failed', 'cancelled'].includes(status.status)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const seconds = (performance.now() - t0) / 1000;
    const peak = await rss.stop();
    if (status.status !== 'completed') throw new Error(`the job ended ${status.status}`);
    const mb = size / 1e6;
    process.stdout.write(
      'Service: tus upload over loopback (8 MiB chunks, SHA-256 each) → job completed, embedded store\n',
    );
    process.stdout.write(
      `file                 ${mb.toFixed(0)} MB, ${lines.toLocaleString('en')} lines (job: ${status.lines_processed.toLocaleString('en')} lines, ${status.anomalies_found} anomalies)\n`,
    );
    process.stdout.write(`upload finished      ${uploaded.toFixed(1)} s\n`);
    process.stdout.write(
      `results ready        ${seconds.toFixed(1)} s (${(mb / seconds).toFixed(1)} MB/s)\n`,
    );
    process.stdout.write(`engine peak RSS      ${(peak / 2 ** 20).toFixed(0)} MB (process tree)\n`);
    if (analyze)
      process.stdout.write(
        `outlier analyze      ${analyze.seconds.toFixed(1)} s, peak RSS ${(analyze.peakRss / 2 ** 20).toFixed(0)} MB → service/analyze = ${(seconds / analyze.seconds).toFixed(2)}×\n`,
      );
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    } else
      process.stderr.write(`the engine had exited (code ${child.exitCode}, signal ${child.signalCode})\n`);
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}${err.cause ? ` (${String(err.cause)})` : ''}\n`);
  process.exitCode = 1;
});
