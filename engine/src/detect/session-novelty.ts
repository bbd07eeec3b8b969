import {
  countEvents,
  countVectorKey,
  isBoundaryTransition,
  isEndTransition,
  isStartTransition,
  parseTransitionKey,
  type Transition,
  transitionKey,
  transitionKeys,
} from './session-features.js';

/** Rarity rates above this are reported as 1: nothing rare. */
const RARE_RATE = 0.05;
/** Entries kept per evidence list. */
const EVIDENCE_LIMIT = 10;

const NOT_OWN = { reference: false, calibration: false } as const;

/**
 * Which ends of a session the input may have cut: a session in flight when the input starts (or ends) shows only
 * its tail (or head). Such an end says nothing about the session: its start (or end) transition, its event-count
 * vector, counts below the reference's range and missing events are not novelty facts then. Unseen events, the
 * transitions between two events and counts above the range still are (a cut can only remove events).
 */
export interface SessionCut {
  start: boolean;
  end: boolean;
}

/** An event whose count in a session lies outside what the reference showed (0 = the event is missing). */
export interface CountOutOfRange {
  event: string;
  count: number;
  min: number;
  max: number;
}

/** What the novelty detector saw in a session. Lists hold at most 10 entries; the totals count all. */
export interface NoveltyEvidence {
  /** Events no reference session contained, in order of first appearance. */
  unseenEvents: string[];
  unseenEventTotal: number;
  /** The session's least widespread event that the reference knows, with its number of reference sessions. */
  rarestEvent: { event: string; sessions: number } | null;
  /** Transitions between consecutive events (start and end included) no reference session made. */
  unseenTransitions: Transition[];
  unseenTransitionTotal: number;
  /**
   * Scored leave-one-out: the session's transition that the fewest other sessions made among those holding both
   * its events (its ordering least usual), with those two numbers; null otherwise, or when every transition is
   * unseen.
   */
  rarestOrder: { transition: Transition; sessions: number; together: number } | null;
  /** Known events whose count is outside the reference's [min, max], missing ever-present events included. */
  countsOutOfRange: CountOutOfRange[];
  countOutOfRangeTotal: number;
  /** Whether a calibration session had exactly these event counts. */
  countVectorSeen: boolean;
  /** Sessions the reference counts were taken over (other than this one, when `leaveOneOut`). */
  referenceSessions: number;
  /**
   * Whether the session was itself a reference session, scored against the others: unseen then means seen in no
   * other session, and a count out of range one that no other session reached.
   */
  leaveOneOut: boolean;
}

/** The novelty detector's verdict on a session. */
export interface NoveltyAssessment {
  /** Estimated probability that a reference-like session is at least this novel. */
  p: number;
  evidence: NoveltyEvidence;
}

/** Serialized {@link SessionNovelty}. */
export interface SessionNoveltyState {
  sessions: number;
  eventSessions: Record<string, number>;
  /** Per known event: [min count, sessions at min, max count, sessions at max]; absent sessions count 0. */
  countRange: Record<string, [number, number, number, number]>;
  transitionSessions: Record<string, number>;
  /** Per transition between two events, the reference sessions holding both; absent from states saved before. */
  transitionTogether?: Record<string, number>;
  /** Count-vector keys of the calibration sample, with multiplicity. */
  vectorSessions: Record<string, number>;
  calibrationSize: number;
  /** Ascending [rarest-event support, calibration sessions at or below it], up to {@link RARE_RATE}. */
  rarestEventCdf: [number, number][];
  /**
   * Ascending [order share, calibration sessions at or below it], up to {@link RARE_RATE}: a session's order share
   * is the least, over its transitions between two events, of the share of the other sessions holding both events
   * that made the transition. Absent from states saved before.
   */
  orderCdf?: [number, number][];
  transitionRate: number;
  countRate: number;
  vectorRate: number;
  /** Calibration sessions with at least j novelty facts, j = 0, 1, …; zero beyond. */
  factsAtLeast: number[];
}

/** Novelty facts of one session, counted (and listed when asked). */
interface Facts {
  unseenEvents: number;
  unseenTransitions: number;
  outOfRange: number;
  vectorNovel: boolean;
  minSupport: number;
  /** The least order share of the session's seen transitions (1: none). */
  minOrderShare: number;
}

/**
 * The session detector that asks "has the reference ever shown this?". A session's novelty facts are its
 * events no reference session contained, its transitions no reference session made, and its known events
 * whose count lies outside the reference's range (including a missing event that every reference session had).
 * How surprising they are is learned from the reference itself, leave-one-out, in the manner of Good–Turing
 * and Laplace:
 *
 * - the first fact counts with its type's rate `(Sₜ + 1)/(N + 2)`, `Sₜ` being the calibration sessions (out
 *   of `N`) that held a fact of that type no other reference session shared; an event seen before but in few
 *   sessions counts with the rate of calibration sessions whose rarest event was at least as rare, so rarity
 *   grades smoothly into novelty; an event-count vector never seen counts with its own (larger) rate but adds
 *   no fact;
 * - each further fact multiplies by `(S≥ⱼ + 1)/(S≥ⱼ₋₁ + 2)`, the Laplace estimate that a calibration session
 *   with j − 1 facts had a j-th, so a reference where novelty comes in bursts gives little credit for many
 *   facts.
 *
 * - when the input is its own reference (a session scored leave-one-out), a session whose events and transitions
 *   other sessions also had may still have put them in an unusual order: its order share is the least, over its
 *   transitions between two events (not its start or end, which the input's edges cut), of the share of the other
 *   sessions holding both events that made the transition (an order changed or a step skipped gives a transition
 *   few of the sessions with both its events made); it counts with the rate of calibration sessions whose order
 *   share was at least as small, doubled, since it is a question of its own. An incident that repeats is in such
 *   a reference, and its sessions' transitions are not unseen there; against a separate reference of normal
 *   behaviour, a transition it made rarely is part of that behaviour (the reason template bursts are scored only
 *   on an input that is its own reference, too).
 *
 * Rates thus adapt to how often the reference kept meeting new things, whatever the dataset. The fact types
 * are nested views of one question (an unseen event also brings unseen transitions), so the smallest type
 * rate is used as is, without a correction for having looked at several types.
 */
export class SessionNovelty {
  private readonly eventSessions: Map<string, number>;
  private readonly countRange: Map<string, [number, number, number, number]>;
  private readonly transitionSessions: Map<string, number>;
  private readonly transitionTogether: Map<string, number>;
  private readonly vectorSessions: Map<string, number>;
  /** Events every reference session had. */
  private readonly alwaysPresent: string[];
  /** Events all reference sessions but one had (missing, leave-one-out, from that one only). */
  private readonly allButOne: string[];

  private constructor(private readonly s: SessionNoveltyState) {
    this.eventSessions = new Map(Object.entries(s.eventSessions));
    this.countRange = new Map(Object.entries(s.countRange));
    this.transitionSessions = new Map(Object.entries(s.transitionSessions));
    this.transitionTogether = new Map(Object.entries(s.transitionTogether ?? {}));
    this.vectorSessions = new Map(Object.entries(s.vectorSessions));
    const ranges = [...this.countRange];
    this.alwaysPresent = ranges.filter(([, r]) => r[0] >= 1).map(([event]) => event);
    this.allButOne = ranges.filter(([, r]) => r[0] === 0 && r[1] === 1).map(([event]) => event);
  }

  /**
   * Counts events, transitions and count ranges over all `sessions`, then calibrates on the sessions at
   * `calibration` (indices into `sessions`), each scored against the others, as cut as `cuts` (by index into
   * `sessions`; absent: none) says it was.
   */
  static fit(
    sessions: readonly (readonly string[])[],
    calibration: readonly number[],
    cuts?: readonly (SessionCut | null)[],
  ): SessionNovelty {
    const eventSessions = new Map<string, number>();
    const transitionSessions = new Map<string, number>();
    const present = new Map<string, [number, number, number, number]>();
    for (const sequence of sessions) {
      for (const [event, count] of countEvents(sequence)) {
        eventSessions.set(event, (eventSessions.get(event) ?? 0) + 1);
        const range = present.get(event);
        if (!range) {
          present.set(event, [count, 1, count, 1]);
          continue;
        }
        if (count < range[0]) {
          range[0] = count;
          range[1] = 1;
        } else if (count === range[0]) range[1]++;
        if (count > range[2]) {
          range[2] = count;
          range[3] = 1;
        } else if (count === range[2]) range[3]++;
      }
      for (const key of transitionKeys(sequence))
        transitionSessions.set(key, (transitionSessions.get(key) ?? 0) + 1);
    }
    const total = sessions.length;
    const transitionTogether = together(sessions, transitionSessions);
    const countRange: Record<string, [number, number, number, number]> = {};
    for (const [event, [min, atMin, max, atMax]] of present) {
      const absent = total - (eventSessions.get(event) ?? 0);
      countRange[event] = absent > 0 ? [0, absent, max, atMax] : [min, atMin, max, atMax];
    }
    const vectorSessions: Record<string, number> = {};
    for (const i of calibration) {
      const key = countVectorKey(countEvents(sessions[i]));
      vectorSessions[key] = (vectorSessions[key] ?? 0) + 1;
    }
    const draft = new SessionNovelty({
      sessions: total,
      eventSessions: Object.fromEntries(eventSessions),
      countRange,
      transitionSessions: Object.fromEntries(transitionSessions),
      transitionTogether: Object.fromEntries(transitionTogether),
      vectorSessions,
      calibrationSize: calibration.length,
      rarestEventCdf: [],
      orderCdf: [],
      transitionRate: 1,
      countRate: 1,
      vectorRate: 1,
      factsAtLeast: [],
    });
    const loo = calibration.map((i) => draft.facts(sessions[i], 1, 1, null, cuts?.[i] ?? null));
    const n = loo.length;
    const rate = (held: number): number => (held + 1) / (n + 2);
    const rarestEventCdf = rareCdf(loo.map((f) => f.minSupport));
    const orderCdf = rareCdf(loo.map((f) => f.minOrderShare));
    const factsAtLeast = [n];
    for (const f of loo) {
      const total = f.unseenEvents + f.unseenTransitions + f.outOfRange;
      for (let j = 1; j <= total; j++) factsAtLeast[j] = (factsAtLeast[j] ?? 0) + 1;
    }
    return new SessionNovelty({
      ...draft.s,
      rarestEventCdf,
      orderCdf,
      transitionRate: rate(loo.filter((f) => f.unseenTransitions > 0).length),
      countRate: rate(loo.filter((f) => f.outOfRange > 0).length),
      vectorRate: rate(loo.filter((f) => f.vectorNovel).length),
      factsAtLeast,
    });
  }

  /** Restores a detector from {@link SessionNovelty.toJSON}. */
  static fromJSON(state: SessionNoveltyState): SessionNovelty {
    return new SessionNovelty(structuredClone(state));
  }

  /** Sessions the reference counts were taken over. */
  get referenceSessions(): number {
    return this.s.sessions;
  }

  /** Sessions (of the reference) that contained `event`. */
  eventSupport(event: string): number {
    return this.eventSessions.get(event) ?? 0;
  }

  /** Events ordered by how many reference sessions contained them, most widespread first (ties by id). */
  eventsByReach(): string[] {
    return [...this.eventSessions]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([event]) => event);
  }

  /**
   * Scores a session against the reference. A session that is itself one of the reference sessions is scored
   * leave-one-out, against the others (`own.reference`), as the calibration sessions were; `own.calibration` says
   * whether it was also one of the calibration sample, whose count vectors are known. `cut` says which of its ends
   * the input may have cut (see {@link SessionCut}).
   */
  assess(
    sequence: readonly string[],
    own: { reference: boolean; calibration: boolean } = NOT_OWN,
    cut: SessionCut | null = null,
  ): NoveltyAssessment {
    const evidence: NoveltyEvidence = {
      unseenEvents: [],
      unseenEventTotal: 0,
      rarestEvent: null,
      unseenTransitions: [],
      unseenTransitionTotal: 0,
      rarestOrder: null,
      countsOutOfRange: [],
      countOutOfRangeTotal: 0,
      countVectorSeen: true,
      referenceSessions: this.s.sessions - (own.reference ? 1 : 0),
      leaveOneOut: own.reference,
    };
    const facts = this.facts(sequence, own.reference ? 1 : 0, own.calibration ? 1 : 0, evidence, cut);
    return { p: this.pValue(facts), evidence };
  }

  /** Serializable state. */
  toJSON(): SessionNoveltyState {
    return structuredClone(this.s);
  }

  /**
   * Novelty facts of a session against the reference, with `own` = 1 when the session is itself part of the
   * reference (leave-one-out) and 0 otherwise, and `ownVector` = 1 when it is part of the calibration sample (whose
   * count vectors are kept). Fills `evidence` when given. A `cut` session's cut ends give no facts (see
   * {@link SessionCut}).
   */
  private facts(
    sequence: readonly string[],
    own: 0 | 1,
    ownVector: 0 | 1,
    evidence: NoveltyEvidence | null,
    cut: SessionCut | null,
  ): Facts {
    const counts = countEvents(sequence);
    const partial = cut !== null && (cut.start || cut.end);
    // An empty session has no rare event: its rarest support is the whole reference.
    const facts: Facts = {
      unseenEvents: 0,
      unseenTransitions: 0,
      outOfRange: 0,
      vectorNovel: false,
      minSupport: this.s.sessions - own,
      minOrderShare: 1,
    };
    let rarest: string | null = null;
    for (const [event, count] of counts) {
      const support = (this.eventSessions.get(event) ?? 0) - own;
      if (support < facts.minSupport) facts.minSupport = support;
      if (support <= 0) {
        facts.unseenEvents++;
        if (evidence && evidence.unseenEvents.length < EVIDENCE_LIMIT) evidence.unseenEvents.push(event);
        continue;
      }
      if (evidence && (rarest === null || support < (this.eventSessions.get(rarest) ?? 0))) rarest = event;
      const range = this.countRange.get(event);
      if (range && this.outside(count, range, own, partial)) {
        facts.outOfRange++;
        if (evidence && evidence.countsOutOfRange.length < EVIDENCE_LIMIT) {
          evidence.countsOutOfRange.push({ event, count, min: range[0], max: range[2] });
        }
      }
    }
    // Missing events: those every other reference session had (a cut session may have lost them).
    for (const event of partial ? [] : own === 0 ? this.alwaysPresent : this.allButOne) {
      if (counts.has(event)) continue;
      facts.outOfRange++;
      const range = this.countRange.get(event);
      if (range && evidence && evidence.countsOutOfRange.length < EVIDENCE_LIMIT) {
        evidence.countsOutOfRange.push({ event, count: 0, min: range[0], max: range[2] });
      }
    }
    let rarestOrder: string | null = null;
    let rarestTogether = 0;
    for (const key of transitionKeys(sequence)) {
      if (cut !== null && ((cut.start && isStartTransition(key)) || (cut.end && isEndTransition(key))))
        continue;
      const made = (this.transitionSessions.get(key) ?? 0) - own;
      if (made > 0) {
        // The order speaks only when the input is its own reference, and only between events: a session the
        // input's start or end cut short begins or ends where others do not (see the class description).
        if (own === 0 || isBoundaryTransition(key)) continue;
        const both = (this.transitionTogether.get(key) ?? made + own) - own;
        const share = made / both;
        if (share < facts.minOrderShare) {
          facts.minOrderShare = share;
          rarestOrder = key;
          rarestTogether = both;
        }
        continue;
      }
      facts.unseenTransitions++;
      if (evidence && evidence.unseenTransitions.length < EVIDENCE_LIMIT) {
        evidence.unseenTransitions.push(parseTransitionKey(key));
      }
    }
    facts.vectorNovel = !partial && (this.vectorSessions.get(countVectorKey(counts)) ?? 0) - ownVector <= 0;
    if (evidence) {
      evidence.unseenEventTotal = facts.unseenEvents;
      evidence.unseenTransitionTotal = facts.unseenTransitions;
      evidence.countOutOfRangeTotal = facts.outOfRange;
      evidence.countVectorSeen = !facts.vectorNovel;
      evidence.rarestEvent =
        rarest === null ? null : { event: rarest, sessions: this.eventSupport(rarest) - own };
      evidence.rarestOrder =
        rarestOrder === null
          ? null
          : {
              transition: parseTransitionKey(rarestOrder),
              sessions: (this.transitionSessions.get(rarestOrder) ?? 0) - own,
              together: rarestTogether,
            };
    }
    return facts;
  }

  /**
   * Whether `count` is outside the range of the reference sessions (other than this one when `own` = 1); only above
   * it for a `partial` (cut) session.
   */
  private outside(
    count: number,
    [min, atMin, max, atMax]: [number, number, number, number],
    own: 0 | 1,
    partial: boolean,
  ): boolean {
    if (own === 0) return (!partial && count < min) || count > max;
    return (!partial && count === min && atMin === 1) || (count === max && atMax === 1);
  }

  /** The novelty p-value of a session's facts (see the class description). */
  private pValue(f: Facts): number {
    const { transitionRate, countRate, vectorRate, factsAtLeast } = this.s;
    // The order of events is a question of its own beside the nested ones (what the session held): its rate counts
    // twice (Bonferroni over the two questions, charged to the new one; the nested rates are used as they were).
    let p = Math.min(this.rarestEventRate(f.minSupport), 2 * this.orderRate(f.minOrderShare));
    if (f.unseenTransitions > 0) p = Math.min(p, transitionRate);
    if (f.outOfRange > 0) p = Math.min(p, countRate);
    if (f.vectorNovel) p = Math.min(p, vectorRate);
    const total = f.unseenEvents + f.unseenTransitions + f.outOfRange;
    for (let j = 2; j <= total && p > 1e-300; j++) {
      const held = factsAtLeast[j] ?? 0;
      const before = factsAtLeast[j - 1] ?? 0;
      p *= (held + 1) / (before + 2);
    }
    return p;
  }

  /** Rate of calibration sessions whose order share (see {@link SessionNoveltyState.orderCdf}) was at most `share`. */
  private orderRate(share: number): number {
    return this.s.orderCdf === undefined ? 1 : this.rateAtOrBelow(this.s.orderCdf, share);
  }

  /** Rate of calibration sessions whose rarest event was in at most `support` other reference sessions. */
  private rarestEventRate(support: number): number {
    return this.rateAtOrBelow(this.s.rarestEventCdf, support);
  }

  /** Laplace rate of calibration sessions at or below `x` in a {@link rareCdf}; 1 past {@link RARE_RATE}. */
  private rateAtOrBelow(cdf: readonly [number, number][], x: number): number {
    let held = 0;
    for (const [value, atOrBelow] of cdf) {
      if (value > x) break;
      held = atOrBelow;
    }
    const rate = (held + 1) / (this.s.calibrationSize + 2);
    return rate > RARE_RATE ? 1 : rate;
  }
}

/**
 * Ascending [value, calibration sessions at or below it] at each distinct value of the calibration sessions, up to
 * and including the first whose Laplace rate is no longer rare ({@link RARE_RATE}).
 */
function rareCdf(values: number[]): [number, number][] {
  const sorted = values.sort((a, b) => a - b);
  const n = sorted.length;
  const cdf: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    if (i + 1 < n && sorted[i + 1] === sorted[i]) continue;
    cdf.push([sorted[i], i + 1]);
    if ((i + 2) / (n + 2) > RARE_RATE) break;
  }
  return cdf;
}

/**
 * For each transition between two events, the sessions holding both, counted session by session over the pairs of
 * its distinct events that some session made as a transition (from the smaller side: an event's successors or the
 * session's events).
 */
function together(
  sessions: readonly (readonly string[])[],
  transitionSessions: ReadonlyMap<string, number>,
): Map<string, number> {
  const out = new Map<string, number>();
  const successors = new Map<string, [to: string, key: string][]>();
  for (const key of transitionSessions.keys()) {
    const { from, to } = parseTransitionKey(key);
    if (from === null || to === null) continue;
    out.set(key, 0);
    let list = successors.get(from);
    if (list === undefined) {
      list = [];
      successors.set(from, list);
    }
    list.push([to, key]);
  }
  for (const sequence of sessions) {
    const events = new Set(sequence);
    for (const from of events) {
      const list = successors.get(from);
      if (list === undefined) continue;
      if (list.length <= events.size) {
        for (const [to, key] of list) if (events.has(to)) out.set(key, (out.get(key) as number) + 1);
      } else {
        for (const to of events) {
          const key = transitionKey(from, to);
          const n = out.get(key);
          if (n !== undefined) out.set(key, n + 1);
        }
      }
    }
  }
  return out;
}
