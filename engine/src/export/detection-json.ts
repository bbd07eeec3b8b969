import type { Detection } from '../model/detection.js';

const str = (s: string | null): string => (s === null ? 'null' : JSON.stringify(s));
const num = (n: number | null): string => (n === null || !Number.isFinite(n) ? 'null' : String(n));

/**
 * Serializes a detection as one JSON line, keys in the schema's order. The hot path of `analyze --json` (a record
 * per input line), so it is written out by hand; a test checks it equals `JSON.stringify`.
 */
export function detectionToJsonLine(d: Detection): string {
  let detectors = '';
  for (let i = 0; i < d.detectors.length; i++) {
    const x = d.detectors[i];
    detectors += `${i > 0 ? ',' : ''}{"name":${JSON.stringify(x.name)},"score":${num(x.score)}}`;
  }
  let samples = '';
  for (let i = 0; i < d.samples.length; i++) samples += (i > 0 ? ',' : '') + JSON.stringify(d.samples[i]);
  return (
    `{"id":${JSON.stringify(d.id)},"tenant":${JSON.stringify(d.tenant)},"source":${JSON.stringify(d.source)},` +
    `"service":${str(d.service)},"timestamp":${str(d.timestamp)},"kind":"${d.kind}","score":${num(d.score)},` +
    `"severity":${d.severity === null ? 'null' : `"${d.severity}"`},"template_id":${str(d.template_id)},` +
    `"template":${str(d.template)},"session_id":${str(d.session_id)},"observed":${num(d.observed)},` +
    `"expected":${num(d.expected)},"lower":${num(d.lower)},"upper":${num(d.upper)},"detectors":[${detectors}],` +
    `"explanation":${JSON.stringify(d.explanation)},"samples":[${samples}]}\n`
  );
}

let cachedMinute = Number.NaN;
let cachedPrefix = '';

/** RFC 3339 text of an epoch-ms time (UTC, milliseconds), or null. Caches the minute: log times arrive in order. */
export function rfc3339(ms: number | null): string | null {
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
  const milli = rest - sec * 1000;
  return `${cachedPrefix}${sec < 10 ? '0' : ''}${sec}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
