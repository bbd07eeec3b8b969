import { describe, expect, it } from 'vitest';
import { ParserOptionsError } from './errors.js';
import { InvalidLogFormatError } from './loghub-format.js';
import { createParser } from './parser.js';

describe('createParser', () => {
  it('detects the format and falls back to generic per line, saying which parser produced the record', () => {
    const parser = createParser({
      format: 'auto',
      sampleLines: [
        '{"msg":"a","level":"info"}',
        '{"msg":"b","level":"warn"}',
        'Traceback (most recent call last):',
      ],
    });
    expect(parser.format).toBe('json');
    expect(parser.detection?.votes).toEqual({ json: 2 });
    expect(parser.parse('{"msg":"c","level":"error"}')).toMatchObject({
      format: 'json',
      level: 'error',
      message: 'c',
    });
    expect(parser.parse('2024-05-01T10:00:00Z ERROR worker: boom')).toMatchObject({
      format: 'generic',
      level: 'error',
      service: 'worker',
      message: 'boom',
    });
  });

  it('uses a given format without detection, and parse works detached', () => {
    const { parse, format, detection } = createParser({ format: 'clf' });
    expect(format).toBe('clf');
    expect(detection).toBeNull();
    expect(parse('10.0.0.1 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 500 1').level).toBe('error');
    expect(parse('anything else').format).toBe('generic');
  });

  it('treats auto with no sample lines as generic', () => {
    expect(createParser({ format: 'auto' }).format).toBe('generic');
  });

  it('uses the year option for year-less times', () => {
    const parser = createParser({ format: 'syslog', year: 2020 });
    expect(parser.parse('Feb 29 12:00:00 h app: leap').timestamp).toBe(Date.parse('2020-02-29T12:00:00Z'));
  });

  it('needs a logFormat for loghub and takes one for auto', () => {
    expect(() => createParser({ format: 'loghub' })).toThrow(ParserOptionsError);
    expect(() => createParser({ format: 'loghub', logFormat: '  ' })).toThrow(/--log-format/);
    expect(() => createParser({ format: 'json', logFormat: '<Level> <Content>' })).toThrow(
      ParserOptionsError,
    );
    expect(() => createParser({ format: 'loghub', logFormat: '<Level>' })).toThrow(InvalidLogFormatError);
    const parser = createParser({
      format: 'auto',
      logFormat: '<Level> <Component>: <Content>',
      sampleLines: ['{"a":1}'],
    });
    expect(parser.format).toBe('loghub');
    expect(parser.parse('WARN db: slow')).toMatchObject({
      format: 'loghub',
      level: 'warn',
      service: 'db',
      message: 'slow',
    });
    expect(parser.parse('')).toMatchObject({ format: 'generic', message: '' });
  });
});
