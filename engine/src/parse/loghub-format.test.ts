import { describe, expect, it } from 'vitest';
import { compileLoghubFormat, InvalidLogFormatError } from './loghub-format.js';

const FORMATS = {
  HDFS: '<Date> <Time> <Pid> <Level> <Component>: <Content>',
  Hadoop: '<Date> <Time> <Level> \\[<Process>\\] <Component>: <Content>',
  Spark: '<Date> <Time> <Level> <Component>: <Content>',
  Zookeeper: '<Date> <Time> - <Level>  \\[<Node>:<Component>@<Id>\\] - <Content>',
  HPC: '<LogId> <Node> <Component> <State> <Time> <Flag> <Content>',
  Windows: '<Date> <Time>, <Level>                  <Component>    <Content>',
  Linux: '<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>',
  Mac: '<Month>  <Date> <Time> <User> <Component>\\[<PID>\\]( \\(<Address>\\))?: <Content>',
  Android: '<Date> <Time>  <Pid>  <Tid> <Level> <Component>: <Content>',
  Apache: '\\[<Time>\\] \\[<Level>\\] <Content>',
  OpenSSH: '<Date> <Day> <Time> <Component> sshd\\[<Pid>\\]: <Content>',
  OpenStack: '<Logrecord> <Date> <Time> <Pid> <Level> <Component> \\[<ADDR>\\] <Content>',
};

describe('compileLoghubFormat', () => {
  it.each([
    [
      'HDFS',
      '081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38 terminating',
      {
        Date: '081109',
        Time: '203615',
        Pid: '148',
        Level: 'INFO',
        Component: 'dfs.DataNode$PacketResponder',
      },
      'PacketResponder 1 for block blk_38 terminating',
    ],
    [
      'Hadoop',
      '2015-10-18 18:01:47,978 INFO [main] org.apache.App: Created MRAppMaster for application appattempt_1',
      {
        Date: '2015-10-18',
        Time: '18:01:47,978',
        Level: 'INFO',
        Process: 'main',
        Component: 'org.apache.App',
      },
      'Created MRAppMaster for application appattempt_1',
    ],
    [
      'Spark',
      '17/06/09 20:10:40 INFO spark.SecurityManager: Changing view acls to: yarn,curi',
      { Date: '17/06/09', Time: '20:10:40', Level: 'INFO', Component: 'spark.SecurityManager' },
      'Changing view acls to: yarn,curi',
    ],
    [
      'Zookeeper',
      '2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200',
      {
        Date: '2015-07-29',
        Time: '17:41:44,747',
        Level: 'INFO',
        Node: 'QuorumPeer[myid=1]/0',
        Component: '0:0:0:2181:FastLeaderElection',
        Id: '774',
      },
      'Notification time out: 3200',
    ],
    [
      'HPC',
      '134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component State Change: Component alt0 is unavailable',
      {
        LogId: '134681',
        Node: 'node-246',
        Component: 'unix.hw',
        State: 'state_change.unavailable',
        Time: '1077804742',
        Flag: '1',
      },
      'Component State Change: Component alt0 is unavailable',
    ],
    [
      'Windows',
      '2016-09-28 04:30:30, Info                  CBS    Loaded Servicing Stack v6.1.7601.23505 with Core',
      { Date: '2016-09-28', Time: '04:30:30', Level: 'Info', Component: 'CBS' },
      'Loaded Servicing Stack v6.1.7601.23505 with Core',
    ],
    [
      'Linux',
      'Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown',
      {
        Month: 'Jun',
        Date: '14',
        Time: '15:16:01',
        Level: 'combo',
        Component: 'sshd(pam_unix)',
        PID: '19939',
      },
      'check pass; user unknown',
    ],
    [
      'Mac',
      'Jul  1 09:01:05 calvisitor-10-105-160-95 com.apple.CDScheduler[43]: Thermal pressure state: 1',
      {
        Month: 'Jul',
        Date: '1',
        Time: '09:01:05',
        User: 'calvisitor-10-105-160-95',
        Component: 'com.apple.CDScheduler',
        PID: '43',
        Address: '',
      },
      'Thermal pressure state: 1',
    ],
    [
      'Android',
      '03-17 16:13:38.819  1702  8671 D PowerManagerService: acquire lock=233570404, flags=0x1',
      {
        Date: '03-17',
        Time: '16:13:38.819',
        Pid: '1702',
        Tid: '8671',
        Level: 'D',
        Component: 'PowerManagerService',
      },
      'acquire lock=233570404, flags=0x1',
    ],
    [
      'Apache',
      '[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties',
      { Time: 'Sun Dec 04 04:47:44 2005', Level: 'notice' },
      'workerEnv.init() ok /etc/httpd/conf/workers2.properties',
    ],
    [
      'OpenSSH',
      'Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186',
      { Date: 'Dec', Day: '10', Time: '06:55:46', Component: 'LabSZ', Pid: '24200' },
      'Invalid user webmaster from 173.234.31.186',
    ],
    [
      'OpenStack',
      'nova-api.log.1 2017-05-16 00:00:00.008 25746 INFO nova.wsgi.server [req-38 113d - - -] 10.11.10.1 "GET /v2" status: 200',
      {
        Logrecord: 'nova-api.log.1',
        Date: '2017-05-16',
        Time: '00:00:00.008',
        Pid: '25746',
        Level: 'INFO',
        Component: 'nova.wsgi.server',
        ADDR: 'req-38 113d - - -',
      },
      '10.11.10.1 "GET /v2" status: 200',
    ],
  ] as const)('parses a %s line', (system, line, fields, content) => {
    expect(compileLoghubFormat(FORMATS[system])(line)).toEqual({ fields, content });
  });

  it('fills optional fields when present and leaves them empty when absent', () => {
    const linux = compileLoghubFormat(FORMATS.Linux);
    expect(linux('Jun 15 04:06:18 combo su(pam_unix)[21416]: session opened')?.fields.PID).toBe('21416');
    expect(linux('Jun 15 04:06:20 combo logrotate: ALERT exited abnormally')).toEqual({
      fields: { Month: 'Jun', Date: '15', Time: '04:06:20', Level: 'combo', Component: 'logrotate', PID: '' },
      content: 'ALERT exited abnormally',
    });
    const mac = compileLoghubFormat(FORMATS.Mac);
    const line = 'Jul  1 09:03:11 host kernel[0] (AppleH4): Link up';
    expect(mac(line)).toMatchObject({
      fields: { Component: 'kernel', Address: 'AppleH4' },
      content: 'Link up',
    });
  });

  it('matches runs of whitespace, and trims the line and its line break', () => {
    const parse = compileLoghubFormat(FORMATS.HDFS);
    expect(parse('  081109\t203615  148 INFO dfs.X: done \r\n')).toEqual({
      fields: { Date: '081109', Time: '203615', Pid: '148', Level: 'INFO', Component: 'dfs.X' },
      content: 'done',
    });
  });

  it('returns null for a line that does not fit', () => {
    expect(compileLoghubFormat(FORMATS.Apache)('no brackets here')).toBeNull();
    expect(compileLoghubFormat(FORMATS.OpenSSH)('Dec 10 06:55:46 LabSZ cron[1]: job')).toBeNull();
  });

  it.each([
    ['no <Content> field', '<Date> <Time> <Level>', /no <Content> field/],
    ['a repeated field', '<Date> <Date> <Content>', /field <Date> appears twice/],
    ['invalid pattern text', '<Date> ( <Content>', /not a valid pattern/],
  ])('rejects a format with %s', (_, format, message) => {
    expect(() => compileLoghubFormat(format)).toThrow(InvalidLogFormatError);
    expect(() => compileLoghubFormat(format)).toThrow(message);
  });
});
