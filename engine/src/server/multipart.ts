import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { ByteStream } from '../services/uploads.js';
import { ApiError } from './errors.js';

/** The first file of a multipart body, streamed, with the form fields sent before it. */
export interface MultipartFile {
  filename: string | null;
  fields: Record<string, string>;
  stream: ByteStream;
}

/**
 * Streams a `multipart/form-data` body with busboy and resolves with its first file part as soon as that part
 * starts, so the caller reads the file as it arrives. Fields must come before the file; later parts are ignored.
 */
export function firstFile(headers: Headers, body: Readable): Promise<MultipartFile> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: Object.fromEntries(headers),
        limits: { files: 1, fields: 50, fieldSize: 64 * 1024 },
      });
    } catch (err) {
      reject(
        new ApiError(
          400,
          'invalid_multipart',
          `the multipart body cannot be read: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
      return;
    }
    const fields: Record<string, string> = {};
    let found = false;
    bb.on('field', (name, value) => {
      fields[name] = value;
    });
    bb.on('file', (_name, stream, info) => {
      if (found) {
        stream.resume();
        return;
      }
      found = true;
      resolve({ filename: info.filename ?? null, fields: { ...fields }, stream });
    });
    bb.on('error', (err) => {
      if (!found)
        reject(
          new ApiError(
            400,
            'invalid_multipart',
            `the multipart body cannot be read: ${err instanceof Error ? err.message : String(err)}`,
          ),
        );
    });
    bb.on('close', () => {
      if (!found) reject(new ApiError(400, 'missing_file', 'the multipart body has no file part'));
    });
    body.on('error', (err) => bb.destroy(err));
    body.pipe(bb);
  });
}
