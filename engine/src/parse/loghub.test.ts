import { describe, expect, it } from 'vitest';
import { createLoghubParser } from './loghub.js';
import { InvalidLogFormatError } from './loghub-format.js';

describe('createLoghubParser', () => {
  it('reads HDFS: Date+Time as the time, Level, Component as the service', () => {
    const parse = createLoghubParser('<Date> <Time> <Pid> <Level> <Component>: <Content>');
    expect(
      parse(
        '081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_-1608999687919862906 terminating',
      ),
    ).toEqual({
      timestamp: Date.parse('2008-11-09T20:36:15Z'),
      level: 'info',
      service: 'dfs.DataNode$PacketResponder',
      message: 'PacketResponder 1 for block blk_-1608999687919862906 terminating',
      numeric: {},
      categorical: {
        Date: '081109',
        Time: '203615',
        Pid: '148',
        Level: 'INFO',
        Component: 'dfs.DataNode$PacketResponder',
      },
      format: 'loghub',
    });
  });

  it('reads Linux syslog headers: Month Date Time in the configured year', () => {
    const parse = createLoghubParser('<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>', {
      year: 2005,
    });
    expect(
      parse('Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0'),
    ).toMatchObject({
      timestamp: Date.parse('2005-06-14T15:16:01Z'),
      level: null,
      service: 'sshd(pam_unix)',
      message: 'authentication failure; logname= uid=0',
      categorical: { Level: 'combo', PID: '19939' },
    });
  });

  it('reads Apache error logs (Time in brackets, level word) and a BGL epoch Timestamp', () => {
    const apache = createLoghubParser('\\[<Time>\\] \\[<Level>\\] <Content>');
    expect(
      apache('[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6'),
    ).toMatchObject({
      timestamp: Date.parse('2005-12-04T04:47:44Z'),
      level: 'error',
      message: 'mod_jk child workerEnv in error state 6',
    });
    const bgl = createLoghubParser(
      '<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>',
    );
    expect(
      bgl(
        '- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected',
      ),
    ).toMatchObject({
      timestamp: 1117838570000,
      level: 'info',
      service: 'KERNEL',
      message: 'instruction cache parity error corrected',
    });
  });

  it('reads single-letter levels', () => {
    const parse = createLoghubParser('<Date> <Time>  <Pid>  <Tid> <Level> <Component>: <Content>', {
      year: 2017,
    });
    expect(parse('03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogs')).toMatchObject({
      level: 'debug',
      timestamp: Date.parse('2017-03-17T16:13:38.811Z'),
    });
  });

  it('gives null for a line that does not fit, and throws for a bad format', () => {
    const parse = createLoghubParser('<Date> <Time> <Level> <Content>');
    expect(parse('nofields')).toBeNull();
    expect(() => createLoghubParser('<Date> <Time>')).toThrow(InvalidLogFormatError);
  });
});
