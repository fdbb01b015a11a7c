/**
 * Turning (text, label) pairs into the `LabeledDocuments` shape the trainer takes, with the same
 * class order scikit-learn uses (numpy.unique's): string labels sorted by code point, numeric
 * labels sorted numerically; targets are class indices.
 */
import { TopicstreamError } from '../../errors.js'
import { compareCodePoints } from '../tokenizer.js'
import type { LabelType, LabeledDocuments } from '../types.js'

/**
 * The class name of a numeric label: the number in its shortest JSON form, so that `1` and `1.0`
 * (equal numbers, one class for numpy) are both "1". Returns a reason when the number cannot be a
 * class: scikit-learn's classifiers refuse fractional labels ("continuous" targets, such as 2.5),
 * and an integer beyond ±(2^53 − 1) is not held exactly (two such labels could merge silently).
 */
export function numericLabelName(value: number): string | { readonly reason: string } {
  if (!Number.isInteger(value)) {
    return {
      reason: `${value} is not an integer: scikit-learn refuses fractional labels as continuous targets; write it as a string`,
    }
  }
  if (!Number.isSafeInteger(value)) {
    return { reason: `${value} is too large to be an exact class (beyond ±2^53 − 1); write it as a string` }
  }
  // String(-0) is "0", like JSON.stringify.
  return String(value)
}

/** Whether `name` is what `numericLabelName` gives for some number. */
export function isNumericLabelName(name: string): boolean {
  return numericLabelName(Number(name)) === name
}

/** The order numpy.unique gives labels of that type: code points, or numeric value. */
export function labelComparator(labelType: LabelType = 'string'): (a: string, b: string) => number {
  return labelType === 'number' ? compareNumericNames : compareCodePoints
}

function compareNumericNames(a: string, b: string): number {
  return Number(a) - Number(b)
}

export function sortedUnique(values: Iterable<string>, labelType: LabelType = 'string'): string[] {
  return [...new Set(values)].sort(labelComparator(labelType))
}

/**
 * Builds documents whose classes are the sorted distinct labels (or the given class list).
 * `labelType` says how the class names compare; numeric labels are given by `numericLabelName`.
 */
export function toLabeledDocuments(
  texts: readonly string[],
  labels: readonly string[],
  classes?: readonly string[],
  labelType: LabelType = 'string',
): LabeledDocuments {
  const names = classes ?? sortedUnique(labels, labelType)
  const index = new Map(names.map((name, i) => [name, i]))
  const targets = new Int32Array(labels.length)
  for (let i = 0; i < labels.length; i++) {
    const target = index.get(labels[i])
    if (target === undefined) {
      throw new TopicstreamError('ERR_DATASET_INVALID', `label "${labels[i]}" is not one of the classes`)
    }
    targets[i] = target
  }
  return labelType === 'number'
    ? { texts, targets, classes: names, labelType }
    : { texts, targets, classes: names }
}

/**
 * Validates a category subset against the classes a dataset has. Returns the subset sorted like
 * the classes (scikit-learn sorts the categories it keeps), or every class when no subset is asked.
 */
export function selectCategories(
  available: readonly string[],
  requested: readonly string[] | undefined,
): readonly string[] {
  if (requested === undefined || requested.length === 0) return available
  const known = new Set(available)
  const unknown = requested.filter((name) => !known.has(name))
  if (unknown.length > 0) {
    throw new TopicstreamError(
      'ERR_DATASET_UNKNOWN_CATEGORY',
      `unknown ${unknown.length === 1 ? 'category' : 'categories'} ${unknown.map((n) => `"${n}"`).join(', ')}; valid categories: ${available.join(', ')}`,
      { details: { unknown, valid: available } },
    )
  }
  const wanted = new Set(requested)
  return available.filter((name) => wanted.has(name))
}

/** Keeps only the documents of `classes` and renumbers their targets. */
export function filterClasses(documents: LabeledDocuments, classes: readonly string[]): LabeledDocuments {
  if (classes.length === documents.classes.length) return documents
  const texts: string[] = []
  const labels: string[] = []
  const keep = new Set(classes)
  for (let i = 0; i < documents.texts.length; i++) {
    const label = documents.classes[documents.targets[i]]
    if (!keep.has(label)) continue
    texts.push(documents.texts[i])
    labels.push(label)
  }
  return toLabeledDocuments(texts, labels, classes, documents.labelType)
}
