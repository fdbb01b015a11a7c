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
      for (let t = 0; t < vocabularySize; t++) column[t] = (featureCount[t * classes + c] as number) + alpha
      const logTotal = Math.log(pairwiseSum(column, 0, vocabularySize))
      for (let t = 0; t < vocabularySize; t++) {
        weights[t * classes + c] = Math.log(column[t] as number) - logTotal
      }
    }
  } else {
    // feature_all_ = feature_count_.sum(axis=0): NumPy adds the class rows one after another.
    const featureAll = new Float64Array(vocabularySize)
    for (let t = 0; t < vocabularySize; t++) {
      let sum = 0
      for (let c = 0; c < classes; c++) sum += featureCount[t * classes + c] as number
      featureAll[t] = sum
    }
    for (let c = 0; c < classes; c++) {
      for (let t = 0; t < vocabularySize; t++) {
        column[t] = (featureAll[t] as number) + alpha - (featureCount[t * classes + c] as number)
      }
      const total = pairwiseSum(column, 0, vocabularySize)
      for (let t = 0; t < vocabularySize; t++) column[t] = Math.log((column[t] as number) / total)
      if (params.complementNorm) {
        const summed = pairwiseSum(column, 0, vocabularySize)
        for (let t = 0; t < vocabularySize; t++) weights[t * classes + c] = (column[t] as number) / summed
      } else {
        for (let t = 0; t < vocabularySize; t++) weights[t * classes + c] = -(column[t] as number)
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
    for (let c = 0; c < classes; c++) prior[c] = Math.log(classCount[c] as number) - logTotal
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
    for (let i = 0; i < count; i++) sum += values[offset + i] as number
    return sum
  }
  if (count <= 128) {
    let r0 = values[offset] as number
    let r1 = values[offset + 1] as number
    let r2 = values[offset + 2] as number
    let r3 = values[offset + 3] as number
    let r4 = values[offset + 4] as number
    let r5 = values[offset + 5] as number
    let r6 = values[offset + 6] as number
    let r7 = values[offset + 7] as number
    const blocked = count - (count % 8)
    let i = 8
    for (; i < blocked; i += 8) {
      r0 += values[offset + i] as number
      r1 += values[offset + i + 1] as number
      r2 += values[offset + i + 2] as number
      r3 += values[offset + i + 3] as number
      r4 += values[offset + i + 4] as number
      r5 += values[offset + i + 5] as number
      r6 += values[offset + i + 6] as number
      r7 += values[offset + i + 7] as number
    }
    let sum = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7))
    for (; i < count; i++) sum += values[offset + i] as number
    return sum
  }
  let half = Math.floor(count / 2)
  half -= half % 8
  return pairwiseSum(values, offset, half) + pairwiseSum(values, offset + half, count - half)
}
