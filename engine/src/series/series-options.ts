import { DEFAULT_THRESHOLD, type Severity } from '../model/score.js';
import type { AlertDirection } from './alert-policy.js';
import { FEATURE_DETECTORS } from './feature-detectors.js';
import { RESIDUAL_DETECTORS } from './residual-detectors.js';

/** One day in milliseconds, the default season. */
export const DAY_MS = 86_400_000;

/** Every detector of the series model, in the order `SeriesModel.detectorScores` reports them. */
export const SERIES_DETECTORS = [...RESIDUAL_DETECTORS, ...FEATURE_DETECTORS] as const;

/** Name of a series detector. */
export type SeriesDetectorName = (typeof SERIES_DETECTORS)[number];

/** Options of `SeriesModel`. */
export interface SeriesModelOptions {
  /** Score at or above which a point is anomalous (θ). @defaultValue {@link DEFAULT_THRESHOLD} */
  threshold?: number;
  /** Length of the season in milliseconds. @defaultValue one day */
  period?: number;
  /**
   * `auto`: use the seasonal baseline when it has predicted better than the plain one on most recent periods;
   * `on`: always once a period of history exists; `off`: never.
   * @defaultValue 'auto'
   */
  seasonality?: 'auto' | 'on' | 'off';
  /** Previous periods whose median is the seasonal baseline. @defaultValue 5 */
  days?: number;
  /** Memory of the calibrations, in points (half-life). @defaultValue 2000 */
  halfLife?: number;
  /** Weight with which an anomalous point (score ≥ θ) enters the calibrations. @defaultValue 0.3 */
  anomalyWeight?: number;
  /** An incident closes after this many calm points in a row. @defaultValue 20 */
  quietPoints?: number;
  /** Smallest |observed − expected| that may alert. @defaultValue 0 */
  minAbsoluteDeviation?: number;
  /** Smallest relative deviation |observed − expected| / |expected| that may alert. @defaultValue 0 */
  minRelativeDeviation?: number;
  /** Which deviations may alert. @defaultValue 'both' */
  direction?: AlertDirection;
  /**
   * `fast`: the residual detectors only; `full`: also Isolation Forest and LOF on windowed features.
   * @defaultValue 'fast'
   */
  ensemble?: 'fast' | 'full';
  /** The series is a monotone counter: score its per-second rate, treating a decrease as a reset. @defaultValue false */
  counter?: boolean;
  /** A time step longer than this many sampling intervals is a gap. @defaultValue 20 */
  gapPoints?: number;
  /** Seed of the randomized detectors. @defaultValue 0x5eed */
  seed?: number;
}

/** Options with their defaults applied. */
export type ResolvedSeriesOptions = Required<SeriesModelOptions>;

/** One scored point. */
export interface SeriesPoint {
  /** Epoch milliseconds (clamped to be non-decreasing). */
  time: number;
  /** The value scored (the rate for a counter). */
  value: number;
  /** Anomaly score in [0, 1] (Outlier's convention: −log10 of the tail probability, over 6). */
  score: number;
  /** The score as an alert stream: the score on the point that opens an incident, 0 on the rest of it. */
  alertScore: number;
  expected: number;
  /** Edges of the normal band at θ. */
  lower: number;
  upper: number;
  /** The point opens an incident (a new alert). */
  alert: boolean;
  /** The point is part of an incident. */
  incident: boolean;
  /** Severity of an alert, null otherwise. */
  severity: Severity | null;
  /** The detector that decided the score, null when nothing stood out. */
  strongest: SeriesDetectorName | null;
}

/** Applies the defaults to options. */
export function resolveSeriesOptions(o: SeriesModelOptions = {}): ResolvedSeriesOptions {
  return {
    threshold: o.threshold ?? DEFAULT_THRESHOLD,
    period: o.period ?? DAY_MS,
    seasonality: o.seasonality ?? 'auto',
    days: o.days ?? 5,
    halfLife: o.halfLife ?? 2000,
    anomalyWeight: o.anomalyWeight ?? 0.3,
    quietPoints: o.quietPoints ?? 20,
    minAbsoluteDeviation: o.minAbsoluteDeviation ?? 0,
    minRelativeDeviation: o.minRelativeDeviation ?? 0,
    direction: o.direction ?? 'both',
    ensemble: o.ensemble ?? 'fast',
    counter: o.counter ?? false,
    gapPoints: o.gapPoints ?? 20,
    seed: o.seed ?? 0x5eed,
  };
}

/** A blank point, to be filled by `SeriesModel.updateInto`. */
export function emptySeriesPoint(): SeriesPoint {
  return {
    time: Number.NaN,
    value: Number.NaN,
    score: 0,
    alertScore: 0,
    expected: Number.NaN,
    lower: Number.NaN,
    upper: Number.NaN,
    alert: false,
    incident: false,
    severity: null,
    strongest: null,
  };
}
