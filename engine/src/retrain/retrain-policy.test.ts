import { describe, expect, it } from 'vitest';
import { scoreFromTailProbability } from '../model/score.js';
import { createRng } from '../random/rng.js';
import { type ModelStats, retrainReason } from './retrain-policy.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 5, 1);

/** Scores of a calibrated model on normal data: the tail probability is uniform. */
function scores(n: number, seed: number, shift = 1): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => scoreFromTailProbability((1 - rng.next()) ** shift));
}

function stable(over: Partial<ModelStats> = {}): ModelStats {
  return {
    fittedAt: NOW - 2 * HOUR,
    anomaliesSinceFit: 12,
    referenceScores: scores(500, 1),
    recentScores: scores(500, 2),
    ...over,
  };
}

describe('retrainReason', () => {
  it('keeps a stable model and says what it checked', () => {
    const d = retrainReason(stable(), NOW);
    expect(d).toMatchObject({ retrain: false, reason: null });
    expect(d.detail).toMatch(/^12 anomalies since the fit, PSI of score 0(\.\d+)?, model 2 h old$/);
  });

  it('retrains a model older than the interval', () => {
    const d = retrainReason(stable({ fittedAt: NOW - 25 * HOUR }), NOW);
    expect(d).toEqual({ retrain: true, reason: 'interval', detail: 'model is 25 h old >= 24 h' });
    expect(retrainReason(stable({ fittedAt: NOW - 25 * HOUR }), NOW, { intervalMs: Infinity }).retrain).toBe(
      false,
    );
  });

  it('retrains after more anomalies than allowed since the fit', () => {
    expect(retrainReason(stable({ anomaliesSinceFit: 500 }), NOW).retrain).toBe(false);
    const d = retrainReason(stable({ anomaliesSinceFit: 501 }), NOW);
    expect(d).toEqual({
      retrain: true,
      reason: 'anomaly_count',
      detail: '501 anomalies since the fit > 500',
    });
  });

  it('retrains when the scores drift', () => {
    // p**4: the model finds everything rarer than at the fit.
    const d = retrainReason(stable({ recentScores: scores(500, 2, 4) }), NOW);
    expect(d.reason).toBe('drift');
    expect(d.detail).toMatch(/^PSI of score \d+\.\d+ > 0\.25$/);
    expect(Number(d.detail.split(' ')[3])).toBeGreaterThan(0.25);
  });

  it('retrains when a feature drifts while the scores do not', () => {
    const rng = createRng(3);
    const rate = (n: number, level: number) => Array.from({ length: n }, () => level + rng.next());
    const d = retrainReason(
      stable({
        referenceFeatures: { rate: rate(400, 10), latency: rate(400, 5) },
        recentFeatures: { rate: rate(400, 10.6), latency: rate(400, 5) },
      }),
      NOW,
    );
    expect(d.reason).toBe('drift');
    expect(d.detail).toMatch(/^PSI of feature rate \d+\.\d+ > 0\.25$/);
  });

  it('does not judge drift on fewer than minSamples values', () => {
    const drifted = stable({ recentScores: scores(150, 2, 4) });
    expect(retrainReason(drifted, NOW).retrain).toBe(false);
    expect(retrainReason(drifted, NOW).detail).toContain('too few samples for drift (< 200)');
    expect(retrainReason(drifted, NOW, { minSamples: 100 }).reason).toBe('drift');
  });

  it('honours "not an anomaly" feedback: suppressed points are left out by the caller', () => {
    // A nightly batch job appears after the fit: 300 of 800 recent points score high, 300 anomalies reported.
    const normal = scores(500, 2);
    const batch = new Array<number>(300).fill(0.8);
    const recent = [...normal.slice(0, 250), ...batch, ...normal.slice(250)];
    const suppressed = recent.map((_, i) => i >= 250 && i < 550);
    const raw = stable({ recentScores: recent, anomaliesSinceFit: 312 });
    expect(retrainReason(raw, NOW, { maxAnomaliesSinceFit: 200 }).reason).toBe('anomaly_count');
    expect(retrainReason(raw, NOW).reason).toBe('drift');

    // The user marked the batch job "not an anomaly": its points and anomalies no longer count.
    const honoured = stable({ recentScores: recent.filter((_, i) => !suppressed[i]), anomaliesSinceFit: 12 });
    expect(retrainReason(honoured, NOW, { maxAnomaliesSinceFit: 200 })).toMatchObject({ retrain: false });
  });
});
