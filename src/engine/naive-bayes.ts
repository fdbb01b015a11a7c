/**
 * MultinomialNB and ComplementNB weights from their sufficient statistics, computed the way
 * scikit-learn computes them (same operation order, NumPy's pairwise summation), so the results
 * agree to the last bit or nearly so. Arrays are term-major: entry `[t * C + c]`.
 */
import type { TrainingParams } from './types.js'

export interface NaiveBayesWeights {
  /** `feature_log_prob_`, term-major (V × C). */
  readonly weights: Float64Array
  /** `class_log_prior_`. */
  readonly classLogPrior: Float64Array
  /** Whether the prior is added to the joint log-likelihood (ComplementNB only with one class). */
  readonly usePrior: boolean
}

type WeightParams = Pick<TrainingParams, 'algorithm' | 'alpha' | 'fitPrior' | 'complementNorm'>

export function computeWeights(
  params: WeightParams,
  featureCount: Float64Array,
  classCount: Float64Array,
  vocabularySize: number,
): NaiveBayesWeights {
  const classes = classCount.length
  const weights = new Float64Array(vocabularySize * classes)
  const column = new Float64Array(vocabularySize)
  const alpha = params.alpha
  if (params.algorithm === 'multinomial') {
    for (let c = 0; c < classes; c++) {
      for (let t = 0; t < vocabularySize; t++) column[t] = featureCount[t * classes + c] + alpha
      const logTotal = Math.log(pairwiseSum(column, 0, vocabularySize))
      for (let t = 0; t < vocabularySize; t++) {
        weights[t * classes + c] = Math.log(column[t]) - logTotal
      }
    }
  } else {
    // feature_all_ = feature_count_.sum(axis=0): NumPy adds the class rows one after another.
    const featureAll = new Float64Array(vocabularySize)
    for (let t = 0; t < vocabularySize; t++) {
      let sum = 0
      for (let c = 0; c < classes; c++) sum += featureCount[t * classes + c]
      featureAll[t] = sum
    }
    for (let c = 0; c < classes; c++) {
      for (let t = 0; t < vocabularySize; t++) {
        column[t] = featureAll[t] + alpha - featureCount[t * classes + c]
      }
      const total = pairwiseSum(column, 0, vocabularySize)
      for (let t = 0; t < vocabularySize; t++) column[t] = Math.log(column[t] / total)
      if (params.complementNorm) {
        const summed = pairwiseSum(column, 0, vocabularySize)
        for (let t = 0; t < vocabularySize; t++) weights[t * classes + c] = column[t] / summed
      } else {
        for (let t = 0; t < vocabularySize; t++) weights[t * classes + c] = -column[t]
      }
    }
  }
  return {
    weights,
    classLogPrior: classLogPrior(params.fitPrior, classCount),
    usePrior: usesPrior(params.algorithm, classes),
  }
}

/** ComplementNB's joint likelihood ignores the prior, except with a single class (as scikit-learn). */
export function usesPrior(algorithm: TrainingParams['algorithm'], classes: number): boolean {
  return algorithm === 'multinomial' || classes === 1
}

function classLogPrior(fitPrior: boolean, classCount: Float64Array): Float64Array {
  const classes = classCount.length
  const prior = new Float64Array(classes)
  if (fitPrior) {
    const logTotal = Math.log(pairwiseSum(classCount, 0, classes))
    for (let c = 0; c < classes; c++) prior[c] = Math.log(classCount[c]) - logTotal
  } else {
    prior.fill(-Math.log(classes))
  }
  return prior
}

/**
 * NumPy's `pairwise_sum` for float64 (what `ndarray.sum` uses along a contiguous axis): blocks of up
 * to 128 values summed with eight accumulators, larger runs split in halves.
 */
export function pairwiseSum(values: Float64Array, offset: number, count: number): number {
  if (count < 8) {
    let sum = 0
    for (let i = 0; i < count; i++) sum += values[offset + i]
    return sum
  }
  if (count <= 128) {
    let r0 = values[offset]
    let r1 = values[offset + 1]
    let r2 = values[offset + 2]
    let r3 = values[offset + 3]
    let r4 = values[offset + 4]
    let r5 = values[offset + 5]
    let r6 = values[offset + 6]
    let r7 = values[offset + 7]
    const blocked = count - (count % 8)
    let i = 8
    for (; i < blocked; i += 8) {
      r0 += values[offset + i]
      r1 += values[offset + i + 1]
      r2 += values[offset + i + 2]
      r3 += values[offset + i + 3]
      r4 += values[offset + i + 4]
      r5 += values[offset + i + 5]
      r6 += values[offset + i + 6]
      r7 += values[offset + i + 7]
    }
    let sum = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7))
    for (; i < count; i++) sum += values[offset + i]
    return sum
  }
  let half = Math.floor(count / 2)
  half -= half % 8
  return pairwiseSum(values, offset, half) + pairwiseSum(values, offset + half, count - half)
}
