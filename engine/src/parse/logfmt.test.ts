import { describe, expect, it } from 'vitest';
import { parseLogfmt } from './logfmt.js';

describe('parseLogfmt', () => {
  it('reads a Go-kit / logrus line', () => {
    const r = parseLogfmt(
      'time="2024-05-01T10:00:00.125Z" level=error msg="db timeout after \\"5s\\"" component=api latency_ms=5012 user=bob retry',
    );
    expect(r).toEqual({
      timestamp: Date.parse('2024-05-01T10:00:00.125Z'),
      level: 'error',
      service: 'api',
      message: 'db timeout after "5s"',
      numeric: { latency_ms: 5012 },
      categorical: { user: 'bob', retry: 'true' },
      format: 'logfmt',
    });
  });

  it('reads Loki/Grafana style lines with a logger, a duration and unicode', () => {
    const r = parseLogfmt(
      't=2024-05-01T10:00:00+02:00 lvl=dbug logger=sqlstore msg="Zoë’s query 日本" duration=12.5ms rows=-3',
    );
    expect(r).toMatchObject({
      timestamp: Date.parse('2024-05-01T08:00:00Z'),
      service: 'sqlstore',
      message: 'Zoë’s query 日本',
      numeric: { rows: -3 },
      categorical: { lvl: 'dbug', duration: '12.5ms' },
    });
  });

  it('unescapes \\n, \\t and \\\\ and keeps empty values', () => {
    const r = parseLogfmt('msg="a\\nb\\tc\\\\d" empty="" bare=');
    expect(r).toMatchObject({ message: 'a\nb\tc\\d', categorical: { empty: '', bare: '' } });
  });

  it('renders the fields as the message when there is no msg', () => {
    expect(parseLogfmt('ts=1714557600 op=put key=a/b bytes=12')?.message).toBe('bytes=12 key=a/b op=put');
  });

  it('gives null for lines that are not logfmt', () => {
    for (const line of [
      '',
      'plain text with words',
      '2024-05-01 10:00:00 INFO user=bob action=login',
      'only=one',
      'a=1 "quoted key"=2',
      'msg="unterminated',
      'msg="x"y=1',
      '=value other=1',
      'a=1 b c d',
      '{"json":1}',
    ]) {
      expect(parseLogfmt(line)).toBeNull();
    }
  });

  it('is not affected by a rejected line before it', () => {
    expect(parseLogfmt('a=1 b c d')).toBeNull();
    expect(parseLogfmt('msg=ok level=info')).toMatchObject({ message: 'ok', level: 'info', categorical: {} });
  });
});

describe('logfmt numbers', () => {
  it('reads plain decimals as numbers and anything else as text', () => {
    const r = parseLogfmt(
      'msg=x a=-12 b=3.5 c=1e3 d=.5 e=7. f=0x1f g=12ms h=1.2.3 i=- j=NaN k=Infinity l=1e m=-',
    );
    expect(r?.numeric).toEqual({ a: -12, b: 3.5, c: 1000, d: 0.5, e: 7 });
    expect(r?.categorical).toEqual({
      f: '0x1f',
      g: '12ms',
      h: '1.2.3',
      i: '-',
      j: 'NaN',
      k: 'Infinity',
      l: '1e',
      m: '-',
    });
  });
});
