import { describe, expect, it } from 'vitest';
import { isCalendarWord, isUnitWord, type MaskKind, maskKind, maskOf } from './masks.js';

describe('maskOf', () => {
  it.each<[MaskKind, string[]]>([
    ['url', ['https://example.com/a?b=c&d=1', 'spark://Driver@10.0.0.1:7077', 'hdfs://nn:9000/user/x']],
    [
      'path',
      ['/var/log/syslog', '/v2/servers/detail', './run.sh', '~/notes', 'C:\\Windows\\System32', 'a/b/c'],
    ],
    ['email', ['alice@example.com', 'ops.team@mail.example.org']],
    ['host', ['db1.example.com', 'zummit.com', 'FNANLI5.fareast.corp.microsoft.com', 'node-7.cluster.local']],
    ['uuid', ['123e4567-e89b-12d3-a456-426614174000', 'B9000564-FE1A-409B-B8CC-1E88B294CD1D']],
    ['ipv4', ['10.0.0.1', '192.168.1.254:8080', '10.251.73.220:50010']],
    ['ipv6', ['fe80::1ff:fe23:4567:890a', '2607:f140:6000:8:c6b3:1ff:fecd:467f', '0:0:0:0:0:0:0:0:2181']],
    ['mac', ['00:1A:2B:3C:4D:5E', '00-1a-2b-3c-4d-5e']],
    ['hex', ['0x7fed806eb5d', '0XFF', '113d3a99c3da401fbd62cc2caa5b96d2', 'ffffffff']],
    ['number', ['42', '-7', '+3', '3.14', '1e-9', '6.02E23', '12ms', '5.2KB', '80%', '3x']],
    ['datetime', ['20:30:31.455', '18:01:47,978', '2016/9/27', '2017-05-16', '2017-05-16T00:00:00.008Z']],
    ['numeric', ['6.1.7601.23505', '1-5', '1,234,567', '10.0.0.1.5']],
  ])('recognises %s values', (kind, values) => {
    for (const value of values) expect([value, maskOf(value)]).toEqual([value, kind]);
  });

  it.each([
    'terminated',
    'ssh2',
    'blk_-1608999687919862906',
    'HTTP/1.1',
    'mapred.task.id',
    'com.apple.CDScheduler',
    'dfs.DataNode$PacketResponder',
    'sshd:auth',
    'deadbeef1x',
    'cafe',
    '/',
    '.',
    '-',
    'uid=0',
    '12abc',
    '',
  ])('leaves %j alone', (text) => {
    expect(maskOf(text)).toBeNull();
  });

  it('classifies a slice of a longer text without looking outside it', () => {
    const text = 'from 10.0.0.1:22 as root://x';
    expect(maskKind(text, 5, 16)).toBe('ipv4');
    expect(maskKind(text, 5, 13)).toBe('ipv4');
    expect(maskKind(text, 0, 4)).toBeNull();
    expect(maskKind(text, 20, 24)).toBeNull();
  });
});

describe('word masks', () => {
  it('knows month and weekday names in their usual cases', () => {
    for (const word of ['Jan', 'July', 'SEP', 'Fri', 'Sunday'])
      expect(isCalendarWord(word, 0, word.length)).toBe(true);
    for (const word of ['jan', 'Ju', 'Friday!', 'Mayday'])
      expect(isCalendarWord(word, 0, word.length)).toBe(false);
  });

  it('knows units of size and time, with a trailing period', () => {
    for (const word of ['KB', 'ms', 'secs.', 'bytes', 'GiB'])
      expect(isUnitWord(word, 0, word.length)).toBe(true);
    for (const word of ['kilo', 'Ms', 'second', 'x']) expect(isUnitWord(word, 0, word.length)).toBe(false);
  });
});
