import { TopicstreamError } from '../errors.js'
import type { TrainingParams } from './types.js'

/** HashingVectorizer's upper bound for `n_features`: numpy's int32 maximum. */
export const MAX_N_FEATURES = 2 ** 31 - 1

/** Checks a full parameter set once, before any work; returns it frozen. */
export function validateTrainingParams(params: TrainingParams): TrainingParams {
  const problems: string[] = []
  if (params.algorithm !== 'multinomial' && params.algorithm !== 'complement') {
    problems.push(`algorithm must be "multinomial" or "complement", got ${String(params.algorithm)}`)
  }
  if (!(typeof params.alpha === 'number' && Number.isFinite(params.alpha) && params.alpha > 0)) {
    problems.push(`alpha must be a positive number, got ${String(params.alpha)}`)
  }
  for (const key of ['fitPrior', 'complementNorm', 'useIdf', 'sublinearTf', 'smoothIdf'] as const) {
    if (typeof params[key] !== 'boolean') problems.push(`${key} must be true or false`)
  }
  if (params.norm !== 'l2' && params.norm !== 'none') problems.push(`norm must be "l2" or "none"`)
  const [minN, maxN] = Array.isArray(params.ngramRange) ? params.ngramRange : [0, 0]
  if (minN !== 1 || (maxN !== 1 && maxN !== 2)) problems.push('ngramRange must be [1, 1] or [1, 2]')
  if (!(Number.isFinite(params.minDf) && params.minDf > 0)) {
    problems.push('minDf must be a count ≥ 1 or a proportion in (0, 1)')
  } else if (params.minDf > 1 && !Number.isInteger(params.minDf)) {
    problems.push('minDf above 1 must be a whole number of documents')
  }
  if (!(Number.isFinite(params.maxDf) && params.maxDf > 0)) {
    problems.push('maxDf must be a proportion in (0, 1] or a count > 1')
  } else if (params.maxDf > 1 && !Number.isInteger(params.maxDf)) {
    problems.push('maxDf above 1 must be a whole number of documents')
  }
  if (params.vectorizer !== 'count' && params.vectorizer !== 'hashing') {
    problems.push(`vectorizer must be "count" or "hashing", got ${String(params.vectorizer)}`)
  }
  // scikit-learn's bounds for n_features (a 32-bit column index).
  if (!(Number.isInteger(params.nFeatures) && params.nFeatures >= 1 && params.nFeatures <= MAX_N_FEATURES)) {
    problems.push(`nFeatures must be a whole number from 1 to ${MAX_N_FEATURES}`)
  }
  // Document frequencies prune a vocabulary; a hashing model has none to prune.
  if (params.vectorizer === 'hashing' && (params.minDf !== 1 || params.maxDf !== 1)) {
    problems.push('minDf and maxDf apply to the count vectorizer only: hashing keeps every term')
  }
  if (problems.length > 0) {
    throw new TopicstreamError(
      'ERR_TRAINING_INVALID',
      `Invalid training parameters: ${problems.join('; ')}`,
      {
        details: { problems },
      },
    )
  }
  return Object.freeze({ ...params, ngramRange: Object.freeze([1, maxN]) as TrainingParams['ngramRange'] })
}
