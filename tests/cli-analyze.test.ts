import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticLog } from '../engine/src/generate/synthetic-log.js';
import { DetectionSchema } from '../engine/src/model/detection.js';
import { outlier, tempDir } from './cli-helpers.js';

const dir = tempDir();
const log = join(dir, 'mixed.log');

beforeAll(async () => {
  await writeSyntheticLog(log, { bytes: 6 * 1024 * 1024, seed: 11 });
});

describe('outlier analyze', () => {
  it('writes one valid Detection per line, then sessions and windows, identical with 1 and 2 workers', () => {
    const one = outlier(['analyze', log, '--json', '--workers', '1', '--session-key', 'trace_id']);
    const two = outlier(['analyze', log, '--json', '--workers', '2', '--session-key', 'trace_id']);
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    const hash = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(hash(one.stdout)).toBe(hash(two.stdout));
    const records = one.stdout.trimEnd().split('\n');
    const kinds = new Map<string, number>();
    for (const line of records.slice(0, 2000).concat(records.slice(-500))) {
      const d = DetectionSchema.parse(JSON.parse(line));
      kinds.set(d.kind, (kinds.get(d.kind) ?? 0) + 1);
    }
    expect(kinds.get('line')).toBeGreaterThan(1000);
    expect(kinds.get('window')).toBeGreaterThan(0);
    expect(one.stderr).toMatch(/Analyzed [\d,]+ lines/);
  });

  it('prints a table of the top anomalies', () => {
    const r = outlier(['analyze', log, '--top', '5']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/TIME\s+KIND\s+SERVICE\s+SEVERITY\s+SCORE/);
    const rows = r.stdout
      .split('\n')
      .filter((l) => /^\d{4}-\d\d-\d\d .*\b(low|medium|high|critical)\b/.test(l));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(5);
  });

  it('reads gzip, CRLF and invalid UTF-8 and reports what it replaced', () => {
    const lines = Array.from(
      { length: 3000 },
      (_, i) =>
        `2026-11-22T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:00Z INFO [api] request ${i} served in ${i % 50} ms`,
    );
    const text = `${lines.slice(0, 1500).join('\r\n')}\r\n${lines.slice(1500).join('\n')}`;
    const gz = join(dir, 'crlf.log.gz');
    writeFileSync(
      gz,
      gzipSync(Buffer.concat([Buffer.from(text), Buffer.from([0x0a, 0xff, 0xfe, 0x41, 0x0a])])),
    );
    const r = outlier(['analyze', gz, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const lineRecords = out.filter((d) => d.kind === 'line');
    expect(lineRecords.length).toBe(3001);
    expect(lineRecords.some((d) => d.samples[0].includes('\r'))).toBe(false);
    expect(r.stderr).toMatch(/invalid UTF-8/);
  });

  it('truncates a 10 MB single line instead of failing', () => {
    const big = join(dir, 'big-line.log');
    writeFileSync(big, `${'x'.repeat(10 * 1024 * 1024)}\nshort line\n`);
    const r = outlier(['analyze', big, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/1 lines? longer than the cap/);
  });
});

describe('outlier analyze on structured fields', () => {
  /** JSON lines of a payment service: a decline reason of three kinds, a region, a fresh trace id per line. */
  function payments(path: string, lines: number, seed: number, extra: Record<number, string> = {}): void {
    let x = seed;
    const next = () => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x / 2 ** 32;
    };
    const rows: string[] = [];
    const t0 = Date.parse('2026-11-22T06:00:00Z');
    for (let i = 0; i < lines; i++) {
      const time = new Date(t0 + i * 50).toISOString();
      const trace = Math.floor(next() * 2 ** 32).toString(16);
      if (next() < 0.5 || extra[i] !== undefined) {
        const reason =
          extra[i] ?? ['card_declined', 'insufficient_funds', 'expired_card'][Math.floor(next() * 3)];
        rows.push(
          `{"time":"${time}","level":"warn","service":"payments","trace_id":"${trace}","msg":"payment declined","reason":"${reason}","region":"eu-west-1"}`,
        );
      } else
        rows.push(
          `{"time":"${time}","level":"info","service":"payments","trace_id":"${trace}","msg":"payment captured","region":"eu-west-1"}`,
        );
    }
    writeFileSync(path, `${rows.join('\n')}\n`);
  }
  const declined = (stdout: string) =>
    stdout
      .trimEnd()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { kind: string; severity: string | null; explanation: string; samples: string[] },
      )
      .filter((d) => d.kind === 'line' && d.severity !== null);

  it('flags a field value its template never had, against a reference and within the input itself', () => {
    const train = join(dir, 'payments-train.log');
    const input = join(dir, 'payments.log');
    payments(train, 40_000, 1);
    // An incident of 40 lines with a new reason, in input the reference never saw.
    const incident: Record<number, string> = {};
    for (let i = 20_000; i < 20_040; i++) incident[i] = 'fraud_suspected';
    payments(input, 40_000, 2, incident);
    const r = outlier(['analyze', input, '--train', train, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const flagged = declined(r.stdout);
    const fraud = flagged.filter((d) => d.samples[0].includes('fraud_suspected'));
    expect(fraud.length).toBe(40);
    expect(flagged.length).toBe(40);
    expect(fraud[0].explanation).toMatch(
      /^reason = "fraud_suspected" never seen in \d+ reference lines of "payment declined" \(3 distinct values\)\.$/,
    );
    // The input as its own reference, read whole: a value only one line had is new to every other line.
    payments(input, 40_000, 3, { 30001: 'fraud_suspected' });
    const self = declined(outlier(['analyze', input, '--json']).stdout);
    expect(self).toHaveLength(1);
    expect(self[0].explanation).toMatch(
      /^reason = "fraud_suspected" never seen in any other of the \d+ reference lines of "payment declined" \(4 distinct values\)\.$/,
    );
  });
});

describe('outlier analyze on bad input', () => {
  it('rejects an unknown flag with usage', () => {
    const r = outlier(['analyze', log, '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bogus/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('names a missing file', () => {
    const r = outlier(['analyze', join(dir, 'nope.log')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nope\.log/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('refuses a binary file', () => {
    const bin = join(dir, 'garbage.bin');
    const bytes = Buffer.alloc(200_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
    writeFileSync(bin, bytes);
    const r = outlier(['analyze', bin]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/binary/i);
  });

  it('says an empty file has nothing to analyze', () => {
    const empty = join(dir, 'empty.log');
    writeFileSync(empty, '');
    const r = outlier(['analyze', empty]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no lines/i);
  });

  it('reports a truncated gzip clearly', () => {
    const gz = gzipSync(Buffer.from('a line\n'.repeat(50_000)));
    const cut = join(dir, 'cut.log.gz');
    writeFileSync(cut, gz.subarray(0, Math.floor(gz.length / 2)));
    const r = outlier(['analyze', cut]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/truncated|unexpected end/i);
  });

  it('rejects a bad threshold and a bad session key', () => {
    expect(outlier(['analyze', log, '--threshold', '2']).stderr).toMatch(/--threshold must be/);
    const r = outlier(['analyze', log, '--session-key', '/(x/']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/session key/);
  });
});
