import { gzipSync } from 'node:zlib';
import SnappyJS from 'snappyjs';
import { detectionToJsonLine } from '../../export/detection-json.js';
import type { Detection } from '../../model/detection.js';
import { exchange, withRetries } from '../retry.js';
import { SourceError } from '../source-error.js';

/** Options of {@link LokiPusher}. */
export interface LokiPusherOptions {
  /** Loki's base URL, e.g. `http://loki:3100`. */
  url: string;
  /** The explorer page; each line gets `explorer_url` = this with tenant, source, series and anomaly. */
  explorerUrl?: string | null;
  /** Lines per push request. @defaultValue 1000 */
  batchSize?: number;
  /** Lines being sent at once, over every tenant; beyond, a send is refused (and counted dropped). @defaultValue 100000 */
  maxBufferLines?: number;
  /** Further attempts after a failure that may pass (unreachable, timeout, 429, 5xx). @defaultValue 5 */
  retries?: number;
  /** First backoff, doubled at each retry. @defaultValue 500 */
  backoffMs?: number;
  /** Per request. @defaultValue 10000 */
  timeoutMs?: number;
  /** JSON, or snappy-compressed protobuf (`logproto.PushRequest`). @defaultValue 'json' */
  encoding?: 'json' | 'protobuf';
  /** gzip the JSON body. @defaultValue false */
  gzip?: boolean;
  fetch?: typeof fetch;
  /** Lines Loki did not get: `buffer_full`, `rejected` (a 4xx) or `unavailable` (retries exhausted). */
  onDropped?: (tenant: string, lines: number, reason: 'buffer_full' | 'rejected' | 'unavailable') => void;
  onPushed?: (tenant: string, lines: number) => void;
  onError?: (err: Error) => void;
}

/** One entry on its way to Loki. */
interface PushEntry {
  ts: bigint;
  line: string;
}

/** A stream: its labels and entries, sorted by time. */
export interface PushStream {
  labels: Record<string, string>;
  entries: PushEntry[];
}

/**
 * Pushes detections to Loki (`POST /loki/api/v1/push`) as one JSON line each, under the tenant's `X-Scope-OrgID`
 * and low-cardinality labels `{source="outlier", tenant, service, severity, kind}`: batched, retried with backoff,
 * bounded in the lines it holds. A send resolves true when Loki took every line; it never throws. Loki drops an
 * exact duplicate (same stream, time and line), so sending a detection again after a crash adds nothing.
 *
 * @example
 * const pusher = new LokiPusher({ url: 'http://loki:3100', explorerUrl: 'http://grafana:3000/a/outlier-anomaly-app/explorer' });
 * if (!(await pusher.send('acme', detections))) console.log('not delivered yet');
 */
export class LokiPusher {
  private readonly o: Required<
    Omit<LokiPusherOptions, 'explorerUrl' | 'onDropped' | 'onPushed' | 'onError'>
  > &
    LokiPusherOptions;
  private held = 0;
  private readonly sends = new Set<Promise<boolean>>();
  private closed = false;

  constructor(options: LokiPusherOptions) {
    this.o = {
      batchSize: 1000,
      maxBufferLines: 100_000,
      retries: 5,
      backoffMs: 500,
      timeoutMs: 10_000,
      encoding: 'json',
      gzip: false,
      fetch: globalThis.fetch,
      ...options,
      url: options.url.replace(/\/+$/, ''),
    };
  }

  /** Lines being sent now. */
  get pending(): number {
    return this.held;
  }

  /** Sends a tenant's detections; true when Loki accepted every line. */
  send(tenant: string, detections: readonly Detection[]): Promise<boolean> {
    if (detections.length === 0) return Promise.resolve(true);
    if (this.closed || this.held + detections.length > this.o.maxBufferLines) {
      this.o.onDropped?.(tenant, detections.length, 'buffer_full');
      return Promise.resolve(false);
    }
    this.held += detections.length;
    const p = this.deliver(tenant, detections).finally(() => {
      this.held -= detections.length;
      this.sends.delete(p);
    });
    this.sends.add(p);
    return p;
  }

  /** Refuses new sends and waits for those in progress. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sends]);
  }

  private async deliver(tenant: string, detections: readonly Detection[]): Promise<boolean> {
    const lines = detections.map((d) => ({ d, entry: this.entryOf(d) }));
    let ok = true;
    for (let i = 0; i < lines.length; i += this.o.batchSize) {
      const batch = lines.slice(i, i + this.o.batchSize);
      const streams = new Map<string, PushStream>();
      for (const { d, entry } of batch) {
        const labels = streamLabels(tenant, d);
        const key = labelText(labels);
        let s = streams.get(key);
        if (!s) {
          s = { labels, entries: [] };
          streams.set(key, s);
        }
        s.entries.push(entry);
      }
      for (const s of streams.values()) s.entries.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
      try {
        await withRetries(() => this.post(tenant, [...streams.values()]), this.o);
        this.o.onPushed?.(tenant, batch.length);
      } catch (err) {
        ok = false;
        const error = err instanceof Error ? err : new Error(String(err));
        this.o.onError?.(error);
        if (err instanceof SourceError && !err.retryable) {
          this.o.onDropped?.(tenant, batch.length, 'rejected');
          continue;
        }
        this.o.onDropped?.(tenant, lines.length - i, 'unavailable');
        break;
      }
    }
    return ok;
  }

  private entryOf(d: Detection): PushEntry {
    const ms = d.timestamp ? Date.parse(d.timestamp) : Number.NaN;
    const ts = BigInt(Number.isFinite(ms) ? ms : Date.now()) * 1_000_000n;
    let line = detectionToJsonLine(d).trimEnd();
    if (this.o.explorerUrl) {
      const q = new URLSearchParams({ tenant: d.tenant, source: d.source });
      if (d.service) q.set('series', d.service);
      q.set('anomaly', d.id);
      if (Number.isFinite(ms)) {
        q.set('from', String(ms - 3_600_000));
        q.set('to', String(ms + 3_600_000));
      }
      line = `${line.slice(0, -1)},"explorer_url":${JSON.stringify(`${this.o.explorerUrl}?${q}`)}}`;
    }
    return { ts, line };
  }

  private async post(tenant: string, streams: PushStream[]): Promise<void> {
    const headers: Record<string, string> = { 'X-Scope-OrgID': tenant };
    let body: Uint8Array;
    if (this.o.encoding === 'protobuf') {
      headers['content-type'] = 'application/x-protobuf';
      body = SnappyJS.compress(encodePushRequest(streams));
    } else {
      headers['content-type'] = 'application/json';
      const json = JSON.stringify({
        streams: streams.map((s) => ({
          stream: s.labels,
          values: s.entries.map((e) => [String(e.ts), e.line]),
        })),
      });
      body = Buffer.from(json);
      if (this.o.gzip) {
        headers['content-encoding'] = 'gzip';
        body = gzipSync(body);
      }
    }
    const where = `Loki at ${this.o.url}`;
    const what = `a push of ${streams.reduce((n, s) => n + s.entries.length, 0)} lines for tenant ${tenant}`;
    const { status, text } = await exchange(
      this.o.fetch,
      `${this.o.url}/loki/api/v1/push`,
      { method: 'POST', headers, body },
      { where, what, timeoutMs: this.o.timeoutMs },
    );
    if (status >= 200 && status < 300) return;
    const reason = text.trim().slice(0, 300);
    if (status >= 500 || status === 429)
      throw new SourceError('server_error', `${where} answered HTTP ${status} to ${what}: ${reason}`, {
        status,
      });
    throw new SourceError('rejected', `${where} refused ${what} (HTTP ${status}): ${reason}`, { status });
  }
}

/** The labels of a detection's stream: low-cardinality only. */
export function streamLabels(tenant: string, d: Detection): Record<string, string> {
  return {
    source: 'outlier',
    tenant,
    service: d.service ?? 'unknown',
    severity: d.severity ?? 'none',
    kind: d.kind,
  };
}

/** Labels in Prometheus's text form, as protobuf pushes carry them: `{a="x", b="y"}`. */
export function labelText(labels: Record<string, string>): string {
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${Object.keys(labels)
    .sort()
    .map((k) => `${k}="${esc(labels[k])}"`)
    .join(', ')}}`;
}

/** A protobuf writer for the few messages of a push. */
class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private bytes(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }

  varint(field: number, value: bigint): this {
    this.bytes(varint(BigInt(field << 3)));
    this.bytes(varint(value));
    return this;
  }

  lengthDelimited(field: number, payload: Uint8Array): this {
    this.bytes(varint(BigInt((field << 3) | 2)));
    this.bytes(varint(BigInt(payload.length)));
    this.bytes(payload);
    return this;
  }

  string(field: number, s: string): this {
    return this.lengthDelimited(field, Buffer.from(s, 'utf8'));
  }

  finish(): Uint8Array {
    return Buffer.concat(this.parts, this.size);
  }
}

function varint(value: bigint): Uint8Array {
  const out: number[] = [];
  let v = BigInt.asUintN(64, value);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/**
 * `logproto.PushRequest { repeated StreamAdapter streams = 1 }`, `StreamAdapter { string labels = 1;
 * repeated EntryAdapter entries = 2 }`, `EntryAdapter { google.protobuf.Timestamp timestamp = 1; string line = 2 }`.
 */
export function encodePushRequest(streams: readonly PushStream[]): Uint8Array {
  const req = new ProtoWriter();
  for (const s of streams) {
    const stream = new ProtoWriter().string(1, labelText(s.labels));
    for (const e of s.entries) {
      const ts = new ProtoWriter().varint(1, e.ts / 1_000_000_000n).varint(2, e.ts % 1_000_000_000n);
      stream.lengthDelimited(2, new ProtoWriter().lengthDelimited(1, ts.finish()).string(2, e.line).finish());
    }
    req.lengthDelimited(1, stream.finish());
  }
  return req.finish();
}
