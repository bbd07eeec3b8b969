/**
 * Writes to stdout and resolves once the bytes are written (the caller may then reuse the chunk's memory), so that
 * output never piles up in memory.
 */
export function writeStdout(chunk: Uint8Array | string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    process.stdout.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
}
