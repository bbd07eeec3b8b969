import { describe, expect, it } from 'vitest';
import { scanTokens, TokenBuffer, TokenKind, tokenize } from './tokenize.js';

const texts = (message: string): string[] => tokenize(message).map((t) => t.text);
const kinds = (message: string): string =>
  tokenize(message)
    .map((t) => ['w', 'v', 'm'][t.kind])
    .join('');

describe('tokenize', () => {
  it('splits on whitespace and on delimiters inside words, keeping positions', () => {
    const message = 'uid=0 euid=0 tty=ssh (user: root) [x,y]';
    expect(texts(message)).toEqual(['uid', '0', 'euid', '0', 'tty', 'ssh', 'user', 'root', 'x', 'y']);
    for (const token of tokenize(message)) expect(message.slice(token.start, token.end)).toBe(token.text);
  });

  it('keeps a word whole when a mask recognises it, less wrapping punctuation', () => {
    expect(tokenize('from [10.0.0.1:22], at 20:30:31.455.')).toMatchObject([
      { text: 'from', kind: TokenKind.Literal, mask: null },
      { text: '10.0.0.1:22', kind: TokenKind.Masked, mask: 'ipv4' },
      { text: 'at', kind: TokenKind.Literal },
      { text: '20:30:31.455', kind: TokenKind.Masked, mask: 'datetime' },
    ]);
  });

  it('marks words with digits and dotted names as variable, plain words as literal', () => {
    expect(tokenize('session ssh2 from com.example.app ok')).toMatchObject([
      { text: 'session', kind: TokenKind.Literal },
      { text: 'ssh2', kind: TokenKind.Variable },
      { text: 'from', kind: TokenKind.Literal },
      { text: 'com.example.app', kind: TokenKind.Variable },
      { text: 'ok', kind: TokenKind.Literal },
    ]);
    expect(kinds('workerEnv.init() ok')).toBe('wvw');
  });

  it('keeps apostrophes inside words but splits quotes around them', () => {
    expect(texts(`Can't find 'attempt_1' "x"`)).toEqual(["Can't", 'find', 'attempt_1', 'x']);
  });

  it('gives empty value slots a token, so that filled and empty slots align', () => {
    expect(tokenize('logname= uid=0 ()')).toMatchObject([
      { text: 'logname', kind: TokenKind.Literal },
      { text: '', kind: TokenKind.Variable },
      { text: 'uid' },
      { text: '0' },
      { text: '', kind: TokenKind.Variable },
    ]);
    expect(tokenize('connection from () at').length).toBe(tokenize('connection from (host) at').length);
  });

  it('masks dates with month and weekday names, and units after numbers', () => {
    expect(tokenize('connection at Fri Jul  1 07:57:30 2005 took 5.2 KB')).toMatchObject([
      { text: 'connection' },
      { text: 'at' },
      { text: 'Fri Jul  1 07:57:30 2005', kind: TokenKind.Masked },
      { text: 'took' },
      { text: '5.2 KB', kind: TokenKind.Masked },
    ]);
    expect(kinds('May I help, Jun?')).toBe('wwww');
  });

  it('joins lists of values so that their length does not matter', () => {
    const one = tokenize('delete blk_1 from 10.0.0.1:50010');
    const many = tokenize('delete blk_1 blk_22 blk_-3 from 10.0.0.1:50010 10.0.0.2:50010, 10.0.0.3:50010');
    expect(many.map((t) => t.text)).toEqual([
      'delete',
      'blk_1 blk_22 blk_-3',
      'from',
      '10.0.0.1:50010 10.0.0.2:50010, 10.0.0.3:50010',
    ]);
    expect(many.length).toBe(one.length);
    expect(texts('port 22 ssh2')).toEqual(['port', '22', 'ssh2']);
  });

  it('keeps a URL after a key whole', () => {
    expect(tokenize('referer=https://example.com/a?b=c&d=e,')).toMatchObject([
      { text: 'referer', kind: TokenKind.Literal },
      { text: 'https://example.com/a?b=c&d=e', kind: TokenKind.Masked },
    ]);
  });

  it('handles empty, blank and non-ASCII messages', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenize(' \t ')).toEqual([]);
    expect(texts('démarré à 12h — ok')).toEqual(['démarré', 'à', '12h', '—', 'ok']);
  });
});

describe('scanTokens', () => {
  it('reuses a buffer and grows it for long messages', () => {
    const buffer = new TokenBuffer();
    const long = Array.from({ length: 300 }, (_, i) => `w${String.fromCharCode(97 + (i % 26))} x`).join(' ');
    expect(scanTokens(long, buffer)).toBe(600);
    expect(buffer.starts.length).toBeGreaterThanOrEqual(600);
    expect(scanTokens('a b', buffer)).toBe(2);
    expect(buffer.count).toBe(2);
  });
});
