import { type FileHandle, open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { BINARY_SAMPLE_BYTES, detectBinary } from './binary-check.js';
import {
  BinaryFileError,
  CorruptGzipError,
  FileNotFoundError,
  FileNotReadableError,
  IngestError,
  IsDirectoryError,
  TruncatedGzipError,
} from './errors.js';
import { LineChunker } from './line-chunker.js';

/** Options of {@link readChunks}. */
export interface ReadChunksOptions {
  /** A chunk ends at the first end of line after this many bytes. @defaultValue 4 MiB */
  chunkBytes?: number;
  /** Longer lines are cut (see {@link LineChunker}) and counted. @defaultValue 64 KiB */
  maxLineBytes?: number;
  /** Stops reading; the iteration then throws the signal's reason. */
  signal?: AbortSignal;
}

/** Counters of a {@link ChunkReader}, updated as it reads (for progress and the run summary). */
export interface ChunkReaderStats {
  /** Size of the file on disk; `bytesRead / fileSize` is the progress, gzip or not. */
  fileSize: number;
  /** Bytes read from disk so far. */
  bytesRead: number;
  /** Bytes after decompression so far (equal to `bytesRead` for plain files). */
  bytesDecoded: number;
  /** Lines longer than `maxLineBytes` so far. */
  linesTruncated: number;
  /** The file is gzip (by its magic bytes, whatever its name). */
  gzip: boolean;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const UTF8_BOM = [0xef, 0xbb, 0xbf];
const READ_BYTES = 1024 * 1024;

/**
 * Reads a log file as chunks of whole lines, never holding the file in memory: each chunk ends right after a
 * `\n` (the last one may end with a line without newline), so chunks decode independently. Gzip is read
 * transparently, detected by its magic bytes. The first 64 KiB (after decompression) must be text; a UTF-8
 * byte-order mark there is dropped. Read once; `stats` grows as the chunks come.
 *
 * @example
 * ```ts
 * const reader = readChunks('access.log.gz', { signal });
 * for await (const chunk of reader) {
 *   const { lines } = splitLines(chunk, { maxLineBytes: 65_536 });
 *   progress(reader.stats.bytesRead / reader.stats.fileSize);
 * }
 * ```
 */
export function readChunks(path: string, options: ReadChunksOptions = {}): ChunkReader {
  return new ChunkReader(path, options);
}

/**
 * The chunks of one file (see {@link readChunks}).
 *
 * The iteration throws {@link FileNotFoundError}, {@link IsDirectoryError}, {@link FileNotReadableError},
 * {@link BinaryFileError}, {@link CorruptGzipError}, or {@link TruncatedGzipError} after delivering the lines
 * decoded before the end.
 */
export class ChunkReader implements AsyncIterable<Buffer> {
  readonly stats: ChunkReaderStats = {
    fileSize: 0,
    bytesRead: 0,
    bytesDecoded: 0,
    linesTruncated: 0,
    gzip: false,
  };
  private readonly chunkBytes: number;
  private readonly maxLineBytes: number;
  private readonly signal: AbortSignal | undefined;
  private started = false;

  constructor(
    readonly path: string,
    { chunkBytes = 4 * 1024 * 1024, maxLineBytes = 64 * 1024, signal }: ReadChunksOptions = {},
  ) {
    this.chunkBytes = chunkBytes;
    this.maxLineBytes = maxLineBytes;
    this.signal = signal;
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    if (this.started)
      throw new Error(`${this.path} is already being read; create a new reader to read it again`);
    this.started = true;
    return this.read();
  }

  private async *read(): AsyncGenerator<Buffer> {
    const { path, stats, signal } = this;
    signal?.throwIfAborted();
    const handle = await openFile(path);
    try {
      stats.fileSize = (await handle.stat()).size;
      stats.gzip = await startsWith(handle, GZIP_MAGIC);
    } catch (error) {
      await handle.close();
      throw mapFileError(path, error);
    }
    const raw = handle.createReadStream({ start: 0, highWaterMark: READ_BYTES, signal });
    let source: Readable = raw;
    if (stats.gzip) {
      raw.on('data', (piece: string | Buffer) => {
        stats.bytesRead += piece.length;
      });
      source = pipeline(raw, createGunzip(), () => {});
    }
    const chunker = new LineChunker({ chunkBytes: this.chunkBytes, maxLineBytes: this.maxLineBytes });
    const sample = new TextSample();
    try {
      for await (const piece of source as AsyncIterable<Buffer>) {
        if (!stats.gzip) stats.bytesRead += piece.length;
        stats.bytesDecoded += piece.length;
        if (!sample.pending) {
          yield* this.pushChunks(chunker, piece);
          continue;
        }
        sample.add(piece);
        if (sample.size >= BINARY_SAMPLE_BYTES) yield* this.pushChunks(chunker, sample.take(path));
      }
    } catch (error) {
      const failure = mapReadError(path, error, stats.bytesDecoded);
      if (failure instanceof TruncatedGzipError) yield* this.finish(chunker, sample);
      throw failure;
    } finally {
      raw.destroy();
    }
    yield* this.finish(chunker, sample);
  }

  /** The rest of the input: a sample too short to have been checked yet, then the last chunk. */
  private *finish(chunker: LineChunker, sample: TextSample): Generator<Buffer> {
    if (sample.pending) yield* this.pushChunks(chunker, sample.take(this.path));
    const last = chunker.end();
    this.stats.linesTruncated = chunker.linesTruncated;
    if (last) yield last;
  }

  private *pushChunks(chunker: LineChunker, bytes: Buffer): Generator<Buffer> {
    for (const chunk of chunker.push(bytes)) {
      this.stats.linesTruncated = chunker.linesTruncated;
      this.signal?.throwIfAborted();
      yield chunk;
    }
    this.stats.linesTruncated = chunker.linesTruncated;
  }
}

/** The first decoded bytes of a file, held until there are enough to tell text from binary. */
class TextSample {
  pending = true;
  size = 0;
  private parts: Buffer[] = [];

  add(piece: Buffer): void {
    this.parts.push(piece);
    this.size += piece.length;
  }

  /** The sample without a byte-order mark, once checked. @throws {@link BinaryFileError} */
  take(path: string): Buffer {
    const bytes = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.pending = false;
    const reason = detectBinary(bytes.subarray(0, BINARY_SAMPLE_BYTES));
    if (reason) throw new BinaryFileError(path, reason);
    const bom = bytes[0] === UTF8_BOM[0] && bytes[1] === UTF8_BOM[1] && bytes[2] === UTF8_BOM[2];
    return bom ? bytes.subarray(3) : bytes;
  }
}

async function openFile(path: string): Promise<FileHandle> {
  let directory: boolean;
  try {
    directory = (await stat(path)).isDirectory();
  } catch (error) {
    throw mapFileError(path, error);
  }
  if (directory) throw new IsDirectoryError(path);
  try {
    return await open(path, 'r');
  } catch (error) {
    throw mapFileError(path, error);
  }
}

async function startsWith(handle: FileHandle, magic: readonly number[]): Promise<boolean> {
  const head = Buffer.alloc(magic.length);
  const { bytesRead } = await handle.read(head, 0, magic.length, 0);
  return bytesRead === magic.length && magic.every((byte, i) => head[i] === byte);
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function mapFileError(path: string, error: unknown): unknown {
  switch (errorCode(error)) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new FileNotFoundError(path, { cause: error });
    case 'EISDIR':
      return new IsDirectoryError(path, { cause: error });
    case 'EACCES':
    case 'EPERM':
      return new FileNotReadableError(path, { cause: error });
    default:
      return error;
  }
}

function mapReadError(path: string, error: unknown, decodedBytes: number): unknown {
  if (error instanceof IngestError) return error;
  const code = errorCode(error);
  if (code === 'Z_BUF_ERROR') return new TruncatedGzipError(path, decodedBytes, { cause: error });
  if (code === 'Z_DATA_ERROR' || code === 'Z_NEED_DICT') {
    const detail = error instanceof Error ? error.message : String(code);
    return new CorruptGzipError(path, detail, { cause: error });
  }
  return mapFileError(path, error);
}
