/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error below 1e-13). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Two-sided tail probability of a count `x` when `mean` is expected and counts vary with `variance`: a negative
 * binomial (a Poisson when the variance does not exceed the mean), `2 · min(P(X ≤ x), P(X ≥ x))`, capped at 1.
 * Counts are discrete and bounded by zero, so a silence where 25 lines are usual is far rarer than a Gaussian
 * z-score of the same distance says.
 */
export function countTailProbability(x: number, mean: number, variance: number): number {
  const mu = Math.max(mean, 1e-3);
  if (mu > 500) return gaussianTwoSided((Math.abs(x - mu) - 0.5) / Math.sqrt(Math.max(variance, mu)));
  const k = Math.max(0, Math.round(x));
  const negBin = variance > mu * (1 + 1e-9);
  const r = negBin ? (mu * mu) / (variance - mu) : 0;
  const logQ = negBin ? Math.log(r / (r + mu)) : 0;
  const log1mQ = negBin ? Math.log(mu / (r + mu)) : 0;
  const logPmf = (j: number): number =>
    negBin
      ? logGamma(j + r) - logGamma(r) - logGamma(j + 1) + r * logQ + j * log1mQ
      : -mu + j * Math.log(mu) - logGamma(j + 1);
  // Successive terms by their ratio (one logGamma per tail instead of three per term): P(j+1)/P(j) is
  // (j + r)/(j + 1) · (1 − q) for the negative binomial and μ/(j + 1) for the Poisson.
  const oneMinusQ = negBin ? Math.exp(log1mQ) : 0;
  const ratio = (j: number): number => (negBin ? ((j + r) / (j + 1)) * oneMinusQ : mu / (j + 1));
  let tail = 0;
  if (k <= mu) {
    let term = Math.exp(logPmf(0));
    for (let j = 0; j <= k; j++) {
      tail += term;
      term *= ratio(j);
    }
  } else {
    let term = Math.exp(logPmf(k));
    for (let j = k; j < k + 100_000; j++) {
      tail += term;
      if (term === 0 || term < tail * 1e-12) break;
      term *= ratio(j);
    }
  }
  return Math.min(1, 2 * tail);
}

/** Two-sided Gaussian tail probability of a z-score (the large-count limit of {@link countTailProbability}). */
export function gaussianTwoSided(z: number): number {
  return Math.min(1, erfc(Math.max(0, z) / Math.SQRT2));
}

/** Complementary error function (Numerical Recipes' erfcc, relative error below 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851973 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** The z at which {@link gaussianTwoSided} falls to `p` (bisection). */
export function gaussianZForTail(p: number): number {
  let lo = 0;
  let hi = 40;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (gaussianTwoSided(mid) > p) lo = mid;
    else hi = mid;
  }
  return hi;
}
