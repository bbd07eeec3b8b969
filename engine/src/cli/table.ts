import type { Detection } from '../model/detection.js';

function cut(text: string, width: number): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > width ? `${oneLine.slice(0, width - 1)}…` : oneLine;
}

/** Renders detections as a readable fixed-width table (time, service, severity, score, template, explanation). */
export function renderDetectionTable(detections: readonly Detection[], width = 160): string {
  if (detections.length === 0) return 'No anomalies at this threshold.\n';
  const header = ['TIME', 'KIND', 'SERVICE', 'SEVERITY', 'SCORE', 'TEMPLATE / SESSION', 'EXPLANATION'];
  const rows = detections.map((d) => [
    d.timestamp ? d.timestamp.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-',
    d.kind,
    cut(d.service ?? '-', 16),
    d.severity ?? '-',
    d.score.toFixed(3),
    cut(d.template ?? (d.session_id ? `session ${d.session_id}` : '-'), 40),
    d.explanation,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === 6 ? 0 : r[i].length))));
  const fixed = widths.slice(0, 6).reduce((a, b) => a + b + 2, 0);
  widths[6] = Math.max(30, width - fixed);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 6 ? cut(c, widths[6]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
