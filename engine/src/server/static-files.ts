import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** A file found under a static root. */
export interface StaticFile {
  path: string;
  size: number;
  mtimeMs: number;
}

/**
 * The file `relative` (a URL path, still percent-encoded) names under `root`, or null when there is none or the
 * path tries to leave the root (`..`, encoded or not, NUL bytes, backslashes).
 */
export async function findStaticFile(root: string, relative: string): Promise<StaticFile | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  if (decoded.split('/').some((segment) => segment === '..')) return null;
  const base = resolve(root);
  const path = resolve(base, `.${decoded.startsWith('/') ? '' : '/'}${decoded}`);
  if (!path.startsWith(base + sep)) return null;
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return null;
  return { path, size: info.size, mtimeMs: info.mtimeMs };
}

/** Options of {@link staticFileResponse}. */
export interface StaticResponseOptions {
  /** `Cache-Control` of the answer. */
  cacheControl: string;
  method: string;
  /** The request's `If-None-Match`, answered with 304 when it names this version. */
  ifNoneMatch?: string;
  headers?: Record<string, string>;
}

/** Streams a file with its content type, a validator and the given caching. */
export function staticFileResponse(file: StaticFile, options: StaticResponseOptions): Response {
  const etag = `W/"${file.size.toString(36)}-${Math.floor(file.mtimeMs).toString(36)}"`;
  const headers: Record<string, string> = {
    'Content-Type': CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
    'Cache-Control': options.cacheControl,
    ETag: etag,
    'X-Content-Type-Options': 'nosniff',
    ...options.headers,
  };
  if (options.ifNoneMatch?.split(',').some((tag) => tag.trim() === etag))
    return new Response(null, { status: 304, headers });
  headers['Content-Length'] = String(file.size);
  if (options.method === 'HEAD') return new Response(null, { status: 200, headers });
  const body = Readable.toWeb(createReadStream(file.path)) as ReadableStream<Uint8Array>;
  return new Response(body, { status: 200, headers });
}
