/**
 * Exact, compact serialization of typed arrays for model state: base64 of the raw little-endian bytes, so that
 * NaN, ±Infinity and −0 survive JSON and a restored model continues bit for bit.
 */

/** A typed array as it appears in serialized state. */
export type EncodedArray = string;

function bytesOf(a: Float64Array | Float32Array | Int32Array | Uint8Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function bufferOf(text: EncodedArray, bytesPer: number, name: string): ArrayBuffer {
  const buf = Buffer.from(text, 'base64');
  if (buf.byteLength % bytesPer !== 0)
    throw new RangeError(`state field ${name} is not a whole number of values`);
  const out = new ArrayBuffer(buf.byteLength);
  new Uint8Array(out).set(buf);
  return out;
}

/** Encodes a Float64Array. */
export function encodeF64(a: Float64Array): EncodedArray {
  return bytesOf(a).toString('base64');
}

/** Decodes {@link encodeF64}; `length` is checked when given. */
export function decodeF64(text: EncodedArray, name: string, length?: number): Float64Array {
  return checked(new Float64Array(bufferOf(text, 8, name)), name, length);
}

/** Encodes a Float32Array. */
export function encodeF32(a: Float32Array): EncodedArray {
  return bytesOf(a).toString('base64');
}

/** Decodes {@link encodeF32}. */
export function decodeF32(text: EncodedArray, name: string, length?: number): Float32Array {
  return checked(new Float32Array(bufferOf(text, 4, name)), name, length);
}

/** Encodes an Int32Array. */
export function encodeI32(a: Int32Array): EncodedArray {
  return bytesOf(a).toString('base64');
}

/** Decodes {@link encodeI32}. */
export function decodeI32(text: EncodedArray, name: string, length?: number): Int32Array {
  return checked(new Int32Array(bufferOf(text, 4, name)), name, length);
}

function checked<T extends { length: number }>(a: T, name: string, length?: number): T {
  if (length !== undefined && a.length !== length) {
    throw new RangeError(`state field ${name} has ${a.length} values, expected ${length}`);
  }
  return a;
}
