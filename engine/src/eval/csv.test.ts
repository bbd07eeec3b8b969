import { describe, expect, it } from 'vitest';
import { CsvFormatError, parseCsv, requireColumns } from './csv.js';

describe('parseCsv', () => {
  it('reads a header and rows', () => {
    expect(parseCsv('a,b,c\n1,2,3\n4,5,6\n')).toEqual({
      header: ['a', 'b', 'c'],
      rows: [
        ['1', '2', '3'],
        ['4', '5', '6'],
      ],
    });
  });

  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    const text = 'id,text,note\r\n1,"a, b","say ""hi"""\r\n2,"two\r\nlines",\r\n';
    expect(parseCsv(text).rows).toEqual([
      ['1', 'a, b', 'say "hi"'],
      ['2', 'two\r\nlines', ''],
    ]);
  });

  it('accepts a byte-order mark, a missing final line break and empty fields', () => {
    expect(parseCsv('\ufeffx,y\n,""')).toEqual({ header: ['x', 'y'], rows: [['', '']] });
  });

  it.each([
    ['an unterminated quote', 'a,b\n1,"open\n', 'unterminated quoted field (line 2)'],
    ['a quote inside an unquoted field', 'a,b\n1,x"y\n', 'quote inside an unquoted field (line 2)'],
    ['text after a closing quote', 'a,b\n1,"x"y\n', 'unexpected character after a closing quote (line 2)'],
    ['a short record', 'a,b\n1\n', 'record has 1 fields, the header has 2 (line 2)'],
    ['a long record after a multi-line field', 'a,b\n"x\ny",2\n3,4,5\n', 'the header has 2 (line 4)'],
    ['an empty text', '', 'CSV is empty'],
  ])('rejects %s', (_, text, message) => {
    expect(() => parseCsv(text)).toThrow(CsvFormatError);
    expect(() => parseCsv(text)).toThrow(message);
  });
});

describe('requireColumns', () => {
  const table = parseCsv('LineId,Content,EventId\n1,x,E1\n');

  it('gives the position of each named column', () => {
    expect(requireColumns(table, ['EventId', 'LineId'])).toEqual({ EventId: 2, LineId: 0 });
  });

  it('names every missing column', () => {
    expect(() => requireColumns(table, ['EventId', 'EventTemplate', 'Level'])).toThrow(
      /missing columns EventTemplate, Level/,
    );
  });
});
