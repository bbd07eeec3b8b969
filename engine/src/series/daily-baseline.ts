import {
  decodeF32,
  decodeF64,
  decodeI32,
  type EncodedArray,
  encodeF32,
  encodeF64,
  encodeI32,
} from './state-codec.js';

/** Options of {@link DailyBaseline}. */
export interface DailyBaselineOptions {
  /** Length of the season in milliseconds. */
  period: number;
  /** Sampling interval of the series in milliseconds. */
  step: number;
  /** Previous periods whose values at the same time of period are kept; the baseline is their median. */
  days: number;
  /** Completed periods that vote on whether the seasonal predictor beats the plain one. */
  votes: number;
  /**
   * The seasonal predictor wins a period when its largest one-step error is below this fraction of the plain
   * one's: what matters for detection is how far normal points stray, not their average error.
   */
  margin: number;
}

/** Serialized {@link DailyBaseline}. */
export interface DailyBaselineState {
  slots: number;
  store: EncodedArray;
  rowDay: EncodedArray;
  spread: EncodedArray;
  v: EncodedArray;
  votes: EncodedArray;
}

/** Most slots per period (5-minute resolution for a day); finer series share a slot. */
export const MAX_SLOTS = 288;
/** Fewest slots that make a seasonal profile worth keeping. */
export const MIN_SLOTS = 4;
const SPREAD_BUCKETS = 24;
const SPREAD_SHRINK = 10;
const SPREAD_ALPHA = 0.02;
const GLOBAL_ALPHA = 1 / 128;
const CLIP = 5;

// Slots of `v`.
const GLOBAL = 0;
const BLOCK = 1;
const BLOCK_SEASONAL = 2;
const BLOCK_PLAIN = 3;
const BLOCK_N = 4;
const VOTE_COUNT = 5;
const VOTE_NEXT = 6;
const VARS = 7;

/**
 * The seasonal baseline of one series: its values at the same time of period (time of day by default) over the
 * last `days` periods, whose median is the expected seasonal value (a previous-day baseline that one odd day
 * cannot move); a time-of-period spread profile (24 buckets, hour of day for a daily period) giving how noisy
 * each part of the period is relative to the whole; and the evidence, one vote per completed period, on whether
 * predicting with the season beats predicting without it (a detected period): the predictor whose largest
 * one-step error over the period is clearly smaller wins the period, the majority of recent periods decides. Periods skipped by a gap are
 * forgotten rather than mistaken for recent ones.
 */
export class DailyBaseline {
  readonly slots: number;
  private readonly store: Float32Array;
  private readonly rowDay: Int32Array;
  private readonly spread: Float64Array;
  private readonly v: Float64Array;
  private readonly votes: Int32Array;
  private readonly scratch: Float64Array;
  private readonly slotWidth: number;

  constructor(
    private readonly o: DailyBaselineOptions,
    state?: DailyBaselineState,
  ) {
    this.slots = state?.slots ?? Math.max(1, Math.min(Math.round(o.period / o.step), MAX_SLOTS));
    this.slotWidth = o.period / this.slots;
    const rows = o.days + 1;
    this.store = state
      ? decodeF32(state.store, 'store', rows * this.slots)
      : new Float32Array(rows * this.slots).fill(Number.NaN);
    this.rowDay = state ? decodeI32(state.rowDay, 'rowDay', rows) : new Int32Array(rows).fill(-1);
    this.spread = state
      ? decodeF64(state.spread, 'spread', 2 * SPREAD_BUCKETS)
      : new Float64Array(2 * SPREAD_BUCKETS);
    this.v = state
      ? decodeF64(state.v, 'v', VARS)
      : Float64Array.from([Number.NaN, Number.NaN, 0, 0, 0, 0, 0]);
    this.votes = state ? decodeI32(state.votes, 'votes', o.votes) : new Int32Array(o.votes);
    this.scratch = new Float64Array(o.days);
  }

  /** Whether enough periods have voted, by majority, for the seasonal predictor. */
  get seasonal(): boolean {
    const n = this.v[VOTE_COUNT];
    if (n === 0) return false;
    let yes = 0;
    for (let i = 0; i < n; i++) yes += this.votes[i];
    return 2 * yes > n;
  }

  /** The period number of a time. */
  periodOf(t: number): number {
    return Math.floor(t / this.o.period);
  }

  /** The median of the values at `t`'s time of period over the previous `days` periods (NaN if none). */
  expected(t: number): number {
    const day = this.periodOf(t);
    const slot = this.slotOf(t);
    const rows = this.rowDay.length;
    let n = 0;
    for (let r = 0; r < rows; r++) {
      const d = this.rowDay[r];
      if (d >= day || d < day - this.o.days) continue;
      const x = this.store[r * this.slots + slot];
      if (Number.isNaN(x)) continue;
      // Insertion sort into the scratch buffer: at most `days` values.
      let i = n++;
      while (i > 0 && this.scratch[i - 1] > x) {
        this.scratch[i] = this.scratch[i - 1];
        i--;
      }
      this.scratch[i] = x;
    }
    if (n === 0) return Number.NaN;
    const mid = n >> 1;
    return n % 2 === 1 ? this.scratch[mid] : (this.scratch[mid - 1] + this.scratch[mid]) / 2;
  }

  /** How noisy `t`'s part of the period is relative to the whole (1 until learned). */
  spreadFactor(t: number): number {
    const b = this.bucketOf(t);
    return (this.spread[b] + SPREAD_SHRINK) / (this.spread[SPREAD_BUCKETS + b] + SPREAD_SHRINK);
  }

  /**
   * Starts a point at time `t`: when it opens a new period, the finished one casts its vote (seasonal or plain
   * predictor, by one-step squared error).
   */
  begin(t: number): void {
    const v = this.v;
    const day = this.periodOf(t);
    if (day === v[BLOCK]) return;
    if (v[BLOCK_N] > 0 && (v[BLOCK_SEASONAL] > 0 || v[BLOCK_PLAIN] > 0)) {
      this.votes[v[VOTE_NEXT]] = v[BLOCK_SEASONAL] < v[BLOCK_PLAIN] * this.o.margin ? 1 : 0;
      v[VOTE_NEXT] = (v[VOTE_NEXT] + 1) % this.votes.length;
      v[VOTE_COUNT] = Math.min(v[VOTE_COUNT] + 1, this.votes.length);
    }
    v[BLOCK] = day;
    v[BLOCK_SEASONAL] = 0;
    v[BLOCK_PLAIN] = 0;
    v[BLOCK_N] = 0;
  }

  /** Adds one point's one-step errors of both predictors to the current period's tally (their maxima). */
  compare(seasonalError: number, plainError: number): void {
    this.v[BLOCK_SEASONAL] = Math.max(this.v[BLOCK_SEASONAL], Math.abs(seasonalError));
    this.v[BLOCK_PLAIN] = Math.max(this.v[BLOCK_PLAIN], Math.abs(plainError));
    this.v[BLOCK_N]++;
  }

  /** Learns the absolute seasonal residual of a point at `t` into the spread profile. */
  learnSpread(t: number, absResidual: number): void {
    const v = this.v;
    if (Number.isNaN(v[GLOBAL])) {
      v[GLOBAL] = absResidual;
      return;
    }
    const b = this.bucketOf(t);
    const factor = this.spreadFactor(t);
    const r = Math.min(absResidual, CLIP * v[GLOBAL] * factor + 1e-12);
    this.spread[b] = this.spread[b] * (1 - SPREAD_ALPHA) + r / Math.max(v[GLOBAL], 1e-12);
    this.spread[SPREAD_BUCKETS + b] = this.spread[SPREAD_BUCKETS + b] * (1 - SPREAD_ALPHA) + 1;
    v[GLOBAL] += (r / factor - v[GLOBAL]) * GLOBAL_ALPHA;
  }

  /** Stores the value seen at `t` as this period's value at that time of period. */
  record(t: number, x: number): void {
    const day = this.periodOf(t);
    const rows = this.rowDay.length;
    const row = ((day % rows) + rows) % rows;
    if (this.rowDay[row] !== day) {
      this.store.fill(Number.NaN, row * this.slots, (row + 1) * this.slots);
      this.rowDay[row] = day;
    }
    this.store[row * this.slots + this.slotOf(t)] = x;
  }

  /** Serializable state. */
  toJSON(): DailyBaselineState {
    return {
      slots: this.slots,
      store: encodeF32(this.store),
      rowDay: encodeI32(this.rowDay),
      spread: encodeF64(this.spread),
      v: encodeF64(this.v),
      votes: encodeI32(this.votes),
    };
  }

  private slotOf(t: number): number {
    const phase = t - Math.floor(t / this.o.period) * this.o.period;
    const s = Math.floor(phase / this.slotWidth);
    return s >= this.slots ? this.slots - 1 : s;
  }

  private bucketOf(t: number): number {
    const phase = t - Math.floor(t / this.o.period) * this.o.period;
    const b = Math.floor((phase / this.o.period) * SPREAD_BUCKETS);
    return b >= SPREAD_BUCKETS ? SPREAD_BUCKETS - 1 : b;
  }
}
