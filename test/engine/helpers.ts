import { readFileSync } from 'node:fs'
import type { LabeledDocuments, TrainingParams } from '../../src/engine/index.js'
import { compareCodePoints } from '../../src/engine/tokenizer.js'

export interface ClassifierCase {
  readonly params: Partial<TrainingParams>
  /** Empty for a hashing model, which has none. */
  readonly vocabulary: string[]
  /** The columns: vocabulary size, or n_features when hashing. */
  readonly columns: number
  readonly idf: number[] | null
  readonly classes: string[]
  readonly predictions: string[]
  readonly proba: number[][]
  readonly jll: number[][]
  readonly afterPartialFit: { readonly predictions: string[]; readonly proba: number[][] }
  /** After `partial_fit` with `newClasses`, whose first call declared every class. */
  readonly afterNewClasses: {
    readonly classes: string[]
    readonly predictions: string[]
    readonly proba: number[][]
  }
}

export interface ClassifierFixture {
  readonly versions: Record<string, string>
  readonly train: Array<{ label: string; text: string }>
  readonly test: string[]
  readonly extra: Array<{ label: string; text: string }>
  /** `extra` plus rows of classes the training rows do not have. */
  readonly newClasses: Array<{ label: string; text: string }>
  readonly configs: Record<string, ClassifierCase>
}

/** Numbers computed once with real scikit-learn by scripts/python/gen_engine_fixtures.py. */
export const classifierFixture = JSON.parse(
  readFileSync(new URL('./fixtures/classifiers.json', import.meta.url), 'utf8'),
) as ClassifierFixture

export const SOURCE = { source: 'test:fixture', fingerprint: '0'.repeat(64) }

export function labeled(rows: ReadonlyArray<{ label: string; text: string }>): LabeledDocuments {
  const classes = [...new Set(rows.map((row) => row.label))].sort(compareCodePoints)
  return {
    texts: rows.map((row) => row.text),
    targets: rows.map((row) => classes.indexOf(row.label)),
    classes,
  }
}
