/** Which deviations may alert. */
export type AlertDirection = 'up' | 'down' | 'both';

/** Guard rails of {@link AlertPolicy}. */
export interface AlertPolicyOptions {
  /** Score at or above which a point is anomalous (θ). */
  threshold: number;
  /** An incident ends after this many consecutive points below θ; until then it does not alert again. */
  quietPoints: number;
  /** Smallest |observed − expected| that may alert, in the series' units. */
  minAbsoluteDeviation: number;
  /** Smallest |observed − expected| / |expected| that may alert (0.1 = 10 %). */
  minRelativeDeviation: number;
  direction: AlertDirection;
}

/** What the policy decided about one point. */
export interface AlertDecision {
  /** The point opens a new incident: report it. */
  alert: boolean;
  /** The point belongs to an incident (the one it opened, or one still going on). */
  incident: boolean;
}

const ALERT: AlertDecision = Object.freeze({ alert: true, incident: true });
const ONGOING: AlertDecision = Object.freeze({ alert: false, incident: true });
const CALM: AlertDecision = Object.freeze({ alert: false, incident: false });

/**
 * One alert per incident, with the guard rails users ask for: a point whose score reaches θ opens an incident
 * unless one is open already, and that incident is reported when the point's deviation from the expected value
 * is large enough in absolute and relative terms and goes the watched way. An incident stays open while anomalous points keep coming, and closes after
 * `quietPoints` calm points in a row, so a long anomaly is reported once, not on every point.
 */
export class AlertPolicy {
  /** [open (0/1), calm points in a row]. */
  readonly state: Float64Array;

  constructor(
    private readonly o: AlertPolicyOptions,
    state?: ArrayLike<number>,
  ) {
    this.state = state ? Float64Array.from(state) : new Float64Array(2);
  }

  /** Whether a deviation passes the guard rails (NaN expected: only when no rail is set). */
  passes(observed: number, expected: number): boolean {
    const { minAbsoluteDeviation: minAbs, minRelativeDeviation: minRel, direction } = this.o;
    if (Number.isNaN(expected) || Number.isNaN(observed))
      return minAbs <= 0 && minRel <= 0 && direction === 'both';
    const diff = observed - expected;
    if (direction === 'up' && !(diff > 0)) return false;
    if (direction === 'down' && !(diff < 0)) return false;
    const abs = Math.abs(diff);
    if (abs < minAbs) return false;
    return !(minRel > 0 && abs / Math.max(Math.abs(expected), 1e-12) < minRel);
  }

  /** Decides one point and advances the incident state. */
  decide(score: number, observed: number, expected: number): AlertDecision {
    const s = this.state;
    const anomalous = score >= this.o.threshold;
    if (s[0] === 1) {
      s[1] = anomalous ? 0 : s[1] + 1;
      if (s[1] >= this.o.quietPoints) s[0] = 0;
      return ONGOING;
    }
    if (!anomalous) return CALM;
    // An anomaly the guard rails filter out still opens an incident, only an unreported one: its echoes (the
    // return to normal after a spike, say) must not alert either.
    s[0] = 1;
    s[1] = 0;
    return this.passes(observed, expected) ? ALERT : ONGOING;
  }
}
