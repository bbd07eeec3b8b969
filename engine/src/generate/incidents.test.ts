import { beforeAll, describe, expect, it } from 'vitest';
import { generateLog } from './generate-log.js';
import type { IncidentReport } from './incident-runner.js';
import { INCIDENT_KINDS, type IncidentKind } from './incidents.js';
import type { LineLabel, SyntheticLogSummary } from './log-summary.js';
import { RARE_IP, RARE_USER } from './vocabulary.js';

function generate(options: Parameters<typeof generateLog>[0]) {
  const log = generateLog(options);
  const lines = Buffer.concat([...log])
    .toString('latin1')
    .split('\n');
  lines.pop();
  return { lines, labels: log.labels(), summary: log.summary() };
}

const sessionOf = (line: string): string => /(?:"trace_id":"|req-)([0-9a-f]{16})/.exec(line)?.[1] ?? '';
const requestMs = (line: string): number => Number(/ (\d+\.\d{3})$/.exec(line)?.[1]) * 1000;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

describe('injected incidents', () => {
  let lines: string[] = [];
  let labels: LineLabel[] = [];
  let sessions: string[] = [];
  const bySession = new Map<string, number[]>();
  let summary: SyntheticLogSummary;
  const labelled = new Map<number, IncidentKind>();
  const linesOf = (kind: IncidentKind): string[] =>
    labels.filter((l) => l.kind === kind).map((l) => lines[l.line - 1]);
  const report = (kind: IncidentKind): IncidentReport => {
    const r = summary.incidents.find((i) => i.kind === kind);
    if (r === undefined) throw new Error(`no ${kind} incident`);
    return r;
  };
  const unlabelled = (pattern: string): number =>
    lines.filter((l, i) => l.includes(pattern) && !labelled.has(i + 1)).length;

  beforeAll(() => {
    ({ lines, labels, summary } = generate({ bytes: 10e6, seed: 21 }));
    sessions = lines.map(sessionOf);
    for (const [i, id] of sessions.entries()) {
      const steps = bySession.get(id);
      if (steps === undefined) bySession.set(id, [i]);
      else steps.push(i);
    }
    for (const l of labels) labelled.set(l.line, l.kind);
  });

  it('places every kind once, in order, after a clean first 35 % of the log', () => {
    expect(summary.incidents.map((i) => i.kind)).toEqual([...INCIDENT_KINDS]);
    expect(summary.incidents[0].firstLine).toBeGreaterThan(0.3 * summary.lines);
    for (const [i, r] of summary.incidents.entries()) {
      expect(r.lastLine).toBeGreaterThanOrEqual(r.firstLine);
      expect(r.end).toBeGreaterThanOrEqual(r.start);
      if (i > 0) expect(r.firstLine).toBeGreaterThan(summary.incidents[i - 1].firstLine);
      expect(labels.filter((l) => l.kind === r.kind)).toHaveLength(r.lines);
    }
    expect(labels.map((l) => l.line)).toEqual([...new Set(labels.map((l) => l.line))].sort((a, b) => a - b));
    for (const l of labels) {
      const r = report(l.kind);
      expect(l.line).toBeGreaterThanOrEqual(r.firstLine);
      expect(l.line).toBeLessThanOrEqual(r.lastLine);
    }
  });

  it('error-burst: payments error lines and 5xx on its routes, far above its usual rate', () => {
    const burst = linesOf('error-burst');
    expect(burst.length).toBeGreaterThan(50);
    for (const line of burst) {
      expect(line).toMatch(
        /"level":"error","service":"payments"|"(?:GET|POST) \/api\/v1\/(?:payments|refunds)\S* HTTP\/[\d.]+" 5\d\d /,
      );
    }
    const r = report('error-burst');
    const inWindow = r.lastLine - r.firstLine + 1;
    const before = lines
      .slice(0, r.firstLine - 1)
      .filter((l) => l.includes('"level":"error","service":"payments"'));
    expect(burst.length / inWindow).toBeGreaterThan(20 * (before.length / r.firstLine));
  });

  it('latency-spike: the search endpoint is much slower in the window and only labelled lines show it', () => {
    const r = report('latency-spike');
    const spiked = linesOf('latency-spike');
    expect(spiked.length).toBeGreaterThan(10);
    const nginx = spiked.filter((l) => l.includes('"GET /api/v1/search?'));
    const normal = lines
      .slice(0, r.firstLine - 1)
      .filter((l) => / "GET \/api\/v1\/search\?\S+ HTTP\/[\d.]+" 200 /.test(l));
    expect(median(nginx.map(requestMs))).toBeGreaterThan(10 * median(normal.map(requestMs)));
    const window = lines.slice(r.firstLine - 1, r.lastLine);
    expect(window.filter((l, i) => l.includes('/api/v1/search?') && !labelled.has(r.firstLine + i))).toEqual(
      [],
    );
  });

  it('new-exception: a template seen nowhere else, on labelled lines only', () => {
    const thrown = linesOf('new-exception');
    expect(thrown).toHaveLength(20);
    for (const line of thrown)
      expect(line).toContain('java.lang.IllegalStateException: ledger out of balance');
    expect(unlabelled('IllegalStateException')).toBe(0);
  });

  it('rare-value: an unseen account and address, on labelled lines only', () => {
    const rare = linesOf('rare-value');
    expect(rare).toHaveLength(6);
    for (const line of rare)
      expect(line).toMatch(new RegExp(`${RARE_USER}.*${RARE_IP.replaceAll('.', '\\.')}`));
    expect(unlabelled(RARE_USER) + unlabelled(RARE_IP)).toBe(0);
  });

  it('template-flood: one rare warning at a third of the lines of its window', () => {
    const flood = linesOf('template-flood');
    const r = report('template-flood');
    for (const line of flood) expect(line).toMatch(/ WARN \[shipping\] req-\w+ could not poll /);
    expect(flood.length / (r.lastLine - r.firstLine + 1)).toBeGreaterThan(0.2);
    expect(unlabelled('could not poll') / r.firstLine).toBeLessThan(0.01);
  });

  it('silence: recommendations writes nothing in its window, labelling no line', () => {
    const r = report('silence');
    expect(r.lines).toBe(0);
    const mentions = (l: string) =>
      l.includes('"service":"recommendations"') || l.includes('/api/v1/recommendations');
    const window = r.lastLine - r.firstLine + 1;
    expect(lines.slice(r.firstLine - 1, r.lastLine).filter(mentions)).toEqual([]);
    expect(lines.slice(r.firstLine - 1 - window, r.firstLine - 1).filter(mentions).length).toBeGreaterThan(
      20,
    );
  });

  it('session-anomaly: whole checkout sessions with the order before (or without) the payment', () => {
    const ids = new Set(linesOf('session-anomaly').map(sessionOf));
    expect(ids.size).toBe(5);
    const step = (id: string, msg: string) =>
      lines.findIndex((l, i) => sessions[i] === id && l.includes(msg));
    for (const id of ids) {
      const order = step(id, '"msg":"order created"');
      const payment = step(id, '"msg":"payment authorized"');
      expect(order).toBeGreaterThan(-1);
      expect(payment === -1 || payment > order).toBe(true);
      const kinds = new Set(bySession.get(id)?.map((i) => labelled.get(i + 1)));
      expect([...kinds]).toEqual(['session-anomaly']);
    }
    const checkouts = lines.flatMap((l, i) =>
      i > 1000 &&
      !labelled.has(i + 1) &&
      l.includes('"msg":"order created"') &&
      step(sessions[i], '/api/v1/checkout') > -1
        ? [i]
        : [],
    );
    expect(checkouts.length).toBeGreaterThan(20);
    for (const i of checkouts.slice(0, 20)) {
      const payment = step(sessions[i], '"msg":"payment authorized"');
      expect(payment).toBeGreaterThan(-1);
      expect(payment).toBeLessThan(i);
    }
  });

  it('fatal: a panic then the unit failing, on consecutive labelled lines', () => {
    const fatal = labels.filter((l) => l.kind === 'fatal');
    expect(fatal.map((l) => l.line - fatal[0].line)).toEqual([0, 1, 2]);
    expect(lines[fatal[0].line - 1]).toMatch(/"level":"fatal","service":"orders".*"msg":"panic: /);
    expect(lines[fatal[2].line - 1]).toMatch(
      /systemd\[1\]: orders\.service: Failed with result 'exit-code'\.$/,
    );
    expect(unlabelled('"level":"fatal"')).toBe(0);
  });

  it('injects nothing when incidents are off', () => {
    const clean = generate({ bytes: 2e6, seed: 21, incidents: false });
    expect(clean.summary.incidents).toEqual([]);
    expect(clean.labels).toEqual([]);
    const text = clean.lines.join('\n');
    for (const marker of ['IllegalStateException', RARE_USER, '"level":"fatal"'])
      expect(text).not.toContain(marker);
  });

  it('keeps small logs consistent: incidents that do not fit are dropped, labels stay within the log', () => {
    for (const size of [{ lines: 300 }, { lines: 5000 }, { bytes: 200_000 }]) {
      const small = generate({ ...size, seed: 4 });
      for (const l of small.labels) expect(l.line).toBeLessThanOrEqual(small.summary.lines);
      for (const r of small.summary.incidents) {
        expect(r.lastLine).toBeLessThanOrEqual(small.summary.lines);
        expect(small.labels.filter((l) => l.kind === r.kind)).toHaveLength(r.lines);
      }
    }
  });
});
