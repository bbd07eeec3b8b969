import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { getCatalogue } from './catalogue.js';
import { generateLog, InvalidGenerateOptionsError, LOG_START, MEAN_LINE_BYTES } from './generate-log.js';
import { SYNTHETIC_FORMATS, type SyntheticFormat } from './template.js';

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';
const month = (name: string): number => MONTHS.indexOf(name) / 3;

/** Recognizes a line's format independently of the generator, with the second it was written at. */
function classify(line: string): { format: SyntheticFormat; second: number; session: string | null } | null {
  let m = /^\{"time":"([^"]+)","level":"\w+","service":"[\w-]+","trace_id":"([0-9a-f]{16})","msg":"/.exec(
    line,
  );
  if (m) {
    JSON.parse(line);
    return { format: 'json', second: Math.floor(Date.parse(m[1]) / 1000), session: m[2] };
  }
  m =
    /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),\d{3} (?:DEBUG|INFO|WARN|ERROR) \[[\w-]+\] req-([0-9a-f]{16}) /.exec(
      line,
    );
  if (m) {
    const [, y, mo, d, h, mi, s, session] = m;
    return { format: 'text', second: Date.UTC(+y, +mo - 1, +d, +h, +mi, +s) / 1000, session };
  }
  m =
    /^\S+ - - \[(\d\d)\/(\w{3})\/(\d{4}):(\d\d):(\d\d):(\d\d) \+0000\] "[A-Z]+ \S+ HTTP\/[\d.]+" \d{3} \d+ "[^"]*" "[^"]*" \d+\.\d{3}$/.exec(
      line,
    );
  if (m) {
    const [, d, mo, y, h, mi, s] = m;
    return { format: 'nginx', second: Date.UTC(+y, month(mo), +d, +h, +mi, +s) / 1000, session: null };
  }
  m = /^(\w{3}) ([ \d]\d) (\d\d):(\d\d):(\d\d) [\w-]+ [\w-]+(?:\[\d+\])?: ./.exec(line);
  if (m) {
    const [, mo, d, h, mi, s] = m;
    return { format: 'syslog', second: Date.UTC(2026, month(mo), +d, +h, +mi, +s) / 1000, session: null };
  }
  return null;
}

const text = (chunks: Iterable<Buffer>): string => Buffer.concat([...chunks]).toString('latin1');
const sha = (chunks: Iterable<Buffer>): string => {
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
};

describe('generateLog', () => {
  it('is deterministic: the same seed and size give the same bytes, another seed other bytes', () => {
    const a = sha(generateLog({ bytes: 3e6, seed: 42 }));
    expect(sha(generateLog({ bytes: 3e6, seed: 42 }))).toBe(a);
    expect(sha(generateLog({ bytes: 3e6, seed: 43 }))).not.toBe(a);
  });

  it('stops at the requested size, in bytes or in lines', () => {
    const bySize = generateLog({ bytes: 1_000_000, seed: 1 });
    const body = text(bySize);
    expect(body.length).toBeLessThanOrEqual(1_000_000);
    expect(body.length).toBeGreaterThan(1_000_000 - 400);
    expect(bySize.summary().bytes).toBe(body.length);
    const byLines = generateLog({ lines: 2500, seed: 1 });
    expect(text(byLines).split('\n')).toHaveLength(2501);
    expect(byLines.summary().lines).toBe(2500);
  });

  it('rejects sizes that describe no log', () => {
    expect(() => generateLog({ bytes: 0 })).toThrow(InvalidGenerateOptionsError);
    expect(() => generateLog({ lines: -1 })).toThrow(InvalidGenerateOptionsError);
    expect(() => generateLog({ seed: 1.5 })).toThrow(InvalidGenerateOptionsError);
  });

  describe('a 12 MB log', () => {
    let lines: string[] = [];
    let parsed: ReturnType<typeof classify>[] = [];
    let summary = generateLog({ lines: 1 }).summary();
    beforeAll(() => {
      const log = generateLog({ bytes: 12e6, seed: 5 });
      lines = text(log).split('\n');
      lines.pop();
      parsed = lines.map(classify);
      summary = log.summary();
    });

    it('mixes the four formats as documented, each line recognizable as exactly one', () => {
      expect(lines.filter((_, i) => parsed[i] === null).slice(0, 3)).toEqual([]);
      const counts: Record<string, number> = { json: 0, nginx: 0, syslog: 0, text: 0 };
      for (const p of parsed) if (p) counts[p.format]++;
      for (const format of SYNTHETIC_FORMATS) expect(counts[format]).toBe(summary.composition[format].lines);
      const share = (f: string) => counts[f] / lines.length;
      expect(share('json')).toBeCloseTo(0.41, 1);
      expect(share('nginx')).toBeCloseTo(0.28, 1);
      expect(share('text')).toBeCloseTo(0.2, 1);
      expect(share('syslog')).toBeCloseTo(0.11, 1);
    });

    it('keeps lines between 60 and 400 bytes with a median near 150', () => {
      const lengths = lines.map((l) => l.length).sort((a, b) => a - b);
      expect(lengths[0]).toBeGreaterThanOrEqual(60);
      expect(lengths[lengths.length - 1]).toBeLessThanOrEqual(400);
      const median = lengths[lengths.length >> 1];
      expect(median).toBeGreaterThanOrEqual(120);
      expect(median).toBeLessThanOrEqual(180);
      expect(summary.lineBytes.median).toBe(median);
      expect(Math.abs(summary.lineBytes.mean / MEAN_LINE_BYTES - 1)).toBeLessThan(0.05);
    });

    it('draws about 1,500 templates with a Zipf-like spread: a few frequent, many rare', () => {
      const catalogue = getCatalogue();
      expect(catalogue.templates.length).toBeGreaterThanOrEqual(1400);
      expect(catalogue.templates.length).toBeLessThanOrEqual(1600);
      expect(summary.templates).toBeGreaterThan(1350);
      const counts = new Map<string, number>();
      for (const line of lines) {
        const shape = line.replace(/\d+/g, '0').slice(0, 90);
        counts.set(shape, (counts.get(shape) ?? 0) + 1);
      }
      const sorted = [...counts.values()].sort((a, b) => b - a);
      expect(sorted[0] / lines.length).toBeGreaterThan(0.01);
      expect(sorted[0]).toBeGreaterThan(50 * sorted[sorted.length >> 1]);
      expect(sorted.filter((n) => n < lines.length * 1e-4).length).toBeGreaterThan(sorted.length / 5);
    });

    it('moves time forward from LOG_START, at least two hours for a small log', () => {
      const seconds = parsed.map((p) => p?.second ?? Number.NaN);
      expect(seconds[0]).toBeGreaterThanOrEqual(LOG_START / 1000);
      expect(seconds.findIndex((s, i) => !(i === 0 || s >= seconds[i - 1]))).toBe(-1);
      expect(summary.end - summary.start).toBeGreaterThan(1.9 * 3_600_000);
    });

    it('ties the steps of a session with one id across JSON and text lines', () => {
      const bySession = new Map<string, Set<SyntheticFormat>>();
      for (const line of lines) {
        const parsed = classify(line);
        if (parsed?.session)
          bySession.set(parsed.session, (bySession.get(parsed.session) ?? new Set()).add(parsed.format));
      }
      const sizes = new Map<string, number>();
      for (const line of lines) {
        const id = /(?:"trace_id":"|req-)([0-9a-f]{16})/.exec(line)?.[1];
        if (id) sizes.set(id, (sizes.get(id) ?? 0) + 1);
      }
      const multi = [...sizes.values()].filter((n) => n >= 3).length;
      expect(multi).toBeGreaterThan(summary.sessionLines / 8);
      expect([...bySession.values()].filter((formats) => formats.size === 2).length).toBeGreaterThan(100);
    });
  });

  it('streams newline-terminated chunks without holding the log in memory', () => {
    setFlagsFromString('--expose-gc');
    const gc: () => void = runInNewContext('gc');
    gc();
    const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const before = used();
    let total = 0;
    let largest = 0;
    for (const chunk of generateLog({ bytes: 50e6, seed: 9, chunkBytes: 1 << 20 })) {
      expect(chunk[chunk.length - 1]).toBe(10);
      largest = Math.max(largest, chunk.length);
      total += chunk.length;
    }
    gc();
    expect(total).toBeGreaterThan(50e6 - 400);
    expect(largest).toBeLessThanOrEqual((1 << 20) + 400);
    expect(used() - before).toBeLessThan(16 * 1024 * 1024);
  });
});
