import { DEFAULT_THRESHOLD, tailProbabilityFromScore } from '../model/score.js';
import type { Transition } from './session-features.js';
import type { CountOutOfRange, NoveltyEvidence } from './session-novelty.js';

/** Names of the session detectors, in the order they are reported. */
export const SESSION_DETECTORS = ['novelty', 'isolation-forest', 'lof'] as const;

/** A session detector's name. */
export type SessionDetectorName = (typeof SESSION_DETECTORS)[number];

/** What a session score rests on. */
export interface SessionEvidence extends NoveltyEvidence {
  /** Events in the session. */
  length: number;
  /** Isolation Forest raw score 2^(−E(h)/c(ψ)) of the session's count features. */
  isolationForest: number;
  /** LOF of the session's count features against the LOF reference. */
  lof: number;
  /** Each detector's tail probability under its reference distribution. */
  tailProbabilities: Record<SessionDetectorName, number>;
  /** The detector that decided the score, or null when none found anything unusual. */
  strongest: SessionDetectorName | null;
}

/** A rarest event is worth a clause when at most this share of the reference sessions had it. */
const RARE_SHARE = 0.01;

/** Characters of a template's text quoted in an explanation; a longer one is cut with an ellipsis. */
export const EVENT_TEXT_CHARS = 60;

/** How an explanation names an event: its template's text where known (quoted), else its id. */
export type EventNamer = (event: string) => string | undefined;

function namer(nameOf: EventNamer | undefined): (event: string) => string {
  if (!nameOf) return (event) => event;
  return (event) => {
    const text = nameOf(event);
    if (text === undefined) return event;
    const cut = text.length > EVENT_TEXT_CHARS ? `${text.slice(0, EVENT_TEXT_CHARS - 1).trimEnd()}…` : text;
    return `"${cut}"`;
  };
}

/**
 * One deterministic sentence from a session's evidence, novelty facts first (they are the most specific),
 * then what a density detector saw when it decided the score and alone reached θ's tail probability. For
 * example: "Session has event E7 never seen in training and 3 unseen transitions (E5 → E7, …)." Events are
 * named by `nameOf` where it knows them (a log's template text: `event "disk <*> failed"`), else by their ids.
 */
export function explainSession(e: SessionEvidence, nameOf?: EventNamer): string {
  const name = namer(nameOf);
  const clauses: string[] = [];
  // Scored leave-one-out, the session is compared with the other sessions of its own input.
  const elsewhere = e.leaveOneOut ? 'in any other session' : 'in training';
  if (e.unseenEventTotal > 0) {
    const names = e.unseenEvents.slice(0, 3).map(name).join(', ');
    const more = e.unseenEventTotal > 3 ? ', …' : '';
    clauses.push(
      e.unseenEventTotal === 1
        ? `event ${names} never seen ${elsewhere}`
        : `${e.unseenEventTotal} events never seen ${elsewhere} (${names}${more})`,
    );
  } else if (e.rarestEvent && e.rarestEvent.sessions <= RARE_SHARE * e.referenceSessions) {
    const { event, sessions } = e.rarestEvent;
    const noun = e.leaveOneOut ? 'other session' : 'training session';
    clauses.push(`event ${name(event)}, seen in only ${plural(sessions, noun)} of ${e.referenceSessions}`);
  }
  if (e.unseenTransitionTotal > 0) {
    const first = formatTransition(e.unseenTransitions[0], name);
    const n = e.unseenTransitionTotal;
    const what = e.leaveOneOut
      ? `${plural(n, 'transition')} no other session made`
      : `${n} unseen ${n === 1 ? 'transition' : 'transitions'}`;
    clauses.push(n === 1 ? `${what} (${first})` : `${what} (${first}, …)`);
  }
  if (
    e.unseenTransitionTotal === 0 &&
    e.rarestOrder &&
    e.rarestOrder.sessions <= RARE_SHARE * e.rarestOrder.together
  ) {
    const { transition, sessions, together } = e.rarestOrder;
    const noun = e.leaveOneOut ? 'other session' : 'training session';
    clauses.push(
      `transition ${formatTransition(transition, name)}, made in only ${plural(sessions, noun)} of the ${together} with both events`,
    );
  }
  if (e.countOutOfRangeTotal > 0) {
    const first = formatCount(e.countsOutOfRange[0], e.leaveOneOut, name);
    const outside = e.leaveOneOut ? 'no other session had' : 'outside the training range';
    clauses.push(
      e.countOutOfRangeTotal === 1
        ? first
        : `${e.countOutOfRangeTotal} event counts ${outside} (${first}, …)`,
    );
  }
  if (clauses.length === 0 && !e.countVectorSeen)
    clauses.push(`a combination of event counts never seen ${elsewhere}`);
  const alarming = tailProbabilityFromScore(DEFAULT_THRESHOLD);
  if (e.strongest === 'isolation-forest' && e.tailProbabilities['isolation-forest'] <= alarming) {
    clauses.push(
      `event counts the isolation forest separates easily (score ${e.isolationForest.toFixed(2)})`,
    );
  } else if (e.strongest === 'lof' && e.tailProbabilities.lof <= alarming) {
    clauses.push(`event counts far from similar training sessions (LOF ${e.lof.toFixed(1)})`);
  }
  if (clauses.length === 0) return `Session of ${plural(e.length, 'event')} resembles the training sessions.`;
  return `Session has ${joinClauses(clauses)}.`;
}

function formatTransition({ from, to }: Transition, name: (event: string) => string): string {
  return `${from === null ? 'start' : name(from)} → ${to === null ? 'end' : name(to)}`;
}

function formatCount(
  { event: id, count, min, max }: CountOutOfRange,
  leaveOneOut: boolean,
  name: (event: string) => string,
): string {
  const event = name(id);
  if (leaveOneOut) {
    if (count === 0) return `event ${event} missing though every other session had it`;
    return `event ${event} ${count} times, ${count > min ? 'more' : 'fewer'} than in any other session`;
  }
  if (count === 0) return `event ${event} missing though every training session had it`;
  const range = min === max ? `always ${min}` : `${min}–${max}`;
  return `event ${event} ${count} times (training: ${range})`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function joinClauses(clauses: readonly string[]): string {
  if (clauses.length === 1) return clauses[0];
  return `${clauses.slice(0, -1).join(', ')} and ${clauses[clauses.length - 1]}`;
}
