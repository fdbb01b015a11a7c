import { TopicstreamError } from '../errors.js'
import type { TrainingParams } from './types.js'

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
