/** What went wrong reading an input file; stable, for API responses (`{ error: { code, message } }`). */
export type IngestErrorCode =
  | 'file_not_found'
  | 'is_directory'
  | 'not_readable'
  | 'binary_file'
  | 'truncated_gzip'
  | 'corrupt_gzip';

/** An input file that cannot be read as a text log. Every message names the file. */
export abstract class IngestError extends Error {
  abstract readonly code: IngestErrorCode;

  constructor(
    /** The file, as given. */
    readonly path: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The file does not exist. */
export class FileNotFoundError extends IngestError {
  override name = 'FileNotFoundError';
  readonly code = 'file_not_found';

  constructor(path: string, options?: ErrorOptions) {
    super(path, `${path}: no such file`, options);
  }
}

/** The path is a directory, not a log file. */
export class IsDirectoryError extends IngestError {
  override name = 'IsDirectoryError';
  readonly code = 'is_directory';

  constructor(path: string, options?: ErrorOptions) {
    super(path, `${path} is a directory, not a log file`, options);
  }
}

/** The file exists but this process may not read it. */
export class FileNotReadableError extends IngestError {
  override name = 'FileNotReadableError';
  readonly code = 'not_readable';

  constructor(path: string, options?: ErrorOptions) {
    super(path, `${path} cannot be read: permission denied`, options);
  }
}

/** The file (after decompression) is not text: NUL bytes, or mostly bytes that text does not hold. */
export class BinaryFileError extends IngestError {
  override name = 'BinaryFileError';
  readonly code = 'binary_file';

  constructor(path: string, reason: 'nul' | 'non-text', options?: ErrorOptions) {
    const why = reason === 'nul' ? 'it holds NUL bytes' : 'most of its first bytes are not text';
    super(path, `${path} looks like a binary file, not a text log (${why})`, options);
  }
}

/** A gzip file that ends before its compressed stream does; the lines decoded before the end were delivered. */
export class TruncatedGzipError extends IngestError {
  override name = 'TruncatedGzipError';
  readonly code = 'truncated_gzip';

  constructor(path: string, decodedBytes: number, options?: ErrorOptions) {
    super(
      path,
      `${path}: the gzip data ends early (file truncated after ${decodedBytes} decoded bytes)`,
      options,
    );
  }
}

/** A file that starts like gzip but whose compressed data is damaged. */
export class CorruptGzipError extends IngestError {
  override name = 'CorruptGzipError';
  readonly code = 'corrupt_gzip';

  constructor(path: string, detail: string, options?: ErrorOptions) {
    super(path, `${path}: the gzip data is damaged (${detail})`, options);
  }
}
