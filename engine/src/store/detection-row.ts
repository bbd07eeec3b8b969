import type { Detection } from '../model/detection.js';

/** Lower-cased text a detection is found by: template, explanation, service and samples, capped. */
export function searchText(d: Detection): string {
  return [d.template ?? '', d.explanation, d.service ?? '', d.source, ...d.samples]
    .join('\n')
    .slice(0, 4096)
    .toLowerCase();
}

/** Sort key of a detection: its time in epoch ms, 0 when it has none. */
export function detectionTime(d: Detection): number {
  if (d.timestamp === null) return 0;
  const t = Date.parse(d.timestamp);
  return Number.isFinite(t) ? t : 0;
}

/** Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`. */
export function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
