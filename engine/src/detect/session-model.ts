import type { DetectorScore } from '../model/detection.js';
import { scoreFromTailProbability } from '../model/score.js';
import { createRng, DEFAULT_SEED } from '../random/rng.js';
import { TailCalibrator, type TailCalibratorState } from './calibration.js';
import { round4 } from './ensemble.js';
import { IsolationForest, type IsolationForestState } from './isolation-forest.js';
import { LocalOutlierFactor, type LocalOutlierFactorState } from './lof.js';
import {
  type EventNamer,
  explainSession,
  SESSION_DETECTORS,
  type SessionDetectorName,
  type SessionEvidence,
} from './session-explanation.js';
import { CountFeatureSpace, countEvents } from './session-features.js';
import { type SessionCut, SessionNovelty, type SessionNoveltyState } from './session-novelty.js';

export { SESSION_DETECTORS, type SessionDetectorName, type SessionEvidence } from './session-explanation.js';

/** Share of the false-alarm budget each detector gets in the ensemble (see {@link SessionModel}). */
export type SessionDetectorWeights = Record<SessionDetectorName, number>;

/** Options of {@link SessionModel.fit}. */
export interface SessionModelOptions {
  /**
   * Largest reference sample (a seeded reservoir of the sessions) used for calibration, Isolation Forest and
   * LOF. Event, transition and count-range statistics are counted over every session given.
   * @defaultValue 20000
   */
  maxReferenceSessions?: number;
  /**
   * Events given a column of their own in the count features (the most widespread in the reference).
   * @defaultValue 64
   */
  maxFeatureEvents?: number;
  /**
   * Isolation Forest trees.
   * @defaultValue 100
   */
  trees?: number;
  /**
   * Isolation Forest subsample size ψ.
   * @defaultValue 256
   */
  sampleSize?: number;
  /**
   * LOF neighbours.
   * @defaultValue 20
   */
  lofK?: number;
  /**
   * Largest LOF reference sample.
   * @defaultValue 2000
   */
  lofReference?: number;
  /**
   * Smallest per-feature scale for LOF, in `log1p(count)` units: a count that never varies in the reference
   * is measured as if it varied by about half an occurrence around one, not by nothing.
   * @defaultValue 0.25
   */
  lofMinScale?: number;
  /**
   * Share of the false-alarm budget per detector; must sum to at most 1.
   * @defaultValue `{ novelty: 0.8, 'isolation-forest': 0.1, lof: 0.1 }`
   */
  weights?: SessionDetectorWeights;
  /**
   * Seed of the reservoir, the forest and the LOF sample.
   * @defaultValue {@link DEFAULT_SEED}
   */
  seed?: number;
  /**
   * Which ends of each session (by index) the input may have cut, for the novelty calibration (see
   * {@link SessionCut}). By default none.
   */
  cuts?: readonly (SessionCut | null)[];
}

/** What {@link SessionModel.score} knows of a session beside its events. */
export interface SessionContext {
  /** Names events in the explanation (see {@link explainSession}). */
  nameOf?: EventNamer;
  /**
   * Which of its ends the input may have cut. Novelty then takes no facts from those ends (see {@link SessionCut}),
   * and the density detectors, which see only counts, do not speak (tail probability 1).
   */
  cut?: SessionCut | null;
}

/** A scored session. */
export interface SessionScore {
  /** Ensemble score in [0, 1]; ≥ θ is an anomaly. */
  score: number;
  /** Each detector's calibrated score, in {@link SESSION_DETECTORS} order. */
  detectors: DetectorScore[];
  evidence: SessionEvidence;
  /** One deterministic sentence built from the evidence. */
  explanation: string;
}

/** Serialized {@link SessionModel}. */
export interface SessionModelState {
  version: 1;
  weights: SessionDetectorWeights;
  featureEvents: string[];
  novelty: SessionNoveltyState;
  forest: IsolationForestState;
  forestCalibrator: TailCalibratorState;
  lof: LocalOutlierFactorState;
  lofCalibrator: TailCalibratorState;
}

/**
 * Whatever its calibration says, LOF's tail probability is at least `LOF^−10`: LOF below about 2 is common
 * inside clusters and never alarming on its own, even when the reference LOFs barely vary (few distinct count
 * vectors).
 */
const LOF_TAIL_EXPONENT = 10;

/** Feature vectors whose density scores a model keeps; past it, it starts over. */
const MAX_DENSITIES = 65_536;

/**
 * Scores of event sequences a model keeps (see {@link SessionModel.score}); past it, it starts over. A score with its
 * evidence and explanation is about a kilobyte, and a job's end runs in a bounded heap.
 */
const MAX_SCORES_KEPT = 16_384;

/** Longest event sequence whose score is kept: longer ones rarely repeat, and their key would cost more. */
const MAX_KEPT_SEQUENCE = 64;

/** Fewest reference sessions a model is fit on. */
export const MIN_REFERENCE_SESSIONS = 2;

const DEFAULT_WEIGHTS: SessionDetectorWeights = { novelty: 0.8, 'isolation-forest': 0.1, lof: 0.1 };

/**
 * The session-level detector. A session is the sequence of template ids of one block, request or job. Three
 * detectors look at it, each calibrated to a tail probability on its own reference distribution:
 *
 * - **novelty** ({@link SessionNovelty}): unseen events, unseen transitions, counts outside the reference
 *   range and rare events, with rates learned leave-one-out from the reference (Good–Turing / Laplace);
 * - **isolation-forest**: {@link IsolationForest} on `log1p` event counts and length, calibrated by a
 *   {@link TailCalibrator} on the reference sessions' out-of-bag scores;
 * - **lof**: {@link LocalOutlierFactor} on the same features, calibrated on `ln LOF` of the reference points
 *   (leave-one-out), never below `LOF^−10` (LOF under about 2 is ordinary inside clusters).
 *
 * The ensemble rule is a weighted Bonferroni bound: the session's tail probability is `min(1, minᵢ pᵢ / wᵢ)`,
 * where the weights `wᵢ` (summing to at most 1) split the false-alarm budget between detectors. Whatever the
 * dependence between detectors, as long as each pᵢ is calibrated, a reference-like session then reaches θ no
 * more often than θ's own tail probability. By default novelty, whose rates are exact leave-one-out frequencies, gets 80 % of the budget
 * and the two density detectors, whose far tails are extrapolated, 10 % each: they speak only when about ten
 * times surer. The score is that probability on Outlier's scale (`scoreFromTailProbability`).
 *
 * @example
 * ```ts
 * const model = SessionModel.fit(trainingSessions);
 * const { score, explanation } = model.score(['E5', 'E22', 'E7']);
 * ```
 */
export class SessionModel {
  private readonly space: CountFeatureSpace;
  private readonly features: Float64Array;
  /**
   * From {@link SessionModel.fit} (not serialized): the number of sessions fit on, each calibration session's row
   * by session index, and the rows' out-of-bag forest scores, for scoring those sessions leave-one-out.
   */
  private fitted: { sessions: number; rowOf: Map<number, number>; outOfBag: Float64Array } | null = null;
  /**
   * Forest and LOF scores by feature key ({@link CountFeatureSpace.key}): sessions repeat a few shapes (a log's
   * requests, a block's steps), and both scores depend on the features only.
   */
  private readonly densities = new Map<string, { forest: number; lof: number }>();
  /**
   * Scores by event sequence, leave-one-out flag and cut ends, for sessions outside the calibration sample: those
   * depend on nothing else, and a log's sessions repeat a few sequences (a trace of one request type, a block's
   * steps). Valid for one namer of events ({@link SessionContext.nameOf}).
   */
  private readonly kept = new Map<string, SessionScore>();
  private keptNamer: SessionContext['nameOf'] = undefined;

  private constructor(
    private readonly weights: SessionDetectorWeights,
    private readonly novelty: SessionNovelty,
    private readonly forest: IsolationForest,
    private readonly forestCalibrator: TailCalibrator,
    private readonly lof: LocalOutlierFactor,
    private readonly lofCalibrator: TailCalibrator,
    featureEvents: readonly string[],
  ) {
    this.space = new CountFeatureSpace(featureEvents);
    this.features = new Float64Array(this.space.cols);
  }

  /** Learns from reference sessions (normal behaviour); at least two are needed. */
  static fit(sessions: readonly (readonly string[])[], options: SessionModelOptions = {}): SessionModel {
    const {
      maxReferenceSessions = 20_000,
      maxFeatureEvents = 64,
      trees = 100,
      sampleSize = 256,
      lofK = 20,
      lofReference = 2000,
      lofMinScale = 0.25,
      weights = DEFAULT_WEIGHTS,
      seed = DEFAULT_SEED,
      cuts,
    } = options;
    if (sessions.length < MIN_REFERENCE_SESSIONS)
      throw new RangeError('SessionModel needs at least two reference sessions');
    const budget = SESSION_DETECTORS.reduce((sum, name) => sum + weights[name], 0);
    if (SESSION_DETECTORS.some((name) => !(weights[name] >= 0)) || budget > 1 + 1e-9) {
      throw new RangeError('SessionModel weights must be non-negative and sum to at most 1');
    }
    const reference = reservoir(sessions.length, maxReferenceSessions, seed);
    const novelty = SessionNovelty.fit(sessions, reference, cuts);
    const featureEvents = novelty.eventsByReach().slice(0, maxFeatureEvents);
    const space = new CountFeatureSpace(featureEvents);
    const cols = space.cols;
    const data = new Float64Array(reference.length * cols);
    reference.forEach((i, row) => {
      space.encode(countEvents(sessions[i]), sessions[i].length, data, row * cols);
    });
    const { forest, outOfBag } = IsolationForest.fitOutOfBag(data, reference.length, cols, {
      trees,
      sampleSize,
      seed,
    });
    const lof = LocalOutlierFactor.fit(data, reference.length, cols, {
      k: lofK,
      maxReference: lofReference,
      minScale: lofMinScale,
      seed,
    });
    const model = new SessionModel(
      weights,
      novelty,
      forest,
      TailCalibrator.fit(outOfBag),
      lof,
      TailCalibrator.fit(lof.referenceScores().map(Math.log)),
      featureEvents,
    );
    model.fitted = {
      sessions: sessions.length,
      rowOf: new Map(reference.map((i, row) => [i, row])),
      outOfBag,
    };
    return model;
  }

  /** Restores a model from {@link SessionModel.toJSON}; scores are identical to the original's. */
  static fromJSON(state: SessionModelState): SessionModel {
    if (state.version !== 1) throw new RangeError(`unsupported SessionModel state version ${state.version}`);
    return new SessionModel(
      { ...state.weights },
      SessionNovelty.fromJSON(state.novelty),
      IsolationForest.fromJSON(state.forest),
      TailCalibrator.fromJSON(state.forestCalibrator),
      LocalOutlierFactor.fromJSON(state.lof),
      TailCalibrator.fromJSON(state.lofCalibrator),
      [...state.featureEvents],
    );
  }

  /** Each detector's share of the false-alarm budget. */
  detectorWeights(): SessionDetectorWeights {
    return { ...this.weights };
  }

  /**
   * Scores one session (its template ids in order). When the session is one the model was fit on (analyzing an
   * input without separate training data), `ownIndex`, its index among them, has it scored leave-one-out, as the
   * calibration sessions were: against the other sessions, so that what only this session did counts as unseen,
   * with its out-of-bag forest score. Only a model made by {@link SessionModel.fit} in this process knows its
   * sessions. `context` names its events and says which of its ends the input may have cut. Sessions of the same
   * sequence may get the same result object: read it, do not change it.
   */
  score(sequence: readonly string[], ownIndex?: number, context: SessionContext = {}): SessionScore {
    const fitted = this.fitted;
    if (ownIndex !== undefined && (fitted === null || !(ownIndex >= 0 && ownIndex < fitted.sessions)))
      throw new RangeError(`session ${ownIndex} is not one this model was fit on`);
    const row = ownIndex === undefined ? undefined : fitted?.rowOf.get(ownIndex);
    // A calibration session has a forest score of its own (out of bag); any other is its sequence's.
    let keptKey: string | null = null;
    if (row === undefined && sequence.length <= MAX_KEPT_SEQUENCE) {
      if (context.nameOf !== this.keptNamer) {
        this.kept.clear();
        this.keptNamer = context.nameOf;
      }
      const cut = context.cut;
      keptKey = `${ownIndex === undefined ? 0 : 1}${cut?.start ? 1 : 0}${cut?.end ? 1 : 0}${sequence.join('\u0000')}`;
      const kept = this.kept.get(keptKey);
      if (kept !== undefined) return kept;
    }
    const { p: noveltyP, evidence: novelty } = this.novelty.assess(
      sequence,
      { reference: ownIndex !== undefined, calibration: row !== undefined },
      context.cut ?? null,
    );
    const counts = countEvents(sequence);
    const key = this.space.key(counts, sequence.length);
    let density = this.densities.get(key);
    if (density === undefined) {
      this.space.encode(counts, sequence.length, this.features);
      density = { forest: this.forest.scoreRow(this.features), lof: this.lof.score(this.features) };
      if (this.densities.size >= MAX_DENSITIES) this.densities.clear();
      this.densities.set(key, density);
    }
    const forestRaw = row !== undefined && fitted !== null ? fitted.outOfBag[row] : density.forest;
    const lofRaw = density.lof;
    // The density detectors see only counts, which a cut session lost some of: they do not speak for it.
    const cut = context.cut;
    const partial = cut != null && (cut.start || cut.end);
    const p: Record<SessionDetectorName, number> = {
      novelty: noveltyP,
      'isolation-forest': partial ? 1 : this.forestCalibrator.tailProbability(forestRaw),
      lof: partial
        ? 1
        : Math.max(this.lofCalibrator.tailProbability(Math.log(lofRaw)), lofRaw ** -LOF_TAIL_EXPONENT),
    };
    let combined = 1;
    let strongest: SessionDetectorName | null = null;
    for (const name of SESSION_DETECTORS) {
      const w = this.weights[name];
      const bound = w > 0 ? p[name] / w : Number.POSITIVE_INFINITY;
      if (bound < combined) {
        combined = bound;
        strongest = name;
      }
    }
    const detectors = SESSION_DETECTORS.map((name) => ({
      name,
      score: round4(scoreFromTailProbability(p[name])),
    }));
    const evidence: SessionEvidence = {
      ...novelty,
      length: sequence.length,
      isolationForest: forestRaw,
      lof: lofRaw,
      tailProbabilities: p,
      strongest,
    };
    const result: SessionScore = {
      score: round4(scoreFromTailProbability(combined)),
      detectors,
      evidence,
      explanation: explainSession(evidence, context.nameOf),
    };
    if (keptKey !== null) {
      if (this.kept.size >= MAX_SCORES_KEPT) this.kept.clear();
      this.kept.set(keptKey, result);
    }
    return result;
  }

  /** Serializable state. */
  toJSON(): SessionModelState {
    return {
      version: 1,
      weights: { ...this.weights },
      featureEvents: [...this.space.events],
      novelty: this.novelty.toJSON(),
      forest: this.forest.toJSON(),
      forestCalibrator: this.forestCalibrator.toJSON(),
      lof: this.lof.toJSON(),
      lofCalibrator: this.lofCalibrator.toJSON(),
    };
  }
}

/** A seeded uniform sample of `max` indices out of `n` (all of them when `n ≤ max`), ascending. */
export function reservoir(n: number, max: number, seed: number = DEFAULT_SEED): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const rng = createRng(seed);
  const kept = Array.from({ length: max }, (_, i) => i);
  for (let i = max; i < n; i++) {
    const j = rng.int(i + 1);
    if (j < max) kept[j] = i;
  }
  return kept.sort((a, b) => a - b);
}
