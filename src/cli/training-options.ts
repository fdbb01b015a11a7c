/** Command-line options that map onto `TrainingParams`, shared by `train` and `tokenize`. */
import type { OptionSpecs, Options } from '../config.js'
import type { TrainingParams } from '../engine/index.js'
import { DEFAULT_TRAINING_PARAMS } from '../engine/index.js'
import { TopicstreamError } from '../errors.js'

export const TRAINING_SPECS = {
  algorithm: {
    kind: 'string',
    choices: ['multinomial', 'complement'],
    default: DEFAULT_TRAINING_PARAMS.algorithm,
    description: 'Naive Bayes variant (scikit-learn MultinomialNB or ComplementNB)',
  },
  alpha: {
    kind: 'number',
    min: 0,
    default: DEFAULT_TRAINING_PARAMS.alpha,
    description: 'Additive smoothing',
  },
  fitPrior: {
    kind: 'boolean',
    default: DEFAULT_TRAINING_PARAMS.fitPrior,
    description: 'Learn class priors; --no-fit-prior uses uniform priors',
  },
  complementNorm: {
    kind: 'boolean',
    default: DEFAULT_TRAINING_PARAMS.complementNorm,
    description: 'ComplementNB norm=True: normalise the weights a second time',
  },
  idf: {
    kind: 'boolean',
    default: DEFAULT_TRAINING_PARAMS.useIdf,
    description: 'Weight terms by inverse document frequency; --no-idf keeps plain term frequencies',
  },
  norm: {
    kind: 'string',
    choices: ['l2', 'none'],
    default: DEFAULT_TRAINING_PARAMS.norm,
    description: 'Normalisation of each document vector',
  },
  sublinearTf: {
    kind: 'boolean',
    default: DEFAULT_TRAINING_PARAMS.sublinearTf,
    description: 'Replace term frequency tf with 1 + ln(tf)',
  },
  ngram: {
    kind: 'list',
    default: DEFAULT_TRAINING_PARAMS.ngramRange.map(String),
    description: 'n-gram range: 1,1 (words) or 1,2 (words and pairs)',
  },
  minDf: {
    kind: 'number',
    min: 0,
    default: DEFAULT_TRAINING_PARAMS.minDf,
    description: 'Ignore terms in fewer documents than this (a count, or a proportion below 1)',
  },
  maxDf: {
    kind: 'number',
    min: 0,
    default: DEFAULT_TRAINING_PARAMS.maxDf,
    description: 'Ignore terms in more documents than this (a proportion up to 1, or a count above 1)',
  },
} as const satisfies OptionSpecs

export function parseNgramRange(values: readonly string[]): TrainingParams['ngramRange'] {
  const range = values.join(',')
  if (range === '1,1' || range === '1') return [1, 1]
  if (range === '1,2') return [1, 2]
  throw new TopicstreamError('ERR_CONFIG_INVALID', `--ngram: expected 1,1 or 1,2, got "${range}"`, {
    details: { option: '--ngram', value: range },
  })
}

export function toTrainingParams(options: Options<typeof TRAINING_SPECS>): TrainingParams {
  return {
    ...DEFAULT_TRAINING_PARAMS,
    algorithm: options.algorithm as TrainingParams['algorithm'],
    alpha: options.alpha,
    fitPrior: options.fitPrior,
    complementNorm: options.complementNorm,
    useIdf: options.idf,
    norm: options.norm as TrainingParams['norm'],
    sublinearTf: options.sublinearTf,
    ngramRange: parseNgramRange(options.ngram),
    minDf: options.minDf,
    maxDf: options.maxDf,
  }
}
