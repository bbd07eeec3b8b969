import { mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { writeSyntheticLog } from '../../generate/synthetic-log.js';
import { readChunks } from '../../ingest/chunk-reader.js';
import { splitLines } from '../../ingest/line-splitter.js';
import type { Detection } from '../../model/detection.js';
import { parseSessionKey } from '../../model/session-key.js';
import { analyzeLogs } from '../../pipeline/analyze.js';
import { parseCommandArgs, sizeFlag } from '../args.js';
import { writeStdout } from '../output.js';
import { ProgressBar } from '../progress.js';
import { renderDetectionTable } from '../table.js';
import { describeSummary } from './analyze.js';

export const DEMO_USAGE = `outlier demo [--size 20M] [--out data/demo.log] [--seed N]

Generates a realistic multi-service log (JSON, nginx, syslog and plain application lines) with injected incidents,
analyzes it, shows the top anomalies and which injected incidents were found.
`;

/** The generated log carries one request id as `trace_id` in JSON lines and `req-…` in text lines. */
const DEMO_SESSION_KEY = '/(?:"trace_id":"|req-)([0-9a-f]{16})/';

interface IncidentTruth {
  kind: string;
  service: string;
  start: number;
  end: number;
  firstLine: number;
  lastLine: number;
}

function lineNumberOf(d: Detection): number | null {
  if (d.kind !== 'line') return null;
  const n = Number(d.id.slice(d.id.lastIndexOf(':') + 1));
  return Number.isInteger(n) ? n : null;
}

/**
 * Whether a detection points at an incident: one of its labelled lines, a session of its labelled lines, or its
 * service in its time span.
 */
function hits(
  d: Detection,
  inc: IncidentTruth,
  windowMs: number,
  labels: Map<number, string>,
  sessions: Map<string, string>,
): boolean {
  const n = lineNumberOf(d);
  if (n !== null) return labels.get(n) === inc.kind;
  // A session spans services (the gateway, auth, payments, …): its labelled lines say which incident it is.
  const session = d.kind === 'session' && d.session_id !== null ? sessions.get(d.session_id) : undefined;
  if (session !== undefined) return session === inc.kind;
  if (!d.timestamp) return false;
  const t = Date.parse(d.timestamp);
  const sameService = d.service === inc.service || inc.service === '*';
  return sameService && t + windowMs > inc.start && t <= inc.end;
}

/** `outlier demo`. */
export async function demoCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs('demo', argv, {
    size: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string' },
  });
  const bytes = sizeFlag('size', values.size) ?? 20 * 1024 * 1024;
  const out = resolve(values.out ?? 'data/demo.log');
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  await mkdir(dirname(out), { recursive: true });
  process.stderr.write(
    `Generating a ${(bytes / 1e6).toFixed(0)} MB multi-service log with injected incidents: ${out}\n`,
  );
  const labelsPath = `${out}.labels.csv`;
  const truth = await writeSyntheticLog(out, { bytes, seed, labelsPath });
  const labels = new Map<number, string>();
  for (const row of (await readFile(labelsPath, 'utf8')).split('\n')) {
    const [line, label, kind] = row.split(',');
    if (label === '1') labels.set(Number(line), kind);
  }
  // The incident of each session with labelled lines (the session-anomaly incident's sessions), read chunk by
  // chunk: the log may be larger than a string can hold.
  const sessions = new Map<string, string>();
  const key = parseSessionKey(DEMO_SESSION_KEY);
  let lineNo = 0;
  for await (const chunk of readChunks(out)) {
    for (const line of splitLines(chunk).lines) {
      const kind = labels.get(++lineNo);
      const id = kind === undefined ? null : key.extract(line, {});
      if (kind !== undefined && id !== null) sessions.set(id, kind);
    }
  }
  const anomalies: Detection[] = [];
  let pending = '';
  const collect = (chunk: Uint8Array | string): void => {
    const text = pending + (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const lines = text.split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines)
      if (l && !l.includes('"severity":null')) anomalies.push(JSON.parse(l) as Detection);
  };
  const bar = new ProgressBar();
  const t0 = performance.now();
  const windowMs = 60_000;
  const summary = await analyzeLogs({
    files: [out],
    sessionKey: DEMO_SESSION_KEY,
    top: 15,
    windowMs,
    output: collect,
    onProgress: (p) => bar.update(p.phase, p.bytes, p.totalBytes, p.lines),
  }).finally(() => bar.done());
  const secs = (performance.now() - t0) / 1000;
  await writeStdout(`${describeSummary(summary, secs)}\n\nTop anomalies:\n`);
  await writeStdout(renderDetectionTable(summary.top, process.stdout.columns || 160));
  const incidents = truth.incidents as IncidentTruth[];
  let found = 0;
  const rows = incidents.map((inc) => {
    const matched = anomalies.filter((d) => hits(d, inc, windowMs, labels, sessions));
    if (matched.length > 0) found++;
    const best = matched.reduce<Detection | null>((a, b) => (a && a.score >= b.score ? a : b), null);
    return `  ${matched.length > 0 ? 'found ' : 'missed'}  ${inc.kind.padEnd(22)} ${inc.service.padEnd(14)} lines ${inc.firstLine}-${inc.lastLine}${
      best ? `  best: ${best.kind} score ${best.score.toFixed(3)} (${best.severity})` : ''
    }`;
  });
  await writeStdout(`\nInjected incidents found: ${found} of ${incidents.length}\n${rows.join('\n')}\n`);
  await writeStdout(
    `\nAnalyze it again with: npx outlier analyze ${out} --session-key '${DEMO_SESSION_KEY}'\n`,
  );
}
