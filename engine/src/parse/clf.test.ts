import { describe, expect, it } from 'vitest';
import { parseClf } from './clf.js';

describe('parseClf', () => {
  it('reads the combined format', () => {
    const r = parseClf(
      '203.0.113.9 - alice [10/Oct/2023:13:55:36 -0700] "GET /api/users/42?expand=true HTTP/1.1" 200 2326 "https://example.com/start" "Mozilla/5.0 (X11; Linux x86_64)"',
    );
    expect(r).toEqual({
      timestamp: Date.parse('2023-10-10T20:55:36Z'),
      level: 'info',
      service: null,
      message: 'GET /api/users/42 HTTP/1.1 200',
      numeric: { status: 200, bytes: 2326 },
      categorical: {
        client: '203.0.113.9',
        user: 'alice',
        method: 'GET',
        path: '/api/users/42',
        referer: 'https://example.com/start',
        user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
      },
      format: 'clf',
    });
  });

  it('reads the common format with an IPv6 client and `-` bytes', () => {
    const r = parseClf(
      '2001:db8::ff00:42:8329 - - [01/May/2024:10:00:00 +0000] "POST /login HTTP/2.0" 404 -',
    );
    expect(r).toMatchObject({
      level: 'warn',
      message: 'POST /login HTTP/2.0 404',
      numeric: { status: 404, bytes: 0 },
      categorical: { client: '2001:db8::ff00:42:8329', method: 'POST', path: '/login' },
    });
  });

  it('reads nginx $request_time and $upstream_response_time, bare or as rt=/urt=', () => {
    const bare = parseClf(
      '10.0.0.1 - - [01/May/2024:10:00:00 +0000] "GET /a HTTP/1.1" 502 157 "-" "curl/8.4.0" "198.51.100.7" 1.503 0.012, 1.490',
    );
    expect(bare).toMatchObject({
      level: 'error',
      numeric: { status: 502, latency_ms: 1503, upstream_latency_ms: 12 },
    });
    expect(bare?.categorical.referer).toBeUndefined();
    const keyed = parseClf(
      '10.0.0.1 - - [01/May/2024:10:00:00 +0000] "GET /a HTTP/1.1" 200 15 "-" "ua" rt=0.250 uct="0.000" urt="0.240, 0.001"',
    );
    expect(keyed?.numeric).toEqual({ status: 200, bytes: 15, latency_ms: 250, upstream_latency_ms: 240 });
    const missing = parseClf(
      '10.0.0.1 - - [01/May/2024:10:00:00 +0000] "GET /a HTTP/1.1" 200 15 "-" "ua" 0.004 -',
    );
    expect(missing?.numeric).toEqual({ status: 200, bytes: 15, latency_ms: 4 });
  });

  it('keeps escaped quotes in the request and user agent', () => {
    const r = parseClf(
      '192.0.2.1 - - [01/May/2024:10:00:00 +0000] "GET /search?q=\\"x\\" HTTP/1.1" 200 5 "-" "Agent \\"quoted\\" Zoë/1.0"',
    );
    expect(r).toMatchObject({
      message: 'GET /search HTTP/1.1 200',
      categorical: { user_agent: 'Agent \\"quoted\\" Zoë/1.0' },
    });
  });

  it('keeps a path with spaces and a request without protocol', () => {
    const spaced = parseClf('192.0.2.1 - - [01/May/2024:10:00:00 +0000] "GET /a b?c HTTP/1.1" 400 0');
    expect(spaced).toMatchObject({ message: 'GET /a b HTTP/1.1 400', categorical: { path: '/a b' } });
    expect(parseClf('192.0.2.1 - - [01/May/2024:10:00:00 +0000] "GET /" 200 0')?.message).toBe('GET / 200');
  });

  it('keeps a malformed request as it is in the message', () => {
    const r = parseClf(
      '192.0.2.1 - - [01/May/2024:10:00:00 +0000] "\\x16\\x03\\x01\\x02\\x00" 400 157 "-" "-"',
    );
    expect(r).toMatchObject({ message: '\\x16\\x03\\x01\\x02\\x00 400', level: 'warn' });
    expect(r?.categorical.method).toBeUndefined();
    expect(parseClf('192.0.2.1 - - [01/May/2024:10:00:00 +0000] "-" 408 0')?.message).toBe('- 408');
  });

  it('reads the Apache vhost_combined prefix', () => {
    const r = parseClf(
      'www.example.com:443 192.0.2.1 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 301 0 "-" "ua"',
    );
    expect(r?.categorical).toMatchObject({ vhost: 'www.example.com:443', client: '192.0.2.1' });
  });

  it('gives null for other lines', () => {
    for (const line of [
      '',
      '2024-05-01 10:00:00 INFO [main] started',
      '192.0.2.1 - - [not a date] "GET / HTTP/1.1" 200 1',
      '192.0.2.1 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 2000 1',
      '192.0.2.1 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1 200 1',
      '192.0.2.1 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 12x',
      '[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok',
    ]) {
      expect(parseClf(line)).toBeNull();
    }
  });
});
