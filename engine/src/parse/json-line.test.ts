import { describe, expect, it } from 'vitest';
import { createJsonLineParser, parseJsonLine } from './json-line.js';

describe('parseJsonLine', () => {
  it('reads a pino/bunyan line: numeric level, epoch ms, msg, name-less service', () => {
    const r = parseJsonLine(
      '{"level":50,"time":1714557600123,"pid":4242,"hostname":"web-1","service":"checkout","msg":"payment failed","orderId":"A-17","retry":true}',
    );
    expect(r).toEqual({
      timestamp: 1714557600123,
      level: 'error',
      service: 'checkout',
      message: 'payment failed',
      numeric: { pid: 4242 },
      categorical: { hostname: 'web-1', orderId: 'A-17', retry: 'true' },
      format: 'json',
    });
  });

  it('reads ECS: @timestamp, dotted log.level, nested service.name flattened', () => {
    const r = parseJsonLine(
      '{"@timestamp":"2024-05-01T10:00:00.250Z","log.level":"WARNING","message":"disk 91% full","service":{"name":"storage"},"host":{"name":"n1","cpu":{"pct":0.93}}}',
    );
    expect(r).toMatchObject({
      timestamp: Date.parse('2024-05-01T10:00:00.250Z'),
      level: 'warn',
      service: 'storage',
      message: 'disk 91% full',
      numeric: { 'host.cpu.pct': 0.93 },
      categorical: { 'host.name': 'n1' },
    });
  });

  it('reads epoch seconds and nanoseconds, and a Docker json-file line with its trailing newline', () => {
    expect(parseJsonLine('{"ts":1714557600.5,"msg":"x"}')?.timestamp).toBe(1714557600500);
    expect(parseJsonLine('{"timeUnixNano":"1714557600123456789","body":"x"}')?.timestamp).toBe(1714557600123);
    const docker = parseJsonLine(
      '{"log":"GET /health 200\\n","stream":"stdout","time":"2024-05-01T10:00:00.000000001Z"}',
    );
    expect(docker).toMatchObject({ message: 'GET /health 200', categorical: { stream: 'stdout' } });
  });

  it('reads journald JSON export', () => {
    const r = parseJsonLine(
      '{"__REALTIME_TIMESTAMP":"1714557600123456","PRIORITY":"3","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"error: kex_exchange_identification"}',
    );
    expect(r).toMatchObject({
      timestamp: 1714557600123,
      level: 'error',
      service: 'sshd',
      message: 'error: kex_exchange_identification',
    });
  });

  it('prefers the more specific key and keeps the other as a field', () => {
    const r = parseJsonLine('{"message":"full text","msg":"short","app":"a","service":"s"}');
    expect(r).toMatchObject({
      message: 'short',
      service: 's',
      categorical: { message: 'full text', app: 'a' },
    });
  });

  it('keeps a well-known key that does not read as its role as a plain field', () => {
    const r = parseJsonLine('{"level":"custom","time":"soon","msg":"x"}');
    expect(r).toMatchObject({ level: null, timestamp: null, categorical: { level: 'custom', time: 'soon' } });
  });

  it('renders the other fields, sorted, as the message when there is none', () => {
    const a = parseJsonLine('{"b":2,"level":"info","a":"x","ts":1714557600}');
    const b = parseJsonLine('{"a":"x","ts":1714557601,"b":2}');
    expect(a?.message).toBe('a=x b=2');
    expect(b?.message).toBe('a=x b=2');
  });

  it('handles unicode and escaped quotes', () => {
    const r = parseJsonLine('{"msg":"user \\"Zoë\\" said 日本語 🚀","user":"Zoë"}');
    expect(r).toMatchObject({ message: 'user "Zoë" said 日本語 🚀', categorical: { user: 'Zoë' } });
  });

  it('bounds fields and value lengths, skips arrays and deep nesting', () => {
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i]));
    const r = parseJsonLine(JSON.stringify({ msg: 'm', ...many, big: 'x'.repeat(5000), tags: ['a'] }));
    expect(Object.keys(r?.numeric ?? {})).toHaveLength(64);
    const deep = parseJsonLine(
      `{"msg":"m","a":{"b":{"c":{"d":{"e":{"f":1}}}}},"big":"${'y'.repeat(600)}","t":[1]}`,
    );
    expect(deep?.numeric).toEqual({});
    expect(deep?.categorical.big).toHaveLength(512);
  });

  it('gives null for lines that are not JSON objects', () => {
    for (const line of [
      '',
      'plain text',
      '[1,2]',
      '{"unterminated":',
      '{not json}',
      '"string"',
      '  {"ok":1} trailing',
    ]) {
      expect(parseJsonLine(line)).toBeNull();
    }
    expect(parseJsonLine('  {"msg":"padded"}  ')?.message).toBe('padded');
  });

  it('reads year-less times in the configured year', () => {
    const parse = createJsonLineParser({ year: 2019 });
    expect(parse('{"time":"Mar  5 10:11:12","msg":"x"}')?.timestamp).toBe(Date.parse('2019-03-05T10:11:12Z'));
  });
});
