/** Command-line options that map onto `TrainingParams`, shared by `train` and `tokenize`. */
import { flagName, type OptionSpecs, type Options } from '../config.js'
import type { TrainingParams } from '../engine/index.js'
import { DEFAULT_TRAINING_PARAMS, MAX_N_FEATURES } from '../engine/index.js'
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
  vectorizer: {
    kind: 'string',
    choices: ['count', 'hashing'],
    default: DEFAULT_TRAINING_PARAMS.vectorizer,
    description:
      'count: a vocabulary learnt from the training texts; hashing: no vocabulary, every term hashed into --n-features columns, so words first seen in later updates count',
  },
  nFeatures: {
    kind: 'integer',
    min: 1,
    max: MAX_N_FEATURES,
    default: DEFAULT_TRAINING_PARAMS.nFeatures,
    description:
      'Columns of --vectorizer hashing; the counts and the weights take n-features × classes × 8 bytes each',
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
  checkVectorizerOptions(options)
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
    vectorizer: options.vectorizer as TrainingParams['vectorizer'],
    nFeatures: options.nFeatures,
  }
}

/** Options that only one vectorizer has are refused with the other, rather than ignored. */
function checkVectorizerOptions(options: Options<typeof TRAINING_SPECS>): void {
  const hashing = options.vectorizer === 'hashing'
  const misplaced = hashing
    ? (['minDf', 'maxDf'] as const).filter((key) => options[key] !== DEFAULT_TRAINING_PARAMS[key])
    : options.nFeatures !== DEFAULT_TRAINING_PARAMS.nFeatures
      ? (['nFeatures'] as const)
      : []
  if (misplaced.length === 0) return
  const flags = misplaced.map((key) => `--${flagName(key)}`)
  throw new TopicstreamError(
    'ERR_CONFIG_INVALID',
    hashing
      ? `${flags.join(' and ')} ${flags.length > 1 ? 'prune' : 'prunes'} a vocabulary, and --vectorizer hashing has none: drop ${flags.length > 1 ? 'them' : 'it'} or use --vectorizer count`
      : `--n-features sets the columns of --vectorizer hashing; add --vectorizer hashing or drop --n-features`,
    { details: { options: flags, vectorizer: options.vectorizer } },
  )
}
