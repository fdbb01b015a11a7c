/**
 * Fitting: CountVectorizer.fit (vocabulary, min_df/max_df pruning, code-point order) or nothing for
 * the stateless HashingVectorizer, then TfidfTransformer.fit (smoothed idf), then
 * MultinomialNB/ComplementNB.fit on the tf-idf rows.
 */
import { createHash } from 'node:crypto'
import { TopicstreamError } from '../errors.js'
import { isNumericLabelName, labelComparator } from './datasets/labeled.js'
import { HashingVectorizer } from './hashing-vectorizer.js'
import { computeWeights } from './naive-bayes.js'
import { TermIndex } from './term-index.js'
import { TextClassifier, addDocument } from './text-classifier.js'
import { TokenSpans, compareCodePoints, scanText } from './tokenizer.js'
import {
  DEFAULT_TRAINING_PARAMS,
  type LabelType,
  type LabeledDocuments,
  type ModelMetadata,
  type ProgressListener,
  type TrainingParams,
} from './types.js'
import type { TfidfRow } from './tfidf-row.js'
import { SparseVectorizer } from './vectorizer.js'
import { modelFormatVersion } from './model-file.js'
import { validateTrainingParams } from './training-params.js'

export interface TrainingSource {
  readonly source: string
  readonly fingerprint: string
}

const PROGRESS_EVERY = 1000

export function trainClassifier(
  train: LabeledDocuments,
  params: Partial<TrainingParams>,
  source: TrainingSource,
  onProgress?: ProgressListener,
): TextClassifier {
  const settings = validateTrainingParams({ ...DEFAULT_TRAINING_PARAMS, ...params })
  const { classes, targets, labelType } = orderClasses(train)
  const texts = train.texts
  const documents = texts.length

  const features =
    settings.vectorizer === 'hashing'
      ? fitHashingVectorizer(texts, settings, onProgress)
      : fitCountVectorizer(texts, settings, onProgress)
  const { size, vectorizer } = features

  const classCount = new Float64Array(classes.length)
  const featureCount = countTable(size, classes.length, settings)
  for (let d = 0; d < documents; d++) {
    addDocument(vectorizer, texts[d], targets[d], featureCount, classCount)
    if (onProgress && (d + 1) % PROGRESS_EVERY === 0)
      onProgress({ phase: 'fit', done: d + 1, total: documents })
  }
  onProgress?.({ phase: 'fit', done: documents, total: documents })

  const derived = computeWeights(settings, featureCount, classCount, size)
  const metadata: ModelMetadata = Object.freeze({
    formatVersion: modelFormatVersion(settings),
    version: contentVersion(classes, features.terms, derived.weights, derived.classLogPrior),
    classes: Object.freeze(classes),
    // Written only for numeric labels: string-label models keep the metadata they always had.
    ...(labelType === 'number' ? { labelType } : {}),
    vocabularySize: size,
    params: settings,
    dataset: Object.freeze({
      source: source.source,
      fingerprint: source.fingerprint,
      trainDocuments: documents,
      categories: Object.freeze([...classes]),
    }),
    createdAt: new Date().toISOString(),
  })
  return new TextClassifier({
    metadata,
    ...(features.index === undefined ? {} : { index: features.index }),
    idf: features.idf,
    classCount,
    featureCount,
    weights: derived.weights,
    classLogPrior: derived.classLogPrior,
  })
}

/**
 * scikit-learn's classes are numpy.unique of the labels: strings in code-point order, numbers in
 * numeric order (`labelType`). Targets are remapped to that order.
 */
function orderClasses(train: LabeledDocuments): {
  classes: string[]
  targets: Int32Array
  labelType: LabelType
} {
  const given = train.classes
  const labelType = train.labelType ?? 'string'
  if (labelType !== 'string' && labelType !== 'number') {
    throw new TopicstreamError('ERR_TRAINING_INVALID', `Unknown label type "${String(labelType)}"`)
  }
  if (train.targets.length !== train.texts.length) {
    throw new TopicstreamError(
      'ERR_TRAINING_INVALID',
      `${train.texts.length} texts but ${train.targets.length} targets`,
    )
  }
  if (new Set(given).size !== given.length) {
    throw new TopicstreamError('ERR_TRAINING_INVALID', 'Class names must be unique')
  }
  if (labelType === 'number') {
    const bad = given.find((name) => !isNumericLabelName(name))
    if (bad !== undefined) {
      throw new TopicstreamError(
        'ERR_TRAINING_INVALID',
        `Numeric labels need integer class names in their shortest form ("2", "-10"), got "${bad}"`,
        { details: { class: bad } },
      )
    }
  }
  const classes = [...given].sort(labelComparator(labelType))
  const remap = given.map((label) => classes.indexOf(label))
  const targets = new Int32Array(train.targets.length)
  const seen = new Int32Array(classes.length)
  for (let d = 0; d < targets.length; d++) {
    const target = train.targets[d]
    if (!Number.isInteger(target) || target < 0 || target >= given.length) {
      throw new TopicstreamError(
        'ERR_TRAINING_INVALID',
        `Document ${d} has no valid class (target ${target})`,
      )
    }
    if (typeof train.texts[d] !== 'string') {
      throw new TopicstreamError('ERR_TRAINING_INVALID', `Document ${d} is not a string`)
    }
    targets[d] = remap[target]
    seen[targets[d]]++
  }
  const empty = classes.filter((_, c) => seen[c] === 0)
  if (empty.length > 0) {
    throw new TopicstreamError('ERR_TRAINING_INVALID', `No training documents for: ${empty.join(', ')}`, {
      details: { classes: empty },
    })
  }
  if (classes.length < 2) {
    throw new TopicstreamError('ERR_TRAINING_INVALID', 'Training needs at least two classes')
  }
  return { classes, targets, labelType }
}

/** A fitted vectorizer and what the model keeps of it. */
interface FittedVectorizer {
  /** Columns: vocabulary terms, or `nFeatures` when hashing. */
  readonly size: number
  /** The vocabulary's lookup table; none when hashing. */
  readonly index?: TermIndex
  /** The vocabulary (empty when hashing), for the content version. */
  readonly terms: readonly string[]
  readonly idf: Float64Array
  /** Turns the training texts into tf-idf rows for the classifier's counts. */
  readonly vectorizer: TfidfRow
}

function fitCountVectorizer(
  texts: readonly string[],
  params: TrainingParams,
  onProgress?: ProgressListener,
): FittedVectorizer {
  const vocabulary = buildVocabulary(texts, params, onProgress)
  const index = TermIndex.build(vocabulary.terms)
  const idf = inverseDocumentFrequency(vocabulary.df, texts.length, params.smoothIdf)
  const vectorizer = new SparseVectorizer(index, idf, params)
  return { size: vocabulary.terms.length, index, terms: vocabulary.terms, idf, vectorizer }
}

/**
 * HashingVectorizer learns nothing; TfidfTransformer.fit counts the documents each column appears
 * in (columns no training text reaches get the largest idf, as in scikit-learn).
 */
function fitHashingVectorizer(
  texts: readonly string[],
  params: TrainingParams,
  onProgress?: ProgressListener,
): FittedVectorizer {
  const size = params.nFeatures
  const df = new Int32Array(size)
  const counter = new HashingVectorizer(size, new Float64Array(0), {
    ngramRange: params.ngramRange,
    useIdf: false,
    sublinearTf: false,
    norm: 'none',
  })
  for (let d = 0; d < texts.length; d++) {
    const n = counter.transform(texts[d])
    const ids = counter.ids
    for (let k = 0; k < n; k++) df[ids[k]]++
    if (onProgress && (d + 1) % PROGRESS_EVERY === 0) {
      onProgress({ phase: 'idf', done: d + 1, total: texts.length })
    }
  }
  onProgress?.({ phase: 'idf', done: texts.length, total: texts.length })
  const idf = inverseDocumentFrequency(df, texts.length, params.smoothIdf)
  return { size, terms: [], idf, vectorizer: new HashingVectorizer(size, idf, params) }
}

/**
 * The zeroed feature counts (`size × classes`), or ERR_TRAINING_INVALID saying how much memory a
 * too large `nFeatures` asked for, rather than a bare RangeError.
 */
function countTable(size: number, classes: number, params: TrainingParams): Float64Array {
  try {
    return new Float64Array(size * classes)
  } catch (error) {
    if (!(error instanceof RangeError)) throw error
    const gigabytes = ((size * classes * 8) / 2 ** 30).toFixed(1)
    throw new TopicstreamError(
      'ERR_TRAINING_INVALID',
      `${size} columns × ${classes} classes need ${gigabytes} GiB for the feature counts (and as much for the weights); use a smaller nFeatures`,
      { cause: error, details: { nFeatures: params.nFeatures, classes } },
    )
  }
}

interface Vocabulary {
  readonly terms: string[]
  /** Document frequency of each kept term. */
  readonly df: Int32Array
}

function buildVocabulary(
  texts: readonly string[],
  params: TrainingParams,
  onProgress?: ProgressListener,
): Vocabulary {
  const ids = new Map<string, number>()
  let df: Int32Array = new Int32Array(1024)
  let lastDocument: Int32Array = new Int32Array(1024).fill(-1)
  const spans = new TokenSpans()
  const [minN, maxN] = params.ngramRange
  const seeTerm = (term: string, d: number): void => {
    let id = ids.get(term)
    if (id === undefined) {
      id = ids.size
      ids.set(term, id)
      if (id === df.length) {
        df = grow(df, 0)
        lastDocument = grow(lastDocument, -1)
      }
    }
    if (lastDocument[id] !== d) {
      lastDocument[id] = d
      df[id]++
    }
  }
  for (let d = 0; d < texts.length; d++) {
    const lowered = scanText(texts[d], spans)
    const tokens: string[] = new Array(spans.count)
    for (let k = 0; k < spans.count; k++) tokens[k] = lowered.slice(spans.starts[k], spans.ends[k])
    if (minN === 1) for (const token of tokens) seeTerm(token, d)
    if (maxN === 2) for (let k = 0; k + 1 < tokens.length; k++) seeTerm(`${tokens[k]} ${tokens[k + 1]}`, d)
    if (onProgress && (d + 1) % PROGRESS_EVERY === 0) {
      onProgress({ phase: 'vocabulary', done: d + 1, total: texts.length })
    }
  }
  onProgress?.({ phase: 'vocabulary', done: texts.length, total: texts.length })
  if (ids.size === 0) {
    throw new TopicstreamError(
      'ERR_TRAINING_INVALID',
      'Empty vocabulary: the training texts contain no words of two or more letters or digits',
    )
  }
  // CountVectorizer: an integral min_df/max_df is a document count, a float a proportion.
  const n = texts.length
  const maxCount = params.maxDf <= 1 ? params.maxDf * n : params.maxDf
  const minCount = params.minDf >= 1 ? params.minDf : params.minDf * n
  if (maxCount < minCount) {
    throw new TopicstreamError('ERR_TRAINING_INVALID', 'maxDf corresponds to fewer documents than minDf', {
      details: { minDf: params.minDf, maxDf: params.maxDf, documents: n },
    })
  }
  const kept: string[] = []
  for (const [term, id] of ids) {
    const count = df[id]
    if (count <= maxCount && count >= minCount) kept.push(term)
  }
  if (kept.length === 0) {
    throw new TopicstreamError(
      'ERR_TRAINING_INVALID',
      'After pruning, no terms remain. Try a lower minDf or a higher maxDf.',
      { details: { minDf: params.minDf, maxDf: params.maxDf, documents: n } },
    )
  }
  kept.sort(compareCodePoints)
  const keptDf = new Int32Array(kept.length)
  for (let t = 0; t < kept.length; t++) keptDf[t] = df[ids.get(kept[t]) as number]
  return { terms: kept, df: keptDf }
}

function grow(array: Int32Array, fill: number): Int32Array {
  const bigger = new Int32Array(array.length * 2).fill(fill)
  bigger.set(array)
  return bigger
}

/** TfidfTransformer.fit: `idf = ln((1 + n) / (1 + df)) + 1` (without the ones when not smoothing). */
export function inverseDocumentFrequency(df: Int32Array, documents: number, smooth: boolean): Float64Array {
  const extra = smooth ? 1 : 0
  const idf = new Float64Array(df.length)
  for (let t = 0; t < df.length; t++) idf[t] = Math.log((documents + extra) / (df[t] + extra)) + 1
  return idf
}

/** A short hash of what decides predictions; it changes whenever the weights change. */
export function contentVersion(
  classes: readonly string[],
  terms: readonly string[],
  weights: Float64Array,
  prior: Float64Array,
): string {
  return createHash('sha256')
    .update(JSON.stringify(classes))
    .update(terms.join('\n'))
    .update(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength))
    .update(new Uint8Array(prior.buffer, prior.byteOffset, prior.byteLength))
    .digest('hex')
    .slice(0, 16)
}
