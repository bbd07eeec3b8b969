import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import SnappyJS from 'snappyjs';

// A loopback Loki that follows ../shared/PROTOCOLS.md: push (JSON, gzip, snappy protobuf) with string ns
// timestamps only, query_range over stored streams with a stream selector and line filters, an entry limit of
// 5000, tenancy by X-Scope-OrgID, exact duplicates dropped, and failures on demand.

/** One stored entry. */
export interface FakeEntry {
  ts: bigint;
  line: string;
}

/** A stream as the fake holds it. */
export interface FakeStream {
  labels: Record<string, string>;
  entries: FakeEntry[];
}

/** What the fake saw of a request. */
export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  orgId: string | null;
  contentType: string | null;
  status: number;
}

/** A running fake Loki. */
export interface FakeLoki {
  url: string;
  /** Seeds a tenant's streams (as if pushed). */
  push(tenant: string, streams: { labels: Record<string, string>; entries: [bigint, string][] }[]): void;
  /** A tenant's streams, entries sorted by time. */
  streams(tenant: string): FakeStream[];
  /** Every entry a tenant has (after deduplication), with its stream's labels. */
  entries(tenant: string): { ts: bigint; line: string; labels: Record<string, string> }[];
  /** Entries pushed before deduplication, per tenant. */
  pushedLines(tenant: string): number;
  readonly requests: FakeRequest[];
  /** The next `count` requests answer `status` with `body`. */
  failNext(count: number, status: number, body?: string): void;
  /** Answers after this long (ms). */
  setDelay(ms: number): void;
  /** Longest query range accepted (ns span), like Loki's max_query_length. */
  setMaxRange(ms: number): void;
  close(): Promise<void>;
}

export const MAX_ENTRIES_LIMIT = 5000;

const labelsKey = (l: Record<string, string>) =>
  Object.keys(l)
    .sort()
    .map((k) => `${k}=${JSON.stringify(l[k])}`)
    .join(',');

/** Parses a LogQL log query: a selector and line filters. Throws a Loki-style parse error. */
export function parseLogQuery(query: string): {
  matchers: { name: string; op: string; value: string }[];
  filters: { op: string; value: string }[];
  metric: boolean;
} {
  let q = query.trim();
  const metric = /^(rate|count_over_time|sum|avg|max|min|bytes_over_time|bytes_rate|topk)\b/.test(q);
  if (metric) {
    const inner = /\{[^}]*\}/.exec(q);
    if (!inner) throw new Error(`parse error at line 1, col 1: syntax error: unexpected ${q.slice(0, 10)}`);
    q = inner[0];
  }
  const sel = /^\{([^}]*)\}/.exec(q);
  if (!sel) throw new Error(`parse error at line 1, col 1: syntax error: unexpected IDENTIFIER, expecting {`);
  const matchers: { name: string; op: string; value: string }[] = [];
  const body = sel[1].trim();
  if (body.length > 0) {
    for (const part of body.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
      const m = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(part);
      if (!m) throw new Error(`parse error at line 1, col 2: syntax error: unexpected ${part.trim()}`);
      matchers.push({ name: m[1], op: m[2], value: JSON.parse(`"${m[3]}"`) as string });
    }
  }
  if (!matchers.some((m) => (m.op === '=' || m.op === '=~') && m.value !== ''))
    throw new Error(
      'parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value',
    );
  const filters: { op: string; value: string }[] = [];
  let rest = metric ? '' : q.slice(sel[0].length).trim();
  while (rest.length > 0) {
    const f = /^(\|=|!=|\|~|!~)\s*"((?:[^"\\]|\\.)*)"\s*/.exec(rest);
    if (!f)
      throw new Error(
        `parse error at line 1, col ${query.length - rest.length + 1}: syntax error: unexpected ${rest.slice(0, 12)}`,
      );
    filters.push({ op: f[1], value: JSON.parse(`"${f[2]}"`) as string });
    rest = rest.slice(f[0].length);
  }
  return { matchers, filters, metric };
}

function matches(labels: Record<string, string>, m: { name: string; op: string; value: string }): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return new RegExp(`^(?:${m.value})$`).test(v);
    default:
      return !new RegExp(`^(?:${m.value})$`).test(v);
  }
}

function passes(line: string, f: { op: string; value: string }): boolean {
  switch (f.op) {
    case '|=':
      return line.includes(f.value);
    case '!=':
      return !line.includes(f.value);
    case '|~':
      return new RegExp(f.value).test(line);
    default:
      return !new RegExp(f.value).test(line);
  }
}

/** A Loki time parameter: ns epoch, RFC 3339 or float seconds. */
function parseTime(text: string | null, fallback: bigint): bigint | null {
  if (text === null || text === '') return fallback;
  if (/^\d+$/.test(text)) return text.length > 12 ? BigInt(text) : BigInt(text) * 1_000_000_000n;
  if (/^\d+\.\d+$/.test(text)) return BigInt(Math.round(Number(text) * 1e6)) * 1000n;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? BigInt(ms) * 1_000_000n : null;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Minimal protobuf reader for `logproto.PushRequest`. */
function decodePush(buf: Uint8Array): { labels: string; entries: [bigint, string][] }[] {
  const fields = (b: Uint8Array) => {
    const out: { field: number; value: bigint | Uint8Array }[] = [];
    let i = 0;
    const varint = () => {
      let r = 0n;
      let shift = 0n;
      for (;;) {
        const byte = b[i++];
        if (byte === undefined) throw new Error('truncated varint');
        r |= BigInt(byte & 0x7f) << shift;
        if (byte < 0x80) return r;
        shift += 7n;
      }
    };
    while (i < b.length) {
      const tag = Number(varint());
      const wire = tag & 7;
      if (wire === 0) out.push({ field: tag >> 3, value: varint() });
      else if (wire === 2) {
        const len = Number(varint());
        out.push({ field: tag >> 3, value: b.subarray(i, i + len) });
        i += len;
      } else throw new Error(`unsupported wire type ${wire}`);
    }
    return out;
  };
  const text = (v: bigint | Uint8Array) => Buffer.from(v as Uint8Array).toString('utf8');
  return fields(buf)
    .filter((f) => f.field === 1)
    .map((s) => {
      let labels = '';
      const entries: [bigint, string][] = [];
      for (const f of fields(s.value as Uint8Array)) {
        if (f.field === 1) labels = text(f.value);
        if (f.field === 2) {
          let ts = 0n;
          let line = '';
          for (const e of fields(f.value as Uint8Array)) {
            if (e.field === 1) {
              let sec = 0n;
              let nanos = 0n;
              for (const t of fields(e.value as Uint8Array)) {
                if (t.field === 1) sec = t.value as bigint;
                if (t.field === 2) nanos = t.value as bigint;
              }
              ts = sec * 1_000_000_000n + nanos;
            }
            if (e.field === 2) line = text(e.value);
          }
          entries.push([ts, line]);
        }
      }
      return { labels, entries };
    });
}

/** `{a="x", b="y"}` → labels. */
function parseLabelText(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g))
    out[m[1]] = JSON.parse(`"${m[2]}"`) as string;
  return out;
}

/** Starts a fake Loki on a free loopback port. */
export async function startFakeLoki(): Promise<FakeLoki> {
  const tenants = new Map<string, Map<string, FakeStream & { seen: Set<string> }>>();
  const pushed = new Map<string, number>();
  const requests: FakeRequest[] = [];
  const failures: { status: number; body: string }[] = [];
  let delay = 0;
  let maxRangeNs = 721n * 3_600_000_000_000n;

  const store = (tenant: string, labels: Record<string, string>, entries: [bigint, string][]) => {
    let t = tenants.get(tenant);
    if (!t) {
      t = new Map();
      tenants.set(tenant, t);
    }
    const k = labelsKey(labels);
    let s = t.get(k);
    if (!s) {
      s = { labels, entries: [], seen: new Set() };
      t.set(k, s);
    }
    pushed.set(tenant, (pushed.get(tenant) ?? 0) + entries.length);
    for (const [ts, line] of entries) {
      const id = `${ts}\u0000${line}`;
      if (s.seen.has(id)) continue;
      s.seen.add(id);
      s.entries.push({ ts, line });
    }
    s.entries.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, log: FakeRequest) => {
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      log.status = status;
      res.writeHead(status, { 'content-type': type }).end(body);
    };
    if (log.path === '/ready') return send(200, 'ready');
    const failure = failures.shift();
    if (failure) return send(failure.status, failure.body);
    const org = log.orgId;
    if (log.path === '/loki/api/v1/push' && req.method === 'POST') {
      if (!org) return send(401, 'no org id\n');
      let body: Buffer = await readBody(req);
      let streams: { labels: Record<string, string>; entries: [bigint, string][] }[];
      try {
        if (log.contentType?.startsWith('application/x-protobuf')) {
          streams = decodePush(SnappyJS.uncompress(new Uint8Array(body))).map((s) => ({
            labels: parseLabelText(s.labels),
            entries: s.entries,
          }));
        } else {
          if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
          const parsed = JSON.parse(body.toString('utf8')) as { streams?: unknown };
          if (!Array.isArray(parsed.streams)) throw new Error('missing streams');
          streams = parsed.streams.map((s: { stream?: unknown; values?: unknown }) => {
            if (typeof s.stream !== 'object' || s.stream === null || !Array.isArray(s.values))
              throw new Error('a stream needs "stream" and "values"');
            return {
              labels: s.stream as Record<string, string>,
              entries: s.values.map((v: unknown) => {
                if (!Array.isArray(v) || typeof v[0] !== 'string' || !/^\d+$/.test(v[0]))
                  throw new Error(
                    `loghttp.PushRequest.Streams: timestamp must be a string of nanoseconds, got ${JSON.stringify(Array.isArray(v) ? v[0] : v)}`,
                  );
                if (typeof v[1] !== 'string') throw new Error('a log line must be a string');
                return [BigInt(v[0]), v[1]] as [bigint, string];
              }),
            };
          });
        }
      } catch (err) {
        return send(400, `${err instanceof Error ? err.message : String(err)}\n`);
      }
      for (const s of streams) store(org, s.labels, s.entries);
      log.status = 204;
      res.writeHead(204).end();
      return;
    }
    if (log.path === '/loki/api/v1/query_range' && req.method === 'GET') {
      if (!org) return send(401, 'no org id\n');
      const q = log.query;
      const query = q.get('query') ?? '';
      let parsed: ReturnType<typeof parseLogQuery>;
      try {
        parsed = parseLogQuery(query);
      } catch (err) {
        return send(400, `${(err as Error).message}\n`);
      }
      const limitText = q.get('limit');
      const limit = limitText === null ? 100 : Number(limitText);
      if (!Number.isInteger(limit) || limit <= 0) return send(400, `invalid limit: ${limitText}\n`);
      if (limit > MAX_ENTRIES_LIMIT)
        return send(
          400,
          `max entries limit per query exceeded, limit > max_entries_limit (${limit} > ${MAX_ENTRIES_LIMIT})\n`,
        );
      const now = BigInt(Date.now()) * 1_000_000n;
      const end = parseTime(q.get('end'), now);
      const start = parseTime(q.get('start'), (end ?? now) - 3_600_000_000_000n);
      if (start === null || end === null) return send(400, 'invalid start or end time\n');
      if (end < start) return send(400, 'end timestamp must not be before or equal to start time\n');
      if (end - start > maxRangeNs)
        return send(
          400,
          `the query time range exceeds the limit (query length: ${(end - start) / 1_000_000_000n}s, limit: ${maxRangeNs / 1_000_000_000n}s)\n`,
        );
      const direction = q.get('direction') ?? 'backward';
      if (direction !== 'forward' && direction !== 'backward')
        return send(400, `invalid direction: ${direction}\n`);
      if (parsed.metric) {
        return send(
          200,
          JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [], stats: {} } }),
          'application/json',
        );
      }
      const hits: { labels: Record<string, string>; e: FakeEntry; order: number }[] = [];
      let order = 0;
      for (const s of tenants.get(org)?.values() ?? []) {
        if (!parsed.matchers.every((m) => matches(s.labels, m))) continue;
        for (const e of s.entries)
          if (e.ts >= start && e.ts < end && parsed.filters.every((f) => passes(e.line, f)))
            hits.push({ labels: s.labels, e, order: order++ });
      }
      hits.sort((a, b) =>
        a.e.ts !== b.e.ts
          ? (a.e.ts < b.e.ts ? -1 : 1) * (direction === 'forward' ? 1 : -1)
          : a.order - b.order,
      );
      const page = hits.slice(0, limit);
      const byStream = new Map<string, { stream: Record<string, string>; values: [string, string][] }>();
      for (const h of page) {
        const k = labelsKey(h.labels);
        let s = byStream.get(k);
        if (!s) {
          s = { stream: h.labels, values: [] };
          byStream.set(k, s);
        }
        s.values.push([String(h.e.ts), h.e.line]);
      }
      return send(
        200,
        JSON.stringify({
          status: 'success',
          data: {
            resultType: 'streams',
            result: [...byStream.values()],
            stats: { summary: { totalEntriesReturned: page.length } },
          },
        }),
        'application/json',
      );
    }
    return send(404, '404 page not found\n');
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://loki');
    const log: FakeRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      orgId: (req.headers['x-scope-orgid'] as string | undefined) ?? null,
      contentType: (req.headers['content-type'] as string | undefined) ?? null,
      status: 0,
    };
    requests.push(log);
    setTimeout(() => {
      handle(req, res, log).catch((err) => {
        if (!res.headersSent) res.writeHead(500).end(String(err));
      });
    }, delay);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    push(tenant, streams) {
      for (const s of streams) store(tenant, s.labels, s.entries);
    },
    streams(tenant) {
      return [...(tenants.get(tenant)?.values() ?? [])].map((s) => ({
        labels: s.labels,
        entries: s.entries,
      }));
    },
    entries(tenant) {
      return [...(tenants.get(tenant)?.values() ?? [])]
        .flatMap((s) => s.entries.map((e) => ({ ...e, labels: s.labels })))
        .sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    },
    pushedLines: (tenant) => pushed.get(tenant) ?? 0,
    requests,
    failNext(count, status, body = 'injected failure') {
      for (let i = 0; i < count; i++) failures.push({ status, body });
    },
    setDelay(ms) {
      delay = ms;
    },
    setMaxRange(ms) {
      maxRangeNs = BigInt(ms) * 1_000_000n;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
