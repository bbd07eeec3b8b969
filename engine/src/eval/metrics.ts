/** Counts of a binary decision against labels (positive = anomalous). */
export interface ConfusionCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Counts of `score ≥ threshold` against `labels` (true = anomalous). */
export function confusion(
  scores: ArrayLike<number>,
  labels: ArrayLike<boolean>,
  threshold: number,
): ConfusionCounts {
  assertSameLength(scores, labels);
  const counts: ConfusionCounts = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < scores.length; i++) {
    const flagged = scores[i] >= threshold;
    if (labels[i]) {
      if (flagged) counts.tp++;
      else counts.fn++;
    } else if (flagged) counts.fp++;
    else counts.tn++;
  }
  return counts;
}

/** TP / (TP + FP); 0 when nothing was flagged. */
export function precision({ tp, fp }: Pick<ConfusionCounts, 'tp' | 'fp'>): number {
  return tp + fp > 0 ? tp / (tp + fp) : 0;
}

/** TP / (TP + FN); 0 when there are no positives. */
export function recall({ tp, fn }: Pick<ConfusionCounts, 'tp' | 'fn'>): number {
  return tp + fn > 0 ? tp / (tp + fn) : 0;
}

/** False-positive rate FP / (FP + TN); 0 when there are no negatives. */
export function fpr({ fp, tn }: Pick<ConfusionCounts, 'fp' | 'tn'>): number {
  return fp + tn > 0 ? fp / (fp + tn) : 0;
}

/** Harmonic mean of precision and recall; 0 when both are 0. */
export function f1(p: number, r: number): number {
  return p + r > 0 ? (2 * p * r) / (p + r) : 0;
}

/**
 * Area under the precision–recall curve as average precision: `Σₖ (Rₖ − Rₖ₋₁) · Pₖ` over the distinct score
 * thresholds, highest first (tied scores enter together, so the order of ties does not matter; NaN ranks
 * last). 0 when there are no positives.
 */
export function aucPr(scores: ArrayLike<number>, labels: ArrayLike<boolean>): number {
  assertSameLength(scores, labels);
  const { keys, order } = byScoreDescending(scores);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) positives++;
  if (positives === 0) return 0;
  let tp = 0;
  let seen = 0;
  let ap = 0;
  for (let i = 0; i < order.length; ) {
    const s = keys[order[i]];
    let newTp = 0;
    for (; i < order.length && keys[order[i]] === s; i++) {
      seen++;
      if (labels[order[i]]) newTp++;
    }
    tp += newTp;
    ap += (newTp / positives) * (tp / seen);
  }
  return ap;
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random negative, ties
 * counting one half (Mann–Whitney). 0.5 when either class is empty.
 */
export function aucRoc(scores: ArrayLike<number>, labels: ArrayLike<boolean>): number {
  assertSameLength(scores, labels);
  const { keys, order } = byScoreDescending(scores);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) positives++;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return 0.5;
  let wins = 0;
  let positivesAbove = 0;
  for (let i = 0; i < order.length; ) {
    const s = keys[order[i]];
    let tiedPositives = 0;
    let tiedNegatives = 0;
    for (; i < order.length && keys[order[i]] === s; i++) {
      if (labels[order[i]]) tiedPositives++;
      else tiedNegatives++;
    }
    wins += tiedNegatives * (positivesAbove + tiedPositives / 2);
    positivesAbove += tiedPositives;
  }
  return wins / (positives * negatives);
}

/** Scores with NaN mapped to −∞ (ranked last), and the indices in descending order of them. */
function byScoreDescending(scores: ArrayLike<number>): { keys: Float64Array; order: Int32Array } {
  const keys = new Float64Array(scores.length);
  const order = new Int32Array(scores.length);
  for (let i = 0; i < keys.length; i++) {
    keys[i] = Number.isNaN(scores[i]) ? Number.NEGATIVE_INFINITY : scores[i];
    order[i] = i;
  }
  order.sort((a, b) => (keys[b] > keys[a] ? 1 : keys[b] < keys[a] ? -1 : a - b));
  return { keys, order };
}

function assertSameLength(scores: ArrayLike<number>, labels: ArrayLike<boolean>): void {
  if (scores.length !== labels.length) {
    throw new RangeError(`${scores.length} scores but ${labels.length} labels`);
  }
}
