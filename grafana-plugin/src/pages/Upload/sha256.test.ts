import { createHash, randomBytes } from 'crypto';
import { sha256Js } from './sha256';

function hex(buf: ArrayBuffer): string {
  return Buffer.from(buf).toString('hex');
}

describe('sha256Js', () => {
  test('matches Node’s SHA-256 across block boundaries', () => {
    for (const size of [0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 1000, 100_003]) {
      const data = randomBytes(size);
      const copy = new Uint8Array(data).buffer;
      expect(hex(sha256Js(copy))).toBe(createHash('sha256').update(data).digest('hex'));
    }
  });

  test('gives the FIPS 180-2 test vector for "abc"', () => {
    expect(hex(sha256Js(new TextEncoder().encode('abc').buffer))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    );
  });
});
