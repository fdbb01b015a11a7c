/**
 * Turning (text, label) pairs into the `LabeledDocuments` shape the trainer takes, with the same
 * class order scikit-learn uses: class names sorted by code point, targets as class indices.
 */
import { TopicstreamError } from '../../errors.js'
import { compareCodePoints } from '../tokenizer.js'
import type { LabeledDocuments } from '../types.js'

export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareCodePoints)
}

/** Builds documents whose classes are the sorted distinct labels (or the given class list). */
export function toLabeledDocuments(
  texts: readonly string[],
  labels: readonly string[],
  classes: readonly string[] = sortedUnique(labels),
): LabeledDocuments {
  const index = new Map(classes.map((name, i) => [name, i]))
  const targets = new Int32Array(labels.length)
  for (let i = 0; i < labels.length; i++) {
    const target = index.get(labels[i])
    if (target === undefined) {
      throw new TopicstreamError('ERR_DATASET_INVALID', `label "${labels[i]}" is not one of the classes`)
    }
    targets[i] = target
  }
  return { texts, targets, classes }
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
  return toLabeledDocuments(texts, labels, classes)
}
