/**
 * A deterministic, stratified train/test split, so that user datasets without a held-out part
 * still get a test accuracy, and the same seed always gives the same split.
 */
import { TopicstreamError } from '../../errors.js'
import type { LabeledDocuments } from '../types.js'

export interface SplitOptions {
  /** Proportion of each class held out for testing, in (0, 1). */
  readonly testSize: number
  readonly seed?: number
}

export function splitTrainTest(
  documents: LabeledDocuments,
  { testSize, seed = 42 }: SplitOptions,
): { train: LabeledDocuments; test: LabeledDocuments } {
  if (!(testSize > 0 && testSize < 1)) {
    throw new TopicstreamError('ERR_CONFIG_INVALID', `test size must be between 0 and 1, got ${testSize}`)
  }
  const random = mulberry32(seed >>> 0)
  const byClass: number[][] = documents.classes.map(() => [])
  for (let i = 0; i < documents.texts.length; i++) byClass[documents.targets[i]]?.push(i)

  const isTest = new Uint8Array(documents.texts.length)
  for (const indices of byClass) {
    // Each class shuffled, then the first share goes to test; a class keeps at least one training
    // document so the model still knows it.
    shuffle(indices, random)
    const held = Math.min(Math.round(indices.length * testSize), indices.length - 1)
    for (let k = 0; k < held; k++) isTest[indices[k]] = 1
  }
  return { train: pick(documents, isTest, 0), test: pick(documents, isTest, 1) }
}

function pick(documents: LabeledDocuments, isTest: Uint8Array, side: 0 | 1): LabeledDocuments {
  const texts: string[] = []
  const targets: number[] = []
  for (let i = 0; i < documents.texts.length; i++) {
    if (isTest[i] !== side) continue
    texts.push(documents.texts[i])
    targets.push(documents.targets[i])
  }
  return { ...documents, texts, targets: Int32Array.from(targets) }
}

/** Fisher–Yates, in place, drawing from `random` (values in [0, 1)). */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const swap = items[i]
    items[i] = items[j]
    items[j] = swap
  }
  return items
}

/** Small, well-known 32-bit PRNG: enough for shuffling, and identical on every platform. */
export function mulberry32(seed: number): () => number {
  let state = seed
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
