import { describe, expect, it } from 'vitest';
import { InvalidSessionKeyError, parseSessionKey } from './session-key.js';

describe('parseSessionKey', () => {
  it('takes the first regex match, or its first group', () => {
    const key = parseSessionKey('/blk_-?\\d+/');
    expect(key.extract('Receiving block blk_-1608999687919862906 src: /10.250.19.102', {})).toBe(
      'blk_-1608999687919862906',
    );
    expect(key.extract('no block here', {})).toBeNull();
    expect(parseSessionKey('/req=(\\w+)/').extract('GET / req=ab12 ok', {})).toBe('ab12');
  });

  it('reads a field by name', () => {
    const key = parseSessionKey('trace_id');
    expect(key.extract('', { trace_id: 'abc' })).toBe('abc');
    expect(key.extract('', {})).toBeNull();
  });

  it('rejects bad keys with a message naming the problem', () => {
    expect(() => parseSessionKey('/(unclosed/')).toThrow(InvalidSessionKeyError);
    expect(() => parseSessionKey('/abc')).toThrow(/does not end with/);
    expect(() => parseSessionKey('')).toThrow(/empty/);
    expect(() => parseSessionKey('two words')).toThrow(/neither/);
  });
});
