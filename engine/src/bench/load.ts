import { parseArgs } from 'node:util';
import { parseSize } from './bench-files.js';
import { runLoad } from './load-run.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tenants: { type: 'string', default: '5' },
      uploads: { type: 'string', default: '20' },
      size: { type: 'string', default: '4M' },
      readers: { type: 'string', default: '4' },
    },
  });
  const r = await runLoad({
    tenants: Number(values.tenants),
    uploads: Number(values.uploads),
    bytes: parseSize(values.size),
    readers: Number(values.readers),
  });
  process.stdout.write(
    `Load: ${values.uploads} concurrent tus uploads of ${values.size} from ${values.tenants} tenants + ${values.readers} API read loops, one embedded engine\n`,
  );
  for (const t of r.tenants)
    process.stdout.write(
      `  ${t.tenant.padEnd(10)} ${t.mbPerSec.toFixed(2).padStart(7)} MB/s (all its jobs done in ${t.seconds.toFixed(1)} s)\n`,
    );
  process.stdout.write(`slowest/fastest tenant throughput: ${r.fairness.toFixed(2)} (bar ≥ 0.5)\n`);
  process.stdout.write(
    `API reads: ${r.reads}, latency p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms\n`,
  );
  process.stdout.write(
    `errors: ${r.errors.length}${r.errors.length ? `\n  ${r.errors.slice(0, 10).join('\n  ')}` : ''}\n`,
  );
  if (r.errors.length > 0 || r.fairness < 0.5) process.exitCode = 1;
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exitCode = 1;
});
