import type { Rng } from '../random/rng.js';
import { ascii, putBytes } from './ascii.js';
import type { LogClock } from './clock.js';

/** Mutable state a line is rendered from; the generator updates it before each line. */
export interface LineContext {
  readonly rng: Rng;
  readonly clock: LogClock;
  /** Whether the line is a session step: then `%{trace}` writes {@link traceHi}/{@link traceLo}. */
  inSession: boolean;
  /** The session id, 16 hex digits held as two 32-bit halves. */
  traceHi: number;
  traceLo: number;
  /** Index in `USERS` of the session's user (read by `%{suser}`). */
  user: number;
  /** Multiplier on generated latencies; a latency-spike incident raises it. */
  latencyScale: number;
}

/** Writes one variable part of a line into `out` at `pos`; returns the position after it. */
export type Slot = (c: LineContext, out: Uint8Array, pos: number) => number;

/** Writes a whole line (without its newline) into `out` at `pos`; returns the position after it. */
export type Render = Slot;

/** Makes a slot from the argument after its name (`%{int:1:12}` → factory('1:12')). */
export type SlotFactory = (arg: string) => Slot;

/** Slot factories by name. */
export type SlotTable = Readonly<Record<string, SlotFactory>>;

const PLACEHOLDER = /%\{([a-z][A-Za-z0-9]*)(?::([^}]*))?\}/g;

/** A pattern or slot argument that cannot be compiled (a defect in the catalogue, caught at start-up). */
export class InvalidPatternError extends Error {
  override name = 'InvalidPatternError';
}

/**
 * Compiles a line pattern such as `%{apptime} INFO [inventory] reserved %{int:1:12} units` into a render
 * function: static text is pre-encoded and each `%{name[:arg]}` becomes a slot call, so rendering a line
 * copies bytes and draws numbers without allocating. Compile once, at catalogue build time.
 *
 * @example renderLine(compilePattern('qty=%{int:1:3}', DEFAULT_SLOTS), context) // 'qty=2'
 */
export function compilePattern(pattern: string, slots: SlotTable): Render {
  const texts: Uint8Array[] = [];
  const fns: Slot[] = [];
  let last = 0;
  for (const m of pattern.matchAll(PLACEHOLDER)) {
    const factory = slots[m[1]];
    if (factory === undefined) throw new InvalidPatternError(`unknown slot %{${m[1]}} in pattern ${pattern}`);
    texts.push(ascii(pattern.slice(last, m.index)));
    fns.push(factory(m[2] ?? ''));
    last = m.index + m[0].length;
  }
  texts.push(ascii(pattern.slice(last)));
  return specialize(texts, fns);
}

/** Renders a line to a string (for tests and inspection; the generator renders into its chunk buffer). */
export function renderLine(render: Render, c: LineContext): string {
  const out = Buffer.allocUnsafe(64 * 1024);
  return out.toString('latin1', 0, render(c, out, 0));
}

function specialize(t: Uint8Array[], f: Slot[]): Render {
  const [t0] = t;
  if (f.length === 0) return (_c, o, p) => putBytes(o, p, t0);
  return (c, o, p) => {
    let q = putBytes(o, p, t0);
    for (let i = 0; i < f.length; i++) q = putBytes(o, f[i](c, o, q), t[i + 1]);
    return q;
  };
}
