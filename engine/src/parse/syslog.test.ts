import { describe, expect, it } from 'vitest';
import { createSyslogParser } from './syslog.js';

const parse = createSyslogParser({ year: 2024 });

describe('syslog RFC 3164', () => {
  it('reads a line with PRI, host and app[pid]', () => {
    expect(
      parse('<86>May  1 10:00:00 web-1 sshd[811]: Accepted publickey for deploy from 192.0.2.7'),
    ).toEqual({
      timestamp: Date.parse('2024-05-01T10:00:00Z'),
      level: 'info',
      service: 'sshd',
      message: 'Accepted publickey for deploy from 192.0.2.7',
      numeric: {},
      categorical: { facility: 'authpriv', host: 'web-1', pid: '811' },
      format: 'syslog',
    });
  });

  it('reads rsyslog files without PRI (level unknown), tags with parentheses or without pid', () => {
    expect(
      parse('Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; rhost=218.188.2.4'),
    ).toMatchObject({
      level: null,
      service: 'sshd(pam_unix)',
      message: 'authentication failure; rhost=218.188.2.4',
      categorical: { host: 'combo', pid: '19939' },
    });
    expect(parse('Jun 14 15:16:02 combo kernel: Out of memory: Killed process 4242')).toMatchObject({
      service: 'kernel',
      message: 'Out of memory: Killed process 4242',
    });
  });

  it('reads macOS tags: app names with spaces, and a context in parentheses after the pid', () => {
    expect(
      parse("Jul  4 23:22:09 calvisitor-10 Microsoft Word[14463]: Cocoa scripting error for '0x00660011'"),
    ).toMatchObject({
      service: 'Microsoft Word',
      message: "Cocoa scripting error for '0x00660011'",
      categorical: { host: 'calvisitor-10', pid: '14463' },
    });
    expect(
      parse(
        'Jul  1 09:29:02 calvisitor-10 sandboxd[129] ([31211]): com.apple.Addres(31211) deny network-outbound',
      ),
    ).toMatchObject({
      service: 'sandboxd',
      message: 'com.apple.Addres(31211) deny network-outbound',
      categorical: { pid: '129' },
    });
    expect(
      parse(
        'Jul  2 16:55:53 mac com.apple.xpc.launchd[1] (com.apple.xpc.launchd.domain.pid.WebContent.32502): x',
      ),
    ).toMatchObject({ service: 'com.apple.xpc.launchd', message: 'x' });
    expect(parse('Jul  3 17:10:11 mac BezelServices 255.10[94]: ASSERTION FAILED')).toMatchObject({
      service: 'BezelServices 255.10',
      message: 'ASSERTION FAILED',
    });
    // Without a numeric pid right before the colon, or with a long "app", it is the message.
    for (const rest of ['one two: three', 'retry [x]: failed', 'a b c d[12]: e']) {
      expect(parse(`Jul  3 17:10:11 mac ${rest}`)).toMatchObject({ service: null, message: rest });
    }
  });

  it('reads the RFC 3339 time of RSYSLOG_FileFormat', () => {
    expect(
      parse('2024-05-01T10:00:00.123456+02:00 db-2 postgres[77]: FATAL:  password authentication failed'),
    ).toMatchObject({
      timestamp: Date.parse('2024-05-01T08:00:00.123Z'),
      service: 'postgres',
      message: 'FATAL:  password authentication failed',
      categorical: { host: 'db-2', pid: '77' },
    });
  });

  it('maps the PRI severity to a level and accepts a missing host', () => {
    expect(parse("<34>Oct 11 22:14:15 su: 'su root' failed for lonvick on /dev/pts/8")).toMatchObject({
      level: 'fatal',
      service: 'su',
      categorical: { facility: 'auth' },
    });
    expect(parse('<11>Oct 11 22:14:15 host app: x')?.level).toBe('error');
    expect(parse('<12>Oct 11 22:14:15 host app: x')?.level).toBe('warn');
    expect(parse('<15>Oct 11 22:14:15 host app: x')?.level).toBe('debug');
  });

  it('keeps unicode in the message and an empty message', () => {
    expect(parse('<14>Oct 11 22:14:15 host app[1]: Zoë → 日本')?.message).toBe('Zoë → 日本');
    expect(parse('<14>Oct 11 22:14:15 host app[1]:')?.message).toBe('');
  });

  it('uses the current year by default', () => {
    const year = new Date().getUTCFullYear();
    expect(createSyslogParser()('Jan  2 03:04:05 h a: m')?.timestamp).toBe(Date.UTC(year, 0, 2, 3, 4, 5));
  });
});

describe('syslog RFC 5424', () => {
  it('reads the RFC example with structured data and a BOM', () => {
    const r = parse(
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] \uFEFFAn application event log entry...',
    );
    expect(r).toEqual({
      timestamp: Date.parse('2003-10-11T22:14:15.003Z'),
      level: 'info',
      service: 'evntslog',
      message: 'An application event log entry...',
      numeric: {},
      categorical: {
        facility: 'local4',
        host: 'mymachine.example.com',
        msgid: 'ID47',
        'exampleSDID@32473.iut': '3',
        'exampleSDID@32473.eventSource': 'Application',
        'exampleSDID@32473.eventID': '1011',
        'examplePriority@32473.class': 'high',
      },
      format: 'syslog',
    });
  });

  it('reads nil fields and escaped structured-data values', () => {
    const r = parse('<11>1 - - app 42 - [meta key="a \\"b\\" \\] c"] broken pipe');
    expect(r).toMatchObject({
      timestamp: null,
      level: 'error',
      service: 'app',
      message: 'broken pipe',
      categorical: { pid: '42', 'meta.key': 'a "b" ] c' },
    });
    expect(parse('<14>1 2024-05-01T10:00:00Z h - - - -')).toMatchObject({ service: null, message: '' });
  });

  it('gives null for malformed lines', () => {
    for (const line of [
      '<14>1 2024-05-01T10:00:00Z h app',
      '<14>1 notatime h app - - - x',
      '<14>1 2024-05-01T10:00:00Z h app - - [unclosed x="1" msg',
      '<999>Oct 11 22:14:15 host app: x',
    ]) {
      expect(parse(line)).toBeNull();
    }
  });
});

describe('syslog rejects other formats', () => {
  it.each([
    '',
    'plain text',
    '2024-05-01T10:00:00Z INFO api: request handled',
    '2024-05-01 10:00:00,123 WARN [main] com.example.App - slow',
    'Jun 14 15:16:01 ERROR something broke',
    '{"msg":"json"}',
    '192.0.2.1 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 1',
  ])('%j', (line) => {
    expect(parse(line)).toBeNull();
  });
});
