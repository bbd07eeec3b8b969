import type { Detection } from '../model/detection.js';
import { ByteSink, NEEDS_ESCAPE } from './byte-sink.js';

/** Bytes of a detection's JSON line that many lines share (see {@link DetectionJsonWriter.fragments}). */
export interface LineFragments {
  head: Uint8Array;
  tail: Uint8Array;
}

/** `JSON.stringify(s)`, without its cost for the common string that needs no escape. */
function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

const str = (s: string | null): string => (s === null ? 'null' : quote(s));

/** Text of every multiple of 1/10 000 in [0, 1]: scores carry 4 decimals, and number printing is costly. */
const TEN_THOUSANDTHS: readonly string[] = Array.from({ length: 10_001 }, (_, k) => String(k / 10_000));

/** `String(n)` as JSON writes it (`null` for non-finite numbers), from a table for 4-decimal scores. */
function num(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return 'null';
  const k = Math.round(n * 10_000);
  return k >= 0 && k <= 10_000 && k / 10_000 === n ? TEN_THOUSANDTHS[k] : String(n);
}

/**
 * Serializes a detection as one JSON line, keys in the schema's order, written out by hand (a test checks it equals
 * `JSON.stringify`). Lines of `analyze --json` go through {@link DetectionJsonWriter} instead.
 */
export function detectionToJsonLine(d: Detection): string {
  let detectors = '';
  for (let i = 0; i < d.detectors.length; i++) {
    const x = d.detectors[i];
    detectors += `${i > 0 ? ',' : ''}{"name":${JSON.stringify(x.name)},"score":${num(x.score)}}`;
  }
  return jsonLine(
    d,
    `{"id":${JSON.stringify(d.id)},"tenant":${JSON.stringify(d.tenant)},"source":${JSON.stringify(d.source)},"service":`,
    `"template_id":${str(d.template_id)},"template":${str(d.template)},`,
    detectors,
  );
}

function jsonLine(d: Detection, head: string, template: string, detectors: string): string {
  let samples = '';
  for (let i = 0; i < d.samples.length; i++) samples += (i > 0 ? ',' : '') + quote(d.samples[i]);
  return (
    `${head}${str(d.service)},"timestamp":${str(d.timestamp)},` +
    `"kind":"${d.kind}","score":${num(d.score)},"severity":${d.severity === null ? 'null' : `"${d.severity}"`},` +
    `${template}"session_id":${str(d.session_id)},"observed":${num(d.observed)},` +
    `"expected":${num(d.expected)},"lower":${num(d.lower)},"upper":${num(d.upper)},"detectors":[${detectors}],` +
    `"explanation":${quote(d.explanation)},"samples":[${samples}]}\n`
  );
}

/** Most templates and detector names whose JSON a {@link DetectionJsonWriter} keeps. */
const MAX_CACHED = 4096;

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const ID = utf8('{"id":');
const TIMESTAMP = utf8(',"timestamp":');
const KIND = utf8(',"kind":"');
const SCORE = utf8('","score":');
const SEVERITY = utf8(',"severity":');
const SESSION = utf8('"session_id":');
const OBSERVED = utf8(',"observed":');
const EXPECTED = utf8(',"expected":');
const LOWER = utf8(',"lower":');
const UPPER = utf8(',"upper":');
const DETECTORS = utf8(',"detectors":[');
const EXPLANATION = utf8('],"explanation":');
const SAMPLES = utf8(',"samples":[');
const END = utf8(']}\n');
const NULL = utf8('null');
const SEVERITY_JSON: Record<string, Uint8Array> = Object.fromEntries(
  ['low', 'medium', 'high', 'critical'].map((s) => [s, utf8(`"${s}"`)]),
);

/**
 * Writes detections as JSON lines straight into a {@link ByteSink}, byte for byte what {@link detectionToJsonLine}
 * gives, without building the line as a string: `analyze --json` writes one detection per input line, and those
 * strings were most of what its workers allocated. What repeats from one detection to the next (tenant and source,
 * a template and its id, detector names) is kept encoded.
 */
export class DetectionJsonWriter {
  private tenant: string | null = null;
  private source: string | null = null;
  private tenantAndSource: Uint8Array = new Uint8Array(0);
  private readonly scratch = new ByteSink(1024);
  private idSource: string | null = null;
  private idPrefix: Uint8Array = new Uint8Array(0);
  private readonly templates = new Map<string, { template: string | null; json: Uint8Array }>();
  private readonly names = new Map<string, Uint8Array>();

  /** Appends one JSON line, ending with a newline. */
  write(d: Detection, out: ByteSink): void {
    out.bytes(ID);
    out.jsonString(d.id);
    this.tenantToTimestamp(d, out);
    nullableString(out, d.timestamp);
    this.kindToEnd(d, out, null, 0, 0, null);
  }

  /**
   * Appends the JSON line of an input line's detection, as {@link DetectionJsonWriter.write} does with `d.id` =
   * `${d.source}:${lineNo}` and `d.timestamp` = `rfc3339(timestampMs)` (both ignored in `d`), without making
   * those strings for every line. When the first sample is a line read from bytes, `raw[start..end)` (valid UTF-8)
   * may give those bytes, which are then escaped as they are instead of encoding the string again. `fragments`, from {@link DetectionJsonWriter.fragments} of a detection with the
   * same score and evidence, stand for those fields of `d`.
   */
  writeLine(
    d: Detection,
    out: ByteSink,
    lineNo: number,
    timestampMs: number | null,
    raw: Uint8Array | null = null,
    start = 0,
    end = 0,
    fragments: LineFragments | null = null,
  ): void {
    if (d.source !== this.idSource) {
      this.idSource = d.source;
      const quoted = JSON.stringify(`${d.source}:`);
      this.idPrefix = utf8(`{"id":${quoted.slice(0, -1)}`);
    }
    out.bytes(this.idPrefix);
    if (Number.isSafeInteger(lineNo) && lineNo >= 0) out.uint(lineNo);
    else out.ascii(String(lineNo));
    out.ascii('"');
    this.tenantToTimestamp(d, out);
    const ts = rfc3339Parts(timestampMs);
    if (ts === null) out.bytes(NULL);
    else {
      out.ascii('"');
      out.ascii(ts.prefix);
      // ss.mmmZ
      const sec = ts.second;
      const milli = ts.milli;
      if (sec < 10) out.ascii('0');
      out.uint(sec);
      out.ascii(milli < 10 ? '.00' : milli < 100 ? '.0' : '.');
      out.uint(milli);
      out.ascii('Z"');
    }
    this.kindToEnd(d, out, raw, start, end, fragments);
  }

  /** From `,"tenant"` to `"timestamp":`. */
  private tenantToTimestamp(d: Detection, out: ByteSink): void {
    if (d.tenant !== this.tenant || d.source !== this.source) {
      this.tenant = d.tenant;
      this.source = d.source;
      this.tenantAndSource = utf8(
        `,"tenant":${JSON.stringify(d.tenant)},"source":${JSON.stringify(d.source)},"service":`,
      );
    }
    out.bytes(this.tenantAndSource);
    nullableString(out, d.service);
    out.bytes(TIMESTAMP);
  }

  /**
   * The parts of a detection's JSON line that depend only on its score and evidence (from `,"kind"` to
   * `"severity"`, and from `,"observed"` to the explanation), for {@link DetectionJsonWriter.writeLine} to copy
   * when many lines share a score.
   */
  fragments(d: Detection): LineFragments {
    const sink = this.scratch;
    this.kindToSeverity(d, sink);
    const head = sink.copyOut();
    this.observedToExplanation(d, sink);
    return { head, tail: sink.copyOut() };
  }

  /** From `,"kind"` to the end of the line. */
  private kindToEnd(
    d: Detection,
    out: ByteSink,
    raw: Uint8Array | null,
    start: number,
    end: number,
    fragments: LineFragments | null,
  ): void {
    if (fragments === null) this.kindToSeverity(d, out);
    else out.bytes(fragments.head);
    out.bytes(this.template(d));
    out.bytes(SESSION);
    nullableString(out, d.session_id);
    if (fragments === null) this.observedToExplanation(d, out);
    else out.bytes(fragments.tail);
    out.bytes(SAMPLES);
    for (let i = 0; i < d.samples.length; i++) {
      if (i > 0) out.ascii(',');
      if (i === 0 && raw !== null) out.jsonUtf8(raw, start, end);
      else out.jsonString(d.samples[i]);
    }
    out.bytes(END);
  }

  private kindToSeverity(d: Detection, out: ByteSink): void {
    out.bytes(KIND);
    out.ascii(d.kind);
    out.bytes(SCORE);
    out.ascii(num(d.score));
    out.bytes(SEVERITY);
    out.bytes(d.severity === null ? NULL : SEVERITY_JSON[d.severity]);
    out.ascii(',');
  }

  private observedToExplanation(d: Detection, out: ByteSink): void {
    out.bytes(OBSERVED);
    out.ascii(num(d.observed));
    out.bytes(EXPECTED);
    out.ascii(num(d.expected));
    out.bytes(LOWER);
    out.ascii(num(d.lower));
    out.bytes(UPPER);
    out.ascii(num(d.upper));
    out.bytes(DETECTORS);
    for (let i = 0; i < d.detectors.length; i++) {
      const x = d.detectors[i];
      if (i > 0) out.ascii(',');
      out.bytes(this.detectorHead(x.name));
      out.ascii(num(x.score));
      out.ascii('}');
    }
    out.bytes(EXPLANATION);
    out.jsonString(d.explanation);
  }

  private template(d: Detection): Uint8Array {
    const id = d.template_id;
    if (id === null) return utf8(`"template_id":null,"template":${str(d.template)},`);
    const cached = this.templates.get(id);
    if (cached !== undefined && cached.template === d.template) return cached.json;
    const json = utf8(`"template_id":${JSON.stringify(id)},"template":${str(d.template)},`);
    if (this.templates.size >= MAX_CACHED) this.templates.clear();
    this.templates.set(id, { template: d.template, json });
    return json;
  }

  private detectorHead(name: string): Uint8Array {
    let head = this.names.get(name);
    if (head === undefined) {
      head = utf8(`{"name":${JSON.stringify(name)},"score":`);
      if (this.names.size >= MAX_CACHED) this.names.clear();
      this.names.set(name, head);
    }
    return head;
  }
}

function nullableString(out: ByteSink, s: string | null): void {
  if (s === null) out.bytes(NULL);
  else out.jsonString(s);
}

let cachedMinute = Number.NaN;
let cachedPrefix = '';
const parts = { prefix: '', second: 0, milli: 0 };

/** {@link rfc3339}'s text as its minute (`YYYY-MM-DDTHH:MM:`), second and millisecond, in one reused object. */
function rfc3339Parts(ms: number | null): { prefix: string; second: number; milli: number } | null {
  if (ms === null || !Number.isFinite(ms)) return null;
  const minute = Math.floor(ms / 60_000);
  if (minute !== cachedMinute) {
    const d = new Date(minute * 60_000);
    if (Number.isNaN(d.getTime())) return null;
    cachedMinute = minute;
    cachedPrefix = d.toISOString().slice(0, 17);
  }
  const rest = Math.floor(ms - minute * 60_000);
  const sec = Math.floor(rest / 1000);
  parts.prefix = cachedPrefix;
  parts.second = sec;
  parts.milli = rest - sec * 1000;
  return parts;
}

/** RFC 3339 text of an epoch-ms time (UTC, milliseconds), or null. Caches the minute: log times arrive in order. */
export function rfc3339(ms: number | null): string | null {
  const p = rfc3339Parts(ms);
  if (p === null) return null;
  const { second: sec, milli } = p;
  return `${p.prefix}${sec < 10 ? '0' : ''}${sec}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
