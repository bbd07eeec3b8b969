import { lastValueFrom, Observable } from 'rxjs';
import { urlUtil } from '@grafana/data';
import type { BackendSrv, BackendSrvRequest, FetchError, FetchResponse } from '@grafana/runtime';

/** The URL a request goes to: its `url` with its `params` serialized as Grafana does. */
export function requestUrl(options: BackendSrvRequest): string {
  const query = options.params ? urlUtil.serializeParams(options.params) : '';
  if (!query) {
    return options.url;
  }
  return `${options.url}${options.url.includes('?') ? '&' : '?'}${query}`;
}

function isRawBody(data: unknown): data is BodyInit {
  return (
    typeof data === 'string' ||
    data instanceof FormData ||
    data instanceof Blob ||
    data instanceof ArrayBuffer ||
    ArrayBuffer.isView(data) ||
    data instanceof URLSearchParams ||
    data instanceof ReadableStream
  );
}

function requestInit(options: BackendSrvRequest, signal: AbortSignal): RequestInit {
  const headers = new Headers();
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value !== undefined && value !== null) {
      headers.set(name, String(value));
    }
  }
  let body: BodyInit | undefined;
  if (options.data !== undefined) {
    if (isRawBody(options.data)) {
      body = options.data;
    } else {
      body = JSON.stringify(options.data);
      if (!headers.has('Content-Type')) {
        headers.set('Content-Type', 'application/json');
      }
    }
  }
  return {
    method: options.method ?? 'GET',
    headers,
    body,
    signal,
    credentials: options.credentials ?? 'same-origin',
  };
}

async function readBody(res: Response, type: BackendSrvRequest['responseType']): Promise<unknown> {
  if (type === 'blob') {
    return res.blob();
  }
  if (type === 'arraybuffer') {
    return res.arrayBuffer();
  }
  const text = await res.text();
  if (type === 'text') {
    return text;
  }
  if (text === '') {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** An error body as Grafana pages read it: `data.message`, taken from the engine's `{error: {message}}`. */
function errorData(body: unknown, fallback: string): { message: string } & Record<string, unknown> {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const record: Record<string, unknown> = { ...body };
    const nested = record.error;
    const nestedMessage =
      nested && typeof nested === 'object' && 'message' in nested && typeof nested.message === 'string'
        ? nested.message
        : null;
    const message = typeof record.message === 'string' ? record.message : (nestedMessage ?? fallback);
    return { ...record, message };
  }
  return { message: typeof body === 'string' && body.trim() !== '' ? body.trim() : fallback };
}

function statusWords(status: number): string {
  if (status === 401) {
    return 'You are signed out: sign in again with your API key.';
  }
  if (status === 404) {
    return 'Not found on the engine.';
  }
  return `The engine answered HTTP ${status}.`;
}

function fetchError(options: BackendSrvRequest, status: number, statusText: string, data: unknown): FetchError {
  const body = errorData(data, status === 0 ? 'The engine cannot be reached. Is it running?' : statusWords(status));
  return { status, statusText, data: body, message: body.message, config: options };
}

function toResponse<T>(res: Response, data: T, options: BackendSrvRequest): FetchResponse<T> {
  return {
    data,
    status: res.status,
    statusText: res.statusText,
    ok: res.ok,
    headers: res.headers,
    redirected: res.redirected,
    type: res.type,
    url: res.url,
    config: options,
  };
}

/**
 * Grafana's BackendSrv over the browser's `fetch`, for pages outside Grafana: same-origin requests with the
 * session cookie, JSON in and out, and errors shaped like Grafana's (`status`, `data.message`).
 */
export class FetchBackendSrv implements BackendSrv {
  constructor(private readonly doFetch: typeof fetch = (input, init) => window.fetch(input, init)) {}

  get<T>(url: string, params?: unknown, requestId?: string, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.data<T>({ ...options, url, params: params ?? undefined, requestId, method: 'GET' });
  }

  delete<T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.data<T>({ ...options, url, data, method: 'DELETE' });
  }

  post<T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.data<T>({ ...options, url, data, method: 'POST' });
  }

  patch<T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.data<T>({ ...options, url, data, method: 'PATCH' });
  }

  put<T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.data<T>({ ...options, url, data, method: 'PUT' });
  }

  request<T>(options: BackendSrvRequest): Promise<T> {
    return this.data<T>(options);
  }

  datasourceRequest<T>(options: BackendSrvRequest): Promise<FetchResponse<T>> {
    return lastValueFrom(this.fetch<T>(options));
  }

  fetch<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
    return new Observable<FetchResponse<T>>((subscriber) => {
      const ctl = new AbortController();
      const onAbort = () => ctl.abort();
      options.abortSignal?.addEventListener('abort', onAbort);
      (async () => {
        let res: Response;
        try {
          res = await this.doFetch(requestUrl(options), requestInit(options, ctl.signal));
        } catch (err) {
          if (ctl.signal.aborted) {
            subscriber.error({ ...fetchError(options, 0, 'cancelled', 'The request was cancelled.'), cancelled: true });
          } else {
            subscriber.error(fetchError(options, 0, err instanceof Error ? err.message : String(err), null));
          }
          return;
        }
        const data = await readBody(res, options.responseType).catch(() => undefined);
        if (!res.ok) {
          subscriber.error(fetchError(options, res.status, res.statusText, data));
          return;
        }
        // The caller names the type it expects, as with Grafana's own BackendSrv.
        subscriber.next(toResponse(res, data as T, options));
        subscriber.complete();
      })();
      return () => {
        options.abortSignal?.removeEventListener('abort', onAbort);
        ctl.abort();
      };
    });
  }

  private async data<T>(options: BackendSrvRequest): Promise<T> {
    const res = await lastValueFrom(this.fetch<T>(options));
    return res.data;
  }

  chunked(options: BackendSrvRequest): Observable<FetchResponse<Uint8Array | undefined>> {
    return new Observable<FetchResponse<Uint8Array | undefined>>((subscriber) => {
      const ctl = new AbortController();
      (async () => {
        try {
          const res = await this.doFetch(requestUrl(options), requestInit(options, ctl.signal));
          if (!res.ok) {
            subscriber.error(fetchError(options, res.status, res.statusText, await readBody(res, 'json')));
            return;
          }
          if (!res.body) {
            subscriber.next(toResponse(res, undefined, options));
            subscriber.complete();
            return;
          }
          const reader = res.body.getReader();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) {
              break;
            }
            subscriber.next(toResponse(res, value, options));
          }
          subscriber.complete();
        } catch (err) {
          if (!ctl.signal.aborted) {
            subscriber.error(fetchError(options, 0, err instanceof Error ? err.message : String(err), null));
          }
        }
      })();
      return () => ctl.abort();
    });
  }
}
