import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Upload chunks as files in the data directory (the embedded default): one file per chunk, written to a temporary
 * name, synced, then renamed, so a chunk is either whole or absent after a crash.
 */
export class ChunkFiles {
  constructor(private readonly dir: string) {}

  /** Directory of temporary files (partial request bodies). */
  get tmpDir(): string {
    return join(this.dir, 'tmp');
  }

  /** Moves a finished temporary file into place as chunk `idx` of a job. */
  async commit(tmpPath: string, jobId: string, idx: number): Promise<void> {
    const dir = join(this.dir, jobId);
    await mkdir(dir, { recursive: true });
    const handle = await open(tmpPath, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmpPath, join(dir, String(idx)));
  }

  /** A chunk's bytes. */
  read(jobId: string, idx: number): Promise<Uint8Array> {
    return readFile(join(this.dir, jobId, String(idx)));
  }

  /** Removes every chunk of a job. */
  async remove(jobId: string): Promise<void> {
    await rm(join(this.dir, jobId), { recursive: true, force: true });
  }
}
