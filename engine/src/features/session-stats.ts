/** What a session (a block, a request, a trace) did, as accumulated from its lines. Mergeable across chunks. */
export interface SessionStats {
  id: string;
  service: string | null;
  /** Template ids of the session's lines, in order. */
  events: string[];
  first: number | null;
  last: number | null;
  /** Line number of the session's first line. */
  firstLine: number;
  samples: string[];
}

/** Raw lines kept per session for its detection's samples. */
export const SESSION_SAMPLES = 3;

/** Accumulates the sessions of one chunk, in order of first appearance. */
export class SessionAccumulator {
  readonly sessions = new Map<string, SessionStats>();
  /** The text of each template the sessions' lines had, by template id (the latest, for a template still learnt). */
  readonly eventNames = new Map<string, string>();

  /** Adds one line of a session. */
  add(
    id: string,
    templateId: string,
    template: string,
    service: string | null,
    timestamp: number | null,
    lineNo: number,
    line: string,
  ): void {
    this.eventNames.set(templateId, template);
    let s = this.sessions.get(id);
    if (!s) {
      s = { id, service, events: [], first: timestamp, last: timestamp, firstLine: lineNo, samples: [] };
      this.sessions.set(id, s);
    }
    s.events.push(templateId);
    if (timestamp !== null) {
      if (s.first === null || timestamp < s.first) s.first = timestamp;
      if (s.last === null || timestamp > s.last) s.last = timestamp;
    }
    if (s.service === null) s.service = service;
    if (s.samples.length < SESSION_SAMPLES) s.samples.push(line);
  }
}

/** Merges a later chunk's part of a session into the earlier part. */
export function mergeSession(a: SessionStats, b: SessionStats): void {
  for (const e of b.events) a.events.push(e);
  if (b.first !== null && (a.first === null || b.first < a.first)) a.first = b.first;
  if (b.last !== null && (a.last === null || b.last > a.last)) a.last = b.last;
  if (a.service === null) a.service = b.service;
  for (const s of b.samples) if (a.samples.length < SESSION_SAMPLES) a.samples.push(s);
}
