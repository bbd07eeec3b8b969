/** snappyjs 0.7: Snappy block format in plain JavaScript (CommonJS, no types of its own). */
declare module 'snappyjs' {
  const SnappyJS: {
    /** Compresses into the Snappy block format; returns the same kind of buffer it is given. */
    compress<T extends Uint8Array | ArrayBuffer>(input: T): T;
    /** Uncompresses a Snappy block; throws on invalid input or when longer than `maxLength`. */
    uncompress<T extends Uint8Array | ArrayBuffer>(input: T, maxLength?: number): T;
  };
  export default SnappyJS;
}
