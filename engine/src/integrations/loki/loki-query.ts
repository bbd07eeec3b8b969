import { exchange, withRetries } from '../retry.js';
import { SourceError } from '../source-error.js';

/** One log entry read from Loki. */
export interface LokiEntry {
  /** Nanoseconds since the epoch. */
  ts: bigint;
  line: string;
  /** The labels of its stream. */
  labels: Record<string, string>;
}

/** How to reach one Loki. */
export interface LokiQueryOptions {
  /** Base URL, e.g. `http://loki:3100`. */
  url: string;
  /** `X-Scope-OrgID`, for a Loki with `auth_enabled: true`. */
  orgId?: string | null;
  /** Per request. @defaultValue 30000 */
  timeoutMs?: number;
  /** Further attempts after a failure that may pass (unreachable, timeout, 429, 5xx). @defaultValue 2 */
  retries?: number;
  /** First backoff, doubled at each retry. @defaultValue 500 */
  backoffMs?: number;
  /** Entries per request; Loki rejects more than its `max_entries_limit_per_query` (5000). @defaultValue 5000 */
  pageLimit?: number;
  /** A longer range is queried as consecutive sub-ranges of at most this (Loki's max query length). @defaultValue 1h */
  maxRangeMs?: number;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/** Loki's default (and usual) `max_entries_limit_per_query`. */
export const LOKI_MAX_ENTRIES = 5000;
const NS_PER_MS = 1_000_000n;

/**
 * Reads a LogQL log query over [start, end) (ns) forward in time, one page of entries per request, sorted by
 * time. Pages follow Loki's entry limit and the range is split under its max query length. The next page starts
 * at the last timestamp seen (not one nanosecond after it), and entries already yielded at that timestamp are
 * skipped, so entries sharing a timestamp across a page boundary are neither lost nor repeated.
 *
 * @throws {@link SourceError} — invalid query, refused, unreachable, timeout, server error or bad answer.
 * @example
 * for await (const page of queryLokiRange({ url: 'http://loki:3100', orgId: 'acme' }, { query: '{app="shop"}', start, end }))
 *   for (const e of page) console.log(e.ts, e.line);
 */
export async function* queryLokiRange(
  options: LokiQueryOptions,
  q: { query: string; start: bigint; end: bigint },
): AsyncGenerator<LokiEntry[]> {
  const limit = Math.min(options.pageLimit ?? LOKI_MAX_ENTRIES, LOKI_MAX_ENTRIES);
  if (!(limit >= 1)) throw new RangeError(`pageLimit must be at least 1, not ${options.pageLimit}`);
  const span = BigInt(Math.max(1, Math.floor(options.maxRangeMs ?? 3_600_000))) * NS_PER_MS;
  for (let from = q.start; from < q.end; from += span) {
    const to = from + span < q.end ? from + span : q.end;
    let start = from;
    let boundary = -1n;
    let seen = new Set<string>();
    for (;;) {
      const entries = await withRetries(() => attempt(options, q.query, start, to, limit), {
        retries: options.retries ?? 2,
        backoffMs: options.backoffMs ?? 500,
        signal: options.signal,
      });
      const fresh = entries.filter((e) => e.ts !== boundary || !seen.has(entryKey(e)));
      if (fresh.length > 0) yield fresh;
      if (entries.length < limit) break;
      const last = entries[entries.length - 1].ts;
      if (fresh.length === 0) {
        // A whole page of one nanosecond already read: more entries than a page share it; move past it.
        start = last + 1n;
        boundary = -1n;
        seen = new Set();
        continue;
      }
      if (last !== boundary) {
        boundary = last;
        seen = new Set();
      }
      for (const e of entries) if (e.ts === last) seen.add(entryKey(e));
      start = last;
    }
  }
}

function entryKey(e: LokiEntry): string {
  return `${labelsKey(e.labels)}\u0000${e.line}`;
}

/** A stream's labels as one canonical string. */
export function labelsKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
}

async function attempt(
  o: LokiQueryOptions,
  query: string,
  start: bigint,
  end: bigint,
  limit: number,
): Promise<LokiEntry[]> {
  const base = o.url.replace(/\/+$/, '');
  const where = `Loki at ${base}`;
  const what = `the query "${shorten(query)}"`;
  const params = new URLSearchParams({
    query,
    start: String(start),
    end: String(end),
    limit: String(limit),
    direction: 'forward',
  });
  const headers: Record<string, string> = { ...o.headers, accept: 'application/json' };
  if (o.orgId) headers['X-Scope-OrgID'] = o.orgId;
  const { status, text } = await exchange(
    o.fetch ?? fetch,
    `${base}/loki/api/v1/query_range?${params}`,
    { method: 'GET', headers },
    { where, what, timeoutMs: o.timeoutMs ?? 30_000, signal: o.signal },
  );
  if (status >= 500 || status === 429)
    throw new SourceError('server_error', `${where} answered HTTP ${status} to ${what}: ${errorText(text)}`, {
      status,
    });
  if (status === 400 && /parse error|syntax error|unexpected|invalid/i.test(text))
    throw new SourceError('invalid_query', `${where} rejected ${what}: ${errorText(text)}`, { status });
  if (status >= 400)
    throw new SourceError('rejected', `${where} refused ${what} (HTTP ${status}): ${errorText(text)}`, {
      status,
    });
  if (status !== 200)
    throw new SourceError('bad_response', `${where} answered HTTP ${status} to ${what}`, { status });
  try {
    return parseStreams(text);
  } catch (err) {
    if (err instanceof MetricQueryError)
      throw new SourceError(
        'invalid_query',
        `${where}: ${what} is a metric query (result type ${err.message}); a Loki source reads log lines, e.g. {app="shop"} |= "error"`,
        { status },
      );
    throw new SourceError(
      'bad_response',
      `${where} sent a bad answer to ${what}: ${err instanceof Error ? err.message : String(err)}`,
      { status, cause: err },
    );
  }
}

class MetricQueryError extends Error {}

/** The entries of a `query_range` answer of result type `streams`, sorted by time (stable). */
export function parseStreams(text: string): LokiEntry[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`not JSON: ${shorten(text)}`);
  }
  const b = body as { status?: unknown; data?: { resultType?: unknown; result?: unknown } };
  if (b?.status !== 'success' || typeof b.data !== 'object' || b.data === null)
    throw new Error(`expected {"status":"success","data":…}, got ${shorten(text)}`);
  if (b.data.resultType !== 'streams') {
    if (b.data.resultType === 'matrix' || b.data.resultType === 'vector')
      throw new MetricQueryError(String(b.data.resultType));
    throw new Error(`unknown resultType ${JSON.stringify(b.data.resultType)}`);
  }
  if (!Array.isArray(b.data.result)) throw new Error('data.result is not a list');
  const out: LokiEntry[] = [];
  for (const s of b.data.result as { stream?: unknown; values?: unknown }[]) {
    const labels = s?.stream;
    if (typeof labels !== 'object' || labels === null || !Array.isArray(s.values))
      throw new Error('a stream without "stream" labels or "values"');
    for (const [k, v] of Object.entries(labels))
      if (typeof v !== 'string') throw new Error(`label ${k} is not a string`);
    for (const v of s.values as unknown[]) {
      if (
        !Array.isArray(v) ||
        typeof v[0] !== 'string' ||
        !/^\d{1,20}$/.test(v[0]) ||
        typeof v[1] !== 'string'
      )
        throw new Error(`an entry is not ["<ns timestamp>", "<line>"]: ${shorten(JSON.stringify(v))}`);
      out.push({ ts: BigInt(v[0]), line: v[1], labels: labels as Record<string, string> });
    }
  }
  return out.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
}

/** Loki's error text: a plain body, or `{"message"|"error": …}`. */
function errorText(text: string): string {
  try {
    const j = JSON.parse(text) as { message?: unknown; error?: unknown };
    const m = j.message ?? j.error;
    if (typeof m === 'string') return shorten(m);
  } catch {
    // plain text
  }
  return shorten(text.trim());
}

function shorten(s: string): string {
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}
