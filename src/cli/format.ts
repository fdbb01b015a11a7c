import type { ModelMetadata } from '../engine/index.js'

/** Human-readable command output: aligned `name value` lines, as `train`, `evaluate` and `inspect` print. */
export function formatFields(rows: ReadonlyArray<readonly [string, string]>): string {
  return rows.map(([key, value]) => `${key.padEnd(14)} ${value}\n`).join('')
}

/** The `vocabulary` line: its size, or for a hashing model (which has none) its columns. */
export function formatVocabulary(metadata: ModelMetadata): string {
  const size = metadata.vocabularySize.toLocaleString('en-US')
  return metadata.params.vectorizer === 'hashing' ? `none: hashing into ${size} columns` : size
}
