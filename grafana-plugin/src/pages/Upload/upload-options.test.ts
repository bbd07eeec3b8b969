import { DEFAULT_OPTIONS, describeOptions, optionProblems, sessionKeyProblem, toMetadata } from './upload-options';

describe('sessionKeyProblem', () => {
  test('accepts what the engine accepts and says why not otherwise', () => {
    expect(sessionKeyProblem('')).toBeNull();
    expect(sessionKeyProblem('trace_id')).toBeNull();
    expect(sessionKeyProblem('/blk_-?\\d+/')).toBeNull();
    expect(sessionKeyProblem('/req=(\\w+)/i')).toBeNull();
    expect(sessionKeyProblem('/blk_(/')).toBe('/blk_(/ is not a valid regular expression: unterminated group.');
    expect(sessionKeyProblem('/blk_')).toBe('/blk_ starts with / but does not end with /: write /regex/.');
    expect(sessionKeyProblem('trace id')).toBe('"trace id" is neither a /regex/ nor a field name such as trace_id.');
  });

  test('loghub needs its log format; only set values become metadata', () => {
    expect(optionProblems({ ...DEFAULT_OPTIONS, format: 'loghub' }).logFormat).toMatch(/need their header format/);
    expect(optionProblems(DEFAULT_OPTIONS)).toEqual({});
    expect(toMetadata({ ...DEFAULT_OPTIONS, logFormat: 'ignored unless loghub', service: ' api ' }, 'a.log')).toEqual({
      filename: 'a.log',
      format: 'auto',
      log_format: '',
      session_key: '',
      service: 'api',
      retrain: '',
    });
    expect(describeOptions({ ...DEFAULT_OPTIONS, sessionKey: 'trace_id', retrain: true })).toBe(
      'format detected · session trace_id · retrain'
    );
  });
});
