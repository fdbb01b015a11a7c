/**
 * Classification metrics, computed like scikit-learn's `accuracy_score`, `confusion_matrix` and
 * `precision_recall_fscore_support` (zero_division=0), so figures can be compared one to one.
 */
import { TopicstreamError } from '../../errors.js'
import {
  CALIBRATION_BANDS,
  type LabeledDocuments,
  type ProgressListener,
  type StreamReference,
} from '../types.js'

export interface ClassMetrics {
  readonly label: string
  readonly precision: number
  readonly recall: number
  readonly f1: number
  /** Number of documents whose true class is `label`. */
  readonly support: number
}

export interface Evaluation {
  readonly documents: number
  readonly accuracy: number
  /** Unweighted mean of the per-class F1 (`f1_score(average='macro')`). */
  readonly macroF1: number
  /** Support-weighted mean of the per-class F1 (`f1_score(average='weighted')`). */
  readonly weightedF1: number
  readonly perClass: readonly ClassMetrics[]
  /** `confusion[true][predicted]`, classes in `perClass` order. */
  readonly confusion: readonly (readonly number[])[]
}

/** `truth` and `predicted` hold indices into `classes`. */
export function evaluatePredictions(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classes: readonly string[],
): Evaluation {
  if (truth.length !== predicted.length) {
    throw new TopicstreamError(
      'ERR_INTERNAL',
      `${truth.length} true labels but ${predicted.length} predictions`,
    )
  }
  const n = classes.length
  const confusion = Array.from({ length: n }, () => new Array<number>(n).fill(0))
  let correct = 0
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]
    const p = predicted[i]
    const row = confusion[t]
    if (row === undefined || p < 0 || p >= n) {
      throw new TopicstreamError('ERR_INTERNAL', `class index out of range at document ${i}`)
    }
    row[p] = (row[p] ?? 0) + 1
    if (t === p) correct++
  }

  const perClass = classes.map((label, k): ClassMetrics => {
    const tp = confusion[k]?.[k] ?? 0
    let predictedK = 0
    let support = 0
    for (let j = 0; j < n; j++) {
      predictedK += confusion[j]?.[k] ?? 0
      support += confusion[k]?.[j] ?? 0
    }
    const fp = predictedK - tp
    const fn = support - tp
    return {
      label,
      precision: ratio(tp, tp + fp),
      recall: ratio(tp, tp + fn),
      // scikit-learn's form (≥ 1.3): well defined even when precision and recall are both 0.
      f1: ratio(2 * tp, 2 * tp + fp + fn),
      support,
    }
  })
  const total = truth.length
  return {
    documents: total,
    accuracy: ratio(correct, total),
    macroF1: n === 0 ? 0 : perClass.reduce((sum, c) => sum + c.f1, 0) / n,
    weightedF1: ratio(
      perClass.reduce((sum, c) => sum + c.f1 * c.support, 0),
      total,
    ),
    perClass,
    confusion,
  }
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator
}

/** The part of a classifier that scoring needs. */
export interface Predictor {
  readonly classes: readonly string[]
  classify(text: string, options: { topK: number }): { label: string | null; confidence: number }
}

/** A model's scores on labelled documents, with the reference its streams are compared with. */
export interface ModelEvaluation extends Evaluation {
  readonly reference: StreamReference
}

/**
 * Classifies every document and scores the predictions. Classes of the documents that the model
 * does not know are appended after the model's own, so their documents count as errors.
 */
export function evaluateModel(
  model: Predictor,
  documents: LabeledDocuments,
  onProgress?: ProgressListener,
): ModelEvaluation {
  const known = model.classes.length
  const predictedCount = new Float64Array(known)
  const bandCount = new Float64Array(CALIBRATION_BANDS)
  const bandCorrect = new Float64Array(CALIBRATION_BANDS)
  const classes = [...model.classes]
  const index = new Map(classes.map((name, i) => [name, i]))
  const truth = new Int32Array(documents.texts.length)
  const predicted = new Int32Array(documents.texts.length)
  for (let i = 0; i < documents.texts.length; i++) {
    const label = documents.classes[documents.targets[i]]
    let t = index.get(label)
    if (t === undefined) {
      t = classes.push(label) - 1
      index.set(label, t)
    }
    truth[i] = t
    const { label: predictedLabel, confidence } = model.classify(documents.texts[i], { topK: 1 })
    // An abstention (label null) is never right.
    const p = index.get(predictedLabel ?? '') ?? -1
    predicted[i] = p
    if (p >= 0 && p < known) predictedCount[p] = (predictedCount[p] ?? 0) + 1
    const band = Math.min(CALIBRATION_BANDS - 1, Math.floor(confidence * CALIBRATION_BANDS))
    bandCount[band] = (bandCount[band] ?? 0) + 1
    if (p === t) bandCorrect[band] = (bandCorrect[band] ?? 0) + 1
    if ((i + 1) % 1000 === 0) onProgress?.({ phase: 'evaluate', done: i + 1, total: documents.texts.length })
  }
  onProgress?.({ phase: 'evaluate', done: documents.texts.length, total: documents.texts.length })
  const total = documents.texts.length
  const reference: StreamReference = {
    documents: total,
    predictedMix: Array.from(predictedCount, (count) => (total === 0 ? 0 : count / total)),
    calibration: Array.from(bandCount, (count, band) =>
      count === 0 ? null : (bandCorrect[band] ?? 0) / count,
    ),
  }
  return { ...evaluatePredictions(truth, predicted, classes), reference }
}
