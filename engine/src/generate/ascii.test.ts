import { describe, expect, it } from 'vitest';
import { ascii, NonAsciiTextError, put2, put3, putBytes, putHex, putInt } from './ascii.js';

const written = (write: (out: Uint8Array) => number): string => {
  const out = new Uint8Array(64);
  return Buffer.from(out.subarray(0, write(out))).toString('latin1');
};

describe('ascii writers', () => {
  it('write text, integers, padded digits and hex at a position', () => {
    expect(written((o) => putBytes(o, 0, ascii('short')))).toBe('short');
    expect(written((o) => putBytes(o, 0, ascii('a text longer than the copy-loop threshold')))).toBe(
      'a text longer than the copy-loop threshold',
    );
    for (const n of [0, 7, 10, 99, 100, 65535, 123456789, 2147483647]) {
      expect(written((o) => putInt(o, 0, n))).toBe(String(n));
    }
    expect(written((o) => put2(o, put3(o, 0, 7), 5))).toBe('00705');
    expect(written((o) => putHex(o, 0, 0x0badf00d))).toBe('0badf00d');
    expect(written((o) => putHex(o, 0, 0x12345, 3))).toBe('345');
  });

  it('refuses text that is not ASCII', () => {
    expect(() => ascii('café')).toThrow(NonAsciiTextError);
  });
});
