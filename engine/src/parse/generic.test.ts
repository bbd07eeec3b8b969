import { describe, expect, it } from 'vitest';
import { createGenericParser } from './generic.js';

const parse = createGenericParser({ year: 2024 });
const utc = Date.parse;

describe('generic parser', () => {
  it('reads logback: time, [thread], level, logger -', () => {
    expect(
      parse(
        '2024-05-01 10:00:00,123 [http-nio-8080-exec-1] WARN  com.example.Pool - pool exhausted (max=20)',
      ),
    ).toEqual({
      timestamp: utc('2024-05-01T10:00:00.123Z'),
      level: 'warn',
      service: 'com.example.Pool',
      message: 'pool exhausted (max=20)',
      numeric: {},
      categorical: { thread: 'http-nio-8080-exec-1' },
      format: 'generic',
    });
  });

  it('reads HDFS (yyMMdd HHmmss pid LEVEL component:)', () => {
    expect(
      parse(
        '081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating',
      ),
    ).toMatchObject({
      timestamp: utc('2008-11-09T20:36:15Z'),
      level: 'info',
      service: 'dfs.DataNode$PacketResponder',
      message: 'PacketResponder 1 for block blk_38865049064139660 terminating',
      categorical: { pid: '148' },
    });
  });

  it('reads bracketed times and levels', () => {
    expect(parse('[2024-05-01T10:00:00Z] [ERROR] [payments] charge failed: card_declined')).toMatchObject({
      timestamp: utc('2024-05-01T10:00:00Z'),
      level: 'error',
      service: 'payments',
      message: 'charge failed: card_declined',
    });
    expect(parse('[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6')).toMatchObject(
      {
        timestamp: utc('2005-12-04T04:47:44Z'),
        level: 'error',
        service: null,
        message: 'mod_jk child workerEnv in error state 6',
      },
    );
  });

  it('reads Python logging defaults and a level without time', () => {
    expect(
      parse('WARNING:urllib3.connectionpool:Retrying (Retry(total=2)) after connection broken'),
    ).toMatchObject({
      level: 'warn',
      service: 'urllib3.connectionpool',
      message: 'Retrying (Retry(total=2)) after connection broken',
    });
    expect(parse('ERROR: relation "users" does not exist')).toMatchObject({
      level: 'error',
      service: null,
      message: 'relation "users" does not exist',
    });
  });

  it('reads Android logcat single-letter levels after pid and tid', () => {
    expect(parse('03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogs')).toMatchObject({
      timestamp: utc('2024-03-17T16:13:38.811Z'),
      level: 'debug',
      service: 'WindowManager',
      message: 'printFreezingDisplayLogs',
    });
  });

  it('reads epoch and syslog-style times, and separators', () => {
    expect(parse('1714557600 | info | started in 3.2s')).toMatchObject({
      timestamp: 1714557600000,
      level: 'info',
      message: 'started in 3.2s',
    });
    expect(
      parse('2016-09-29 00:00:46, Info                  CBS    Loading offline registry hive'),
    ).toMatchObject({
      timestamp: Date.parse('2016-09-29T00:00:46Z'),
      level: 'info',
      service: 'CBS',
      message: 'Loading offline registry hive',
    });
    // One space is the message's own.
    expect(parse('2024-05-01 10:00:00 INFO Loading  the cache')).toMatchObject({ service: null });
    expect(parse('2024-05-01 10:00:00 INFO Loading the cache')).toMatchObject({ service: null });
    expect(parse('2024-05-01 10:00:00 - worker-3: job 77 done')).toMatchObject({
      service: 'worker-3',
      message: 'job 77 done',
    });
  });

  it('reads a time after one leading token (a file or host name), kept as the prefix field', () => {
    expect(
      parse('nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO nova.api [req-1] GET /v2'),
    ).toMatchObject({
      timestamp: Date.parse('2017-05-16T00:00:00.008Z'),
      level: 'info',
      message: 'nova.api [req-1] GET /v2',
      categorical: { prefix: 'nova-api.log.1.2017-05-16_13:53:08', pid: '25746' },
    });
    expect(parse('web-3 2024-05-01T10:00:00Z [api] ready')).toMatchObject({
      timestamp: Date.parse('2024-05-01T10:00:00Z'),
      service: 'api',
      message: 'ready',
    });
    // Not a time of day, not a whole token, or a level word first: the line is read as before.
    for (const line of ['Started 1714557600 jobs', 'backup 2024-05-01 done', 'run 10:00:00Z1 x']) {
      expect(parse(line)).toMatchObject({ timestamp: null, message: line, categorical: {} });
    }
    expect(parse('ERROR 2024-05-01 10:00:00 disk full')).toMatchObject({
      timestamp: null,
      level: 'error',
      message: '2024-05-01 10:00:00 disk full',
    });
  });

  it('does not take ordinary first words for a level or a service', () => {
    expect(parse('2024-05-01T10:00:00Z config loaded from /etc/app.yaml')).toMatchObject({
      level: null,
      message: 'config loaded from /etc/app.yaml',
    });
    expect(parse('2024-05-01T10:00:00Z Information about users')).toMatchObject({
      level: null,
      service: null,
    });
    expect(parse('Error: connect ECONNREFUSED 10.0.0.1:5432')).toMatchObject({
      level: 'error',
      service: null,
      message: 'connect ECONNREFUSED 10.0.0.1:5432',
    });
    expect(parse('Connection: keep-alive')).toMatchObject({
      level: null,
      service: null,
      message: 'Connection: keep-alive',
    });
  });

  it('never gives null: empty, unicode, garbage', () => {
    expect(parse('')).toMatchObject({ message: '', timestamp: null, level: null, service: null });
    expect(parse('日本語のログ 🚀')).toMatchObject({ message: '日本語のログ 🚀' });
    expect(parse('\uFFFD\uFFFD\u0001')).toMatchObject({ message: '\uFFFD\uFFFD\u0001' });
    expect(parse('   2024-05-01T10:00:00Z')).toMatchObject({
      timestamp: utc('2024-05-01T10:00:00Z'),
      message: '',
    });
  });
});
