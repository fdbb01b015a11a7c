/**
 * Distances between two distributions over the same classes, and quantiles of a histogram: the
 * arithmetic of the stream statistics, on plain arrays.
 */
import { TopicstreamError } from '../errors.js'

/** What `psi` adds to every share, so that a class never predicted does not make it infinite. */
export const PSI_EPSILON = 1e-4

/** The sum of `weights`, and null when it is not positive (nothing to make a distribution of). */
function totalOf(weights: ArrayLike<number>): number | null {
  let total = 0
  for (let i = 0; i < weights.length; i++) total += weights[i]
  return total > 0 ? total : null
}

function sameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) {
    throw new TopicstreamError('ERR_INTERNAL', `Distributions of ${a.length} and ${b.length} classes`)
  }
}

/**
 * Population stability index of `observed` against `expected`: Σ (p − q) · ln(p / q). Both are
 * weights in the same class order (counts or shares), normalised here, then smoothed by `epsilon`
 * so that a class with no weight does not make the index infinite: p′ = (p + ε) / (1 + kε) over k
 * classes, and q′ the same. The usual reading: below 0.1 stable, 0.1 to 0.25 a moderate shift, above
 * 0.25 a large one. Null when either has no weight.
 */
export function psi(
  observed: ArrayLike<number>,
  expected: ArrayLike<number>,
  epsilon = PSI_EPSILON,
): number | null {
  sameLength(observed, expected)
  const observedTotal = totalOf(observed)
  const expectedTotal = totalOf(expected)
  if (observedTotal === null || expectedTotal === null) return null
  const norm = 1 + observed.length * epsilon
  let index = 0
  for (let i = 0; i < observed.length; i++) {
    const p = (observed[i] / observedTotal + epsilon) / norm
    const q = (expected[i] / expectedTotal + epsilon) / norm
    // With epsilon 0, a class absent from both adds nothing (its limit), not NaN.
    if (p !== q) index += (p - q) * Math.log(p / q)
  }
  return index
}

/**
 * Jensen–Shannon divergence of two distributions given as weights in the same class order
 * (normalised here), base 2: ½ KL(P ‖ M) + ½ KL(Q ‖ M) with M = (P + Q) / 2, in [0, 1]: 0 for the
 * same distribution, 1 for two with no class in common. Finite without smoothing. Null when either
 * has no weight.
 */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>): number | null {
  sameLength(p, q)
  const pTotal = totalOf(p)
  const qTotal = totalOf(q)
  if (pTotal === null || qTotal === null) return null
  let divergence = 0
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] / pTotal
    const qi = q[i] / qTotal
    const m = (pi + qi) / 2
    if (pi > 0) divergence += pi * Math.log2(pi / m)
    if (qi > 0) divergence += qi * Math.log2(qi / m)
  }
  // Rounding can leave it a hair outside [0, 1].
  return Math.min(1, Math.max(0, divergence / 2))
}

/**
 * The `q` quantile (0 ≤ q ≤ 1) of values in [0, 1] counted in a histogram of equal bins over [0, 1]
 * (bin k holds [k / n, (k + 1) / n)). The values are taken as spread evenly within their bin, so the
 * result is interpolated linearly inside the bin that holds rank q × total: exact to one bin's width
 * (0.01 for `CONFIDENCE_BINS`). q = 0 gives the lower edge of the first non-empty bin, q = 1 the
 * upper edge of the last. Null for an empty histogram.
 */
export function histogramQuantile(histogram: ArrayLike<number>, q: number): number | null {
  const total = totalOf(histogram)
  if (total === null) return null
  const rank = Math.min(1, Math.max(0, q)) * total
  const bins = histogram.length
  let before = 0
  for (let k = 0; k < bins; k++) {
    const count = histogram[k]
    if (count === 0) continue
    if (before + count >= rank) return (k + (rank - before) / count) / bins
    before += count
  }
  // Only reached when rounding leaves the running sum below the total.
  let last = bins - 1
  while (histogram[last] === 0) last--
  return (last + 1) / bins
}
