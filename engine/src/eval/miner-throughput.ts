import { performance } from 'node:perf_hooks';
import { createRng, type Rng } from '../random/rng.js';
import { TemplateMiner, type TemplateMinerOptions } from '../templates/drain.js';

/** Inputs of {@link measureMinerThroughput}. */
export interface MinerThroughputOptions {
  /**
   * Synthetic messages per pass.
   * @defaultValue 100000
   */
  lines?: number;
  /**
   * Timed passes over the messages (after one warm-up pass); the median pass is reported.
   * @defaultValue 5
   */
  rounds?: number;
  /**
   * Seed of the message generator.
   * @defaultValue 1
   */
  seed?: number;
  /** Miner options; the defaults when absent. */
  minerOptions?: TemplateMinerOptions;
}

/** Outcome of {@link measureMinerThroughput}: lines per second, by wall clock and by this process's CPU time. */
export interface MinerThroughput {
  lines: number;
  /** Mean message length in bytes (UTF-16 code units; the messages are ASCII). */
  averageBytes: number;
  templates: number;
  addPerSecond: number;
  matchPerSecond: number;
  /** As `addPerSecond`, but over CPU time, which other busy processes on the machine do not inflate. */
  addPerCpuSecond: number;
  matchPerCpuSecond: number;
}

/**
 * Measures how fast a warmed-up {@link TemplateMiner} learns (`add`) and looks up (`match`) typical ~150-byte
 * log lines on one core. A measurement to print (from `npm run bench`), not a test: it asserts nothing.
 */
export function measureMinerThroughput(options: MinerThroughputOptions = {}): MinerThroughput {
  const { lines = 100_000, rounds = 5, seed = 1, minerOptions } = options;
  const messages = syntheticMessages(lines, seed);
  const miner = new TemplateMiner(minerOptions);
  for (const message of messages) miner.add(message);
  const add = timePasses(rounds, messages, (message) => miner.add(message));
  const match = timePasses(rounds, messages, (message) => miner.match(message));
  let bytes = 0;
  for (const message of messages) bytes += message.length;
  return {
    lines,
    averageBytes: bytes / Math.max(lines, 1),
    templates: miner.size,
    addPerSecond: add.wall,
    matchPerSecond: match.wall,
    addPerCpuSecond: add.cpu,
    matchPerCpuSecond: match.cpu,
  };
}

function timePasses(
  rounds: number,
  messages: string[],
  work: (message: string) => unknown,
): { wall: number; cpu: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < Math.max(rounds, 1); r++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    for (const message of messages) work(message);
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpuStart);
    wall.push(messages.length / seconds);
    cpu.push(messages.length / ((used.user + used.system) / 1e6));
  }
  return { wall: median(wall), cpu: median(cpu) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
const SHAPES: Array<(r: Rng) => string> = [
  (r) =>
    `Accepted publickey for ${pick(r, USERS)} from ${ip(r)} port ${r.int(65536)} ssh2: RSA SHA256:${hex(r, 40)} session ${r.int(1e6)} opened`,
  (r) =>
    `Received block blk_${r.int(1e9)}${r.int(1e9)} of size ${r.int(1e8)} from /${ip(r)}:50010 in ${(r.next() * 900).toFixed(2)} ms, pipeline stage ${r.int(9)} of 3 replicas on rack /dc1/rack${r.int(40)}`,
  (r) =>
    `GET /api/v1/users/${r.int(1e6)}/orders?page=${r.int(50)} HTTP/1.1 status=${pick(r, ['200', '404', '500'])} bytes=${r.int(1e5)} latency=${r.int(900)}ms upstream=${ip(r)}:8080 cache=miss region=eu-west-1`,
  (r) =>
    `Finished task ${r.int(400)}.0 in stage ${r.int(30)}.0 (TID ${r.int(1e5)}). ${r.int(1e4)} bytes result sent to driver at ${ip(r)}:${r.int(65536)} after ${r.int(3)} retries, executor ${r.int(64)} now idle`,
  (r) =>
    `User ${pick(r, USERS)} updated profile field email to ${pick(r, USERS)}@example.com from device ${hex(r, 12)} in session ${uuid(r)} via web console`,
  (r) =>
    `Cache miss for key user:${r.int(1e6)}:profile, loading from database shard ${r.int(16)} took ${(r.next() * 50).toFixed(1)} ms, entry size ${(r.next() * 100).toFixed(1)} KB, evicting ${r.int(20)} older entries to make room`,
  (r) =>
    `ERROR [pool-${r.int(8)}-thread-${r.int(32)}] Failed to process request ${uuid(r)}: upstream ${ip(r)} returned 503 Service Unavailable after 3 retries, giving up on this batch`,
  (r) =>
    `Connection closed by ${ip(r)} port ${r.int(65536)} after ${r.int(300)} seconds [preauth] reason: timeout waiting for identification string from client`,
];

/** Deterministic synthetic log messages of about 150 bytes, from a handful of common shapes. */
export function syntheticMessages(count: number, seed = 1): string[] {
  const rng = createRng(seed);
  const messages: string[] = [];
  for (let i = 0; i < count; i++) messages.push(SHAPES[rng.int(SHAPES.length)](rng));
  return messages;
}

function pick(rng: Rng, values: readonly string[]): string {
  return values[rng.int(values.length)];
}

function ip(rng: Rng): string {
  return `10.${rng.int(256)}.${rng.int(256)}.${rng.int(256)}`;
}

function hex(rng: Rng, length: number): string {
  let text = '';
  while (text.length < length) text += rng.int(0x10000).toString(16).padStart(4, '0');
  return text.slice(0, length);
}

function uuid(rng: Rng): string {
  const h = hex(rng, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
