import type { Rng } from '../random/rng.js';
import { ascii, put2, put3, putBytes, putHex, putInt } from './ascii.js';
import {
  InvalidPatternError,
  type LineContext,
  type Slot,
  type SlotFactory,
  type SlotTable,
} from './pattern.js';
import {
  CLIENT_IPS,
  HOSTS,
  INTERNAL_IPS,
  LISTS,
  SCANNER_IPS,
  SSH_FINGERPRINTS,
  USERS,
} from './vocabulary.js';

const TABLE_SIZE = 4096;

/** Quantiles of an exponential with mean 1, for inter-arrival gaps drawn with one table lookup. */
export const EXPONENTIAL: Float64Array = Float64Array.from(
  { length: TABLE_SIZE },
  (_, i) => -Math.log(1 - (i + 0.5) / TABLE_SIZE),
);

// Log-normal multipliers with median 1 (σ ≈ 0.55, probit by Tukey's lambda approximation).
const LOG_NORMAL: Float64Array = Float64Array.from({ length: TABLE_SIZE }, (_, i) => {
  const p = (i + 0.5) / TABLE_SIZE;
  return Math.exp(0.55 * 4.91 * (p ** 0.14 - (1 - p) ** 0.14));
});

/** A uniform 32-bit unsigned integer (halves of session ids). */
export const u32 = (rng: Rng): number => (rng.next() * 4294967296) >>> 0;

/** The customer user names, encoded; `LineContext.user` indexes it. */
export const USER_BYTES: readonly Uint8Array[] = USERS.map(ascii);

const listOf = (name: string): readonly string[] => {
  const xs = LISTS[name];
  if (xs === undefined) throw new InvalidPatternError(`unknown word list ${name}`);
  return xs;
};
const encodedLists = new WeakMap<readonly string[], readonly Uint8Array[]>();
const pickFrom = (xs: readonly string[]): Slot => {
  const encoded = encodedLists.get(xs) ?? xs.map(ascii);
  encodedLists.set(xs, encoded);
  const n = encoded.length;
  return (c, o, p) => putBytes(o, p, encoded[c.rng.int(n)]);
};
const constant = (text: string): Slot => {
  const bytes = ascii(text);
  return (_c, o, p) => putBytes(o, p, bytes);
};
const range = (arg: string): [lo: number, count: number] => {
  const [lo, hi] = arg.split(':').map(Number);
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo || lo < 0) {
    throw new InvalidPatternError(`bad integer range ${arg}`);
  }
  return [lo, hi - lo + 1];
};
const prefixedInt = (prefix: string, lo: number, count: number): Slot => {
  const bytes = ascii(prefix);
  return (c, o, p) => putInt(o, putBytes(o, p, bytes), lo + c.rng.int(count));
};
const msOf = (c: LineContext, base: number): number =>
  Math.max(1, Math.round(base * LOG_NORMAL[c.rng.int(TABLE_SIZE)] * c.latencyScale));
const DOT = 46;
const DASH = 45;

/**
 * The variable parts lines are built from. Every slot draws from the context's seeded generator and writes
 * bytes; none allocates, formats a date or runs a regular expression per line.
 * - time: `iso`, `apptime`, `nginxtime`, `syslogtime`
 * - session: `trace` (the session's id, or a fresh one), `suser` (the session's user)
 * - numbers: `int:lo:hi`, `latency:baseMs` (log-normal ms), `rtime:baseMs` (seconds, 3 decimals),
 *   `size:baseBytes`, `amount`, `pid`, `port`, `uptime`
 * - ids: `hex:8|16`, `uuid`, `order`, `sku`, `skuNum`, `shipment`, `invoice`
 * - people and places: `user`, `sshuser`, `ip`, `clientip`, `scanip`, `host`, `fingerprint`
 * - `pick:list` draws from `LISTS`; `const:text` is fixed text (used to pin values in incidents)
 */
export const DEFAULT_SLOTS: SlotTable = {
  iso: () => (c, o, p) => {
    const q = put3(o, putBytes(o, p, c.clock.isoPrefix), c.clock.ms);
    o[q] = 90; // Z
    return q + 1;
  },
  apptime: () => (c, o, p) => put3(o, putBytes(o, p, c.clock.appPrefix), c.clock.ms),
  nginxtime: () => (c, o, p) => putBytes(o, p, c.clock.nginx),
  syslogtime: () => (c, o, p) => putBytes(o, p, c.clock.syslog),
  trace: () => (c, o, p) =>
    c.inSession
      ? putHex(o, putHex(o, p, c.traceHi), c.traceLo)
      : putHex(o, putHex(o, p, u32(c.rng)), u32(c.rng)),
  suser: () => (c, o, p) => putBytes(o, p, USER_BYTES[c.user]),
  int: (arg) => prefixedInt('', ...range(arg)),
  latency: (arg) => {
    const base = Number(arg);
    return (c, o, p) => putInt(o, p, msOf(c, base));
  },
  rtime: (arg) => {
    const base = Number(arg);
    return (c, o, p) => {
      const ms = msOf(c, base);
      const s = Math.floor(ms / 1000);
      const q = putInt(o, p, s);
      o[q] = DOT;
      return put3(o, q + 1, ms - s * 1000);
    };
  },
  size: (arg) => {
    const base = Number(arg);
    return (c, o, p) => putInt(o, p, Math.round(base * LOG_NORMAL[c.rng.int(TABLE_SIZE)]));
  },
  amount: () => (c, o, p) => {
    const q = putInt(o, p, 1 + c.rng.int(400));
    o[q] = DOT;
    return put2(o, q + 1, c.rng.int(100));
  },
  pid: () => prefixedInt('', 1000, 60000),
  port: () => prefixedInt('', 32768, 28000),
  uptime: () => (c, o, p) => {
    const q = putInt(o, p, 100000 + c.rng.int(9000000));
    o[q] = DOT;
    return put3(o, put3(o, q + 1, c.rng.int(1000)), c.rng.int(1000));
  },
  hex: (arg) =>
    arg === '16'
      ? (c, o, p) => putHex(o, putHex(o, p, u32(c.rng)), u32(c.rng))
      : (c, o, p) => putHex(o, p, u32(c.rng)),
  uuid: () => (c, o, p) => {
    const a = u32(c.rng);
    const b = u32(c.rng);
    let q = putHex(o, p, u32(c.rng));
    o[q++] = DASH;
    q = putHex(o, q, a >>> 16, 4);
    o[q++] = DASH;
    o[q++] = 52; // version 4
    q = putHex(o, q, a, 3);
    o[q++] = DASH;
    o[q++] = 97; // variant 'a'
    q = putHex(o, q, b, 3);
    o[q++] = DASH;
    return putHex(o, putHex(o, q, b >>> 16, 4), u32(c.rng));
  },
  order: () => prefixedInt('ord-', 1000000, 9000000),
  sku: () => prefixedInt('SKU-', 10000, 90000),
  skuNum: () => prefixedInt('', 10000, 90000),
  shipment: () => prefixedInt('shp-', 10000000, 90000000),
  invoice: () => prefixedInt('INV-2026-', 100000, 900000),
  user: () => pickFrom(USERS),
  sshuser: () => pickFrom(listOf('sshUser')),
  ip: () => pickFrom(INTERNAL_IPS),
  clientip: () => pickFrom(CLIENT_IPS),
  scanip: () => pickFrom(SCANNER_IPS),
  host: () => pickFrom(HOSTS),
  fingerprint: () => pickFrom(SSH_FINGERPRINTS),
  pick: (arg) => pickFrom(listOf(arg)),
  const: (arg) => constant(arg),
};

/** The slot table with some slots pinned to fixed text (e.g. an unusual user for the rare-value incident). */
export function pinnedSlots(pins: Readonly<Record<string, string>>): SlotTable {
  const table: Record<string, SlotFactory> = { ...DEFAULT_SLOTS };
  for (const [name, value] of Object.entries(pins)) table[name] = () => constant(value);
  return table;
}
