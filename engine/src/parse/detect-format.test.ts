import { describe, expect, it } from 'vitest';
import { detectFormat } from './detect-format.js';

const json = (i: number) =>
  `{"ts":"2024-05-01T10:00:${String(i % 60).padStart(2, '0')}Z","level":"info","msg":"req ${i}"}`;
const clf = (i: number) =>
  `10.0.0.${i % 255} - - [01/May/2024:10:00:00 +0000] "GET /item/${i} HTTP/1.1" 200 ${i}`;
const syslog = (i: number) => `<14>May  1 10:00:00 host-${i % 3} cron[${i}]: job ${i} done`;
const logfmt = (i: number) => `ts=2024-05-01T10:00:00Z level=info msg="req ${i}" dur=${i}ms`;
const generic = (i: number) => `2024-05-01 10:00:00,000 INFO [main] step ${i}`;
const lines = (make: (i: number) => string, n: number) => Array.from({ length: n }, (_, i) => make(i));

describe('detectFormat', () => {
  it.each([
    ['json', json],
    ['clf', clf],
    ['syslog', syslog],
    ['logfmt', logfmt],
    ['generic', generic],
  ] as const)('detects %s', (format, make) => {
    expect(detectFormat(lines(make, 100)).format).toBe(format);
  });

  it('takes the majority of a mixed input and counts the votes', () => {
    const mixed = [...lines(json, 70), ...lines(generic, 20), ...lines(logfmt, 10), '', '   '];
    expect(detectFormat(mixed)).toEqual({ format: 'json', votes: { json: 70, logfmt: 10 }, sampled: 100 });
  });

  it('falls back to generic when no format has half of the lines', () => {
    const mixed = [...lines(json, 30), ...lines(clf, 30), ...lines(generic, 40)];
    expect(detectFormat(mixed).format).toBe('generic');
  });

  it('looks at no more than maxLines non-empty lines', () => {
    const r = detectFormat([...lines(generic, 50), ...lines(json, 500)], { maxLines: 60 });
    expect(r).toMatchObject({ format: 'generic', sampled: 60 });
  });

  it('gives generic for no lines, and for syslog-prefixed JSON prefers syslog', () => {
    expect(detectFormat([])).toEqual({ format: 'generic', votes: {}, sampled: 0 });
    expect(detectFormat(lines((i) => `<14>May  1 10:00:00 h app[1]: {"msg":"x${i}"}`, 10)).format).toBe(
      'syslog',
    );
  });
});
