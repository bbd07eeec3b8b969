/** A transition between consecutive events of a session; `null` stands for the session's start or end. */
export interface Transition {
  from: string | null;
  to: string | null;
}

/** Marks the session boundary inside transition keys (template ids never contain this control character). */
const BOUNDARY = '\u0002';
const SEPARATOR = '\u0000';

/** Occurrences of each event in a session, in order of first appearance. */
export function countEvents(sequence: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of sequence) counts.set(event, (counts.get(event) ?? 0) + 1);
  return counts;
}

/** Key of a transition, for maps and serialized state. */
export function transitionKey(from: string | null, to: string | null): string {
  return `${from ?? BOUNDARY}${SEPARATOR}${to ?? BOUNDARY}`;
}

/** Whether a transition key is a session's start or end transition. */
export function isBoundaryTransition(key: string): boolean {
  return key.startsWith(BOUNDARY) || key.endsWith(BOUNDARY);
}

/** Whether a transition key is a session's start transition. */
export function isStartTransition(key: string): boolean {
  return key.startsWith(BOUNDARY);
}

/** Whether a transition key is a session's end transition. */
export function isEndTransition(key: string): boolean {
  return key.endsWith(BOUNDARY);
}

/** The transition a key from {@link transitionKey} stands for. */
export function parseTransitionKey(key: string): Transition {
  const at = key.indexOf(SEPARATOR);
  const from = key.slice(0, at);
  const to = key.slice(at + 1);
  return { from: from === BOUNDARY ? null : from, to: to === BOUNDARY ? null : to };
}

/** Distinct transitions of a session, the start → first event and last event → end ones included. */
export function transitionKeys(sequence: readonly string[]): Set<string> {
  const keys = new Set<string>();
  let previous: string | null = null;
  for (const event of sequence) {
    keys.add(transitionKey(previous, event));
    previous = event;
  }
  keys.add(transitionKey(previous, null));
  return keys;
}

/**
 * Key of a session's event-count vector: `event:count` pairs sorted by event, so that two sessions with the
 * same counts in any order share it.
 */
export function countVectorKey(counts: ReadonlyMap<string, number>): string {
  return [...counts.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([event, count]) => `${event}:${count}`)
    .join(SEPARATOR);
}

/**
 * The dense numeric view of sessions that Isolation Forest and LOF see: `log1p` of the count of each tracked
 * event (the most widespread in the reference), then `log1p` of the session length. Logarithms make "twice as
 * many" the same step whatever the usual count.
 */
export class CountFeatureSpace {
  private readonly index: Map<string, number>;

  /** @param events - tracked events, one column each, in column order. */
  constructor(readonly events: readonly string[]) {
    this.index = new Map(events.map((event, i) => [event, i]));
  }

  /** Columns per session: one per tracked event, plus the length. */
  get cols(): number {
    return this.events.length + 1;
  }

  /** Writes the features of a session (given its counts and length) at `out[offset…]`. */
  encode(counts: ReadonlyMap<string, number>, length: number, out: Float64Array, offset = 0): void {
    out.fill(0, offset, offset + this.cols);
    for (const [event, count] of counts) {
      const j = this.index.get(event);
      if (j !== undefined) out[offset + j] = Math.log1p(count);
    }
    out[offset + this.events.length] = Math.log1p(length);
  }

  /** A key equal for two sessions exactly when their features are: their tracked columns' counts and length. */
  key(counts: ReadonlyMap<string, number>, length: number): string {
    const cells: number[] = [];
    for (const [event, count] of counts) {
      const j = this.index.get(event);
      if (j !== undefined) cells.push(j * 0x100000000 + count);
    }
    cells.sort((a, b) => a - b);
    return `${length}:${cells.join(',')}`;
  }
}
