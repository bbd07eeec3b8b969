import { describe, expect, it } from 'vitest';
import { type Detection, DetectionSchema } from '../model/detection.js';
import { ByteSink } from './byte-sink.js';
import { DetectionJsonWriter, detectionToJsonLine, rfc3339 } from './detection-json.js';

const base: Detection = {
  id: 'app.log:7',
  tenant: 'default',
  source: 'app.log',
  service: 'api "edge"',
  timestamp: '2026-11-22T10:00:00.000Z',
  kind: 'line',
  score: 0.8123,
  severity: 'medium',
  template_id: 'abc',
  template: 'GET <*> \\ done\u0001',
  session_id: null,
  observed: 1200.5,
  expected: 100,
  lower: -3.25,
  upper: 203,
  detectors: [
    { name: 'latency_ms', score: 0.8123 },
    { name: 'template_rarity', score: 0 },
  ],
  explanation: 'latency_ms = 1201 against an expected 100 (ünïcode)',
  samples: ['raw line with "quotes" and\ttab'],
};

describe('detectionToJsonLine', () => {
  it('equals JSON.stringify in the schema key order', () => {
    expect(detectionToJsonLine(base)).toBe(`${JSON.stringify(base)}\n`);
    const nulls: Detection = {
      ...base,
      service: null,
      timestamp: null,
      severity: null,
      observed: null,
      expected: null,
      lower: null,
      upper: null,
      template: null,
      template_id: null,
      detectors: [],
      samples: [],
    };
    expect(detectionToJsonLine(nulls)).toBe(`${JSON.stringify(nulls)}\n`);
    expect(DetectionSchema.parse(JSON.parse(detectionToJsonLine(base)))).toEqual(base);
  });

  it('writes the same bytes with its caches as without, across templates, sources and scores', () => {
    const writer = new DetectionJsonWriter();
    const sink = new ByteSink(16);
    const written = (d: Detection) => {
      writer.write(d, sink);
      return Buffer.from(sink.handOver()).toString('utf8');
    };
    const variants: Detection[] = [
      base,
      { ...base, score: 0.1 + 0.2, severity: null, observed: 3, expected: 1e21, lower: -0, upper: 1 / 3 },
      { ...base, template: 'GET <*> again', explanation: 'Template seen 3 times in 10 reference lines.' },
      { ...base, source: 'other "log"', id: 'other "log":8', tenant: 't\u2028', service: null },
      { ...base, template_id: null, template: null, detectors: [{ name: 'new\ud800', score: 1 }] },
      { ...base, samples: ['plain line', 'line with lone \udc00 surrogate and emoji 😀'], timestamp: null },
      {
        ...base,
        samples: ['\ud83d', 'a\ud83d', '\udc00\ud83d\ude00x', '\b\f\n\r\t\u0000\u001f\u007f é ✓ \u2028'],
      },
      { ...base, explanation: 'Ω'.repeat(3000), samples: ['"\\'.repeat(5000)] },
    ];
    for (let k = 0; k <= 10_000; k += 7) variants.push({ ...base, score: Math.round(k) / 10_000 });
    for (const d of [...variants, ...variants]) {
      const line = written(d);
      expect(line).toBe(detectionToJsonLine(d));
      expect(line).toBe(`${JSON.stringify(d)}\n`);
    }
  });

  it('writes a sample given as its UTF-8 bytes exactly as the same sample given as a string', () => {
    const writer = new DetectionJsonWriter();
    const sink = new ByteSink(16);
    const samples = [
      '',
      'plain ascii line',
      '{"time":"2026-11-22T10:00:00Z","msg":"a \\"quoted\\" \\\\ path"}',
      '\b\f\n\r\t\u0000\u0001\u001f\u007f tabs and controls',
      'é ✓ 日本 🚀 \u2028 \u2029 \ufeff',
    ];
    const ms = 1_763_805_613_630;
    for (const sample of samples) {
      const d = { ...base, id: `${base.source}:7`, timestamp: rfc3339(ms), samples: [sample, 'second'] };
      writer.writeLine(d, sink, 7, ms);
      const fromString = Buffer.from(sink.handOver()).toString('utf8');
      const bytes = Buffer.from(`xx${sample}yy`, 'utf8');
      writer.writeLine(d, sink, 7, ms, bytes, 2, bytes.length - 2);
      expect(Buffer.from(sink.handOver()).toString('utf8')).toBe(fromString);
      expect(fromString).toBe(`${JSON.stringify(d)}\n`);
    }
  });

  it('writes a line detection from its line number and time as write does from the id and RFC 3339 text', () => {
    const writer = new DetectionJsonWriter();
    const sink = new ByteSink(16);
    const times = [
      null,
      Number.NaN,
      0,
      1_763_805_613_630,
      1_763_805_613_000.7,
      -1,
      8.64e15 + 1,
      253_402_300_800_000,
    ];
    const lineNos = [0, 1, 9, 10, 99_999, 1_234_567_890_123, Number.MAX_SAFE_INTEGER];
    for (const source of ['app.log', 'odd "name"\\.log', 'ünï.log']) {
      for (const ms of times) {
        for (const lineNo of lineNos) {
          const d = { ...base, source, id: 'ignored', timestamp: 'ignored' };
          writer.writeLine(d, sink, lineNo, ms);
          const line = Buffer.from(sink.handOver()).toString('utf8');
          const expected = { ...d, id: `${source}:${lineNo}`, timestamp: rfc3339(ms) };
          expect(line).toBe(`${JSON.stringify(expected)}\n`);
        }
      }
    }
  });

  it('copies the score fields from fragments of a detection with the same score and evidence', () => {
    const writer = new DetectionJsonWriter();
    const sink = new ByteSink(16);
    const scored = { ...base, severity: 'critical' as const, explanation: 'Fatal line: "x" \\ é' };
    const fragments = writer.fragments(scored);
    for (const other of [
      { ...scored, id: 'x', session_id: 'blk_1', template: 'other "t"', samples: ['another line'] },
      { ...scored, service: null, template_id: null, template: null },
    ]) {
      writer.writeLine(other, sink, 42, 1_763_805_613_630, null, 0, 0, fragments);
      const line = Buffer.from(sink.handOver()).toString('utf8');
      expect(line).toBe(
        `${JSON.stringify({ ...other, id: `${other.source}:42`, timestamp: '2025-11-22T10:00:13.630Z' })}\n`,
      );
    }
  });

  it('formats times as RFC 3339 and rejects non-times', () => {
    expect(rfc3339(0)).toBe('1970-01-01T00:00:00.000Z');
    for (const ms of [1795334541000, 1795334541007, 1795334549999, 1795334550042, 1795334610999, -1000]) {
      expect(rfc3339(ms)).toBe(new Date(ms).toISOString());
    }
    expect(rfc3339(null)).toBeNull();
    expect(rfc3339(Number.NaN)).toBeNull();
  });
});
