/** Writes to stdout, waiting when the pipe is full, so that output never piles up in memory. */
export async function writeStdout(chunk: Uint8Array | string): Promise<void> {
  if (!process.stdout.write(chunk)) {
    await new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        process.stdout.off('error', onError);
        resolve();
      };
      const onError = (err: Error) => {
        process.stdout.off('drain', onDrain);
        reject(err);
      };
      process.stdout.once('drain', onDrain);
      process.stdout.once('error', onError);
    });
  }
}
