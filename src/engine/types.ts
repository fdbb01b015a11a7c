/**
 * The engine's public shapes. `Classification` is exactly what REST returns, what the gRPC
 * `ClassifyResponse` carries and what the Kafka bridge writes (plus transport envelope fields).
 */

export interface LabelProbability {
  readonly label: string
  readonly probability: number
}

export interface TermWeight {
  /** The vocabulary term (a token, or two tokens joined by one space for bigrams). */
  readonly term: string
  /** How much this term raised the winning class's score over the runner-up's (log-probability units). */
  readonly weight: number
}

export interface Classification {
  /** The most probable class; null when the model abstained. */
  readonly label: string | null
  /** Posterior probability of the most probable class (`top_k[0]`), abstained or not. */
  readonly confidence: number
  /** True when `confidence` is under the `minConfidence` asked for: the top-k stand, the label does not. */
  readonly abstained: boolean
  /** The `k` most probable classes, most probable first. */
  readonly top_k: readonly LabelProbability[]
  /** Present only when an explanation was asked for. */
  readonly explanation?: readonly TermWeight[]
}

export interface ClassifyOptions {
  /** How many classes to return in `top_k` (default 3, capped at the number of classes). */
  readonly topK?: number
  /** Add the terms that pushed the text toward the winning class (default false). */
  readonly explain?: boolean
  /** How many explanation terms at most (default 10). */
  readonly explainTerms?: number
  /** Abstain (label null) when the top probability is under this; default 0, never abstain. */
  readonly minConfidence?: number
}

/** What the tokens of the last classified text were, for stream-health statistics. */
export interface TextCoverage {
  /** Tokens in the text. */
  readonly tokens: number
  /** Of those, tokens the model knows (in its vocabulary; every token for a hashing model). */
  readonly knownTokens: number
}

export type Algorithm = 'multinomial' | 'complement'

/**
 * How texts become columns: `count` learns a vocabulary from the training texts (CountVectorizer);
 * `hashing` has none and hashes every term into one of `nFeatures` columns (HashingVectorizer with
 * `alternate_sign=False, norm=None`), so terms first seen after training still count.
 */
export type VectorizerKind = 'count' | 'hashing'

/** Everything that decides the model's math; mirrors scikit-learn's parameter names where they exist. */
export interface TrainingParams {
  readonly algorithm: Algorithm
  /** Additive smoothing. scikit-learn default 1.0. */
  readonly alpha: number
  /** MultinomialNB: learn class priors (true) or use uniform priors. */
  readonly fitPrior: boolean
  /** ComplementNB `norm`: second normalisation of the weights. */
  readonly complementNorm: boolean
  /** TfidfTransformer `use_idf`. */
  readonly useIdf: boolean
  /** TfidfTransformer `norm`: 'l2' or 'none'. */
  readonly norm: 'l2' | 'none'
  /** TfidfTransformer `sublinear_tf`: replace tf with 1 + ln(tf). */
  readonly sublinearTf: boolean
  /** TfidfTransformer `smooth_idf` (always true, like scikit-learn's default). */
  readonly smoothIdf: boolean
  /** CountVectorizer `ngram_range`. */
  readonly ngramRange: readonly [1, 1] | readonly [1, 2]
  /** CountVectorizer `min_df`: an absolute document count (integer ≥ 1) or a proportion in (0, 1). */
  readonly minDf: number
  /** CountVectorizer `max_df`: a proportion in (0, 1], or an absolute count when > 1 and integral. */
  readonly maxDf: number
  /** The vectorizer; `minDf`/`maxDf` need a vocabulary, so `hashing` takes only their defaults. */
  readonly vectorizer: VectorizerKind
  /**
   * HashingVectorizer `n_features`: the columns of a `hashing` model (ignored by `count`). Memory
   * grows with it: the feature counts and the weights take `nFeatures × classes × 8` bytes each.
   */
  readonly nFeatures: number
}

export const DEFAULT_TRAINING_PARAMS: TrainingParams = Object.freeze({
  algorithm: 'multinomial',
  alpha: 1,
  fitPrior: true,
  complementNorm: false,
  useIdf: true,
  norm: 'l2',
  sublinearTf: false,
  smoothIdf: true,
  ngramRange: [1, 1] as const,
  minDf: 1,
  maxDf: 1,
  vectorizer: 'count',
  nFeatures: 2 ** 18,
})

/**
 * What the labels of a dataset were, which decides the class order (numpy.unique's): `string`
 * labels sort by code point ("10" before "9"), `number` labels (integers) numerically (9 before
 * 10). Class names are strings either way; a number's name is its shortest JSON form ("2", never
 * "2.0").
 */
export type LabelType = 'string' | 'number'

/** A labelled corpus as the loaders return it. */
export interface LabeledDocuments {
  readonly texts: readonly string[]
  /** Index into `classes` for each text. */
  readonly targets: Int32Array | readonly number[]
  /** Sorted class names. */
  readonly classes: readonly string[]
  /** How the classes are ordered; absent means `string`. */
  readonly labelType?: LabelType
}

export interface Dataset {
  /** e.g. `20news:/path/20news-bydate.tar.gz` */
  readonly source: string
  readonly train: LabeledDocuments
  /** Present when the dataset has a held-out split (20 Newsgroups bydate). */
  readonly test?: LabeledDocuments
  /** sha256 of the source bytes, hex. */
  readonly fingerprint: string
}

export interface ModelMetadata {
  readonly formatVersion: number
  /** Short content hash: changes whenever the weights change. */
  readonly version: string
  /** The classes in numpy.unique's order; `partialFit` inserts the labels it had not seen. */
  readonly classes: readonly string[]
  /**
   * `number` when the model was trained on numeric labels (its classes are then in numeric order);
   * absent for string labels, and in files written before numeric labels existed.
   */
  readonly labelType?: LabelType
  /** Terms of the vocabulary; for a `hashing` model, its columns (`params.nFeatures`). */
  readonly vocabularySize: number
  readonly params: TrainingParams
  readonly dataset: {
    readonly source: string
    readonly fingerprint: string
    readonly trainDocuments: number
    readonly categories: readonly string[]
  }
  readonly testAccuracy?: number
  /** How the model did on its held-out split: what stream health compares the stream with. */
  readonly reference?: StreamReference
  readonly createdAt: string
}

/** Confidence bands of a StreamReference's calibration: 0–0.05, 0.05–0.1, … 0.95–1. */
export const CALIBRATION_BANDS = 20

/**
 * The model's own behaviour on labelled documents it was not trained on. Streams are compared with
 * it: a stream like the held-out split has the same predicted mix, and its accuracy can be read off
 * the calibration (confidence-based performance estimation).
 */
export interface StreamReference {
  readonly documents: number
  /** Share of the documents predicted as each class, in the model's class order. */
  readonly predictedMix: readonly number[]
  /** Accuracy of the documents per confidence band (CALIBRATION_BANDS); null where none fell. */
  readonly calibration: readonly (number | null)[]
}

/** Progress reports from long work (training, loading, downloading). */
export interface Progress {
  readonly phase: string
  readonly done: number
  readonly total?: number
}

export type ProgressListener = (progress: Progress) => void
