import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadModel, saveModel, trainClassifier, type LabeledDocuments } from '../../src/engine/index.js'
import { toLabeledDocuments } from '../../src/engine/datasets/labeled.js'
import { SOURCE } from './helpers.js'

const TEXTS = [
  'goal match team score',
  'team wins the cup final',
  'phone camera battery screen',
  'new laptop chip release',
  'election vote senate bill',
  'minister parliament vote law',
]
// Numbers whose numeric order (2, 10, 100) differs from their code-point order ("10", "100", "2").
const NUMBERS = ['10', '10', '2', '2', '100', '100']

const numeric = toLabeledDocuments(TEXTS, NUMBERS, undefined, 'number')
const strings = toLabeledDocuments(TEXTS, NUMBERS)

let dir: string | undefined
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('numeric labels', () => {
  it('orders the classes numerically and records it in the metadata', () => {
    const model = trainClassifier(numeric, {}, SOURCE)
    expect(model.classes).toEqual(['2', '10', '100'])
    expect(model.metadata.labelType).toBe('number')
    expect(model.metadata.dataset.categories).toEqual(['2', '10', '100'])
  })

  it('orders the same names as strings by code point, without a label type', () => {
    const model = trainClassifier(strings, {}, SOURCE)
    expect(model.classes).toEqual(['10', '100', '2'])
    expect(model.metadata).not.toHaveProperty('labelType')
  })

  it('reorders given classes numerically, like the code-point order for strings', () => {
    const shuffled: LabeledDocuments = {
      texts: TEXTS,
      targets: [0, 0, 2, 2, 1, 1],
      classes: ['10', '100', '2'],
      labelType: 'number',
    }
    const model = trainClassifier(shuffled, {}, SOURCE)
    expect(model.classes).toEqual(['2', '10', '100'])
    expect(model.classify('goal team').label).toBe('10')
  })

  it('answers with string labels and the same probabilities per class as string training', () => {
    const byNumber = trainClassifier(numeric, {}, SOURCE)
    const byString = trainClassifier(strings, {}, SOURCE)
    for (const text of ['goal team', 'phone laptop', 'vote law']) {
      const a = byNumber.classify(text, { topK: 3 })
      const b = byString.classify(text, { topK: 3 })
      expect(typeof a.label).toBe('string')
      expect(a.label).toBe(b.label)
      const pa = byNumber.predictProba(text)
      const pb = byString.predictProba(text)
      for (const [c, name] of byNumber.classes.entries()) {
        expect(pa[c]).toBeCloseTo(pb[byString.classes.indexOf(name)]!, 14)
      }
    }
  })

  it('breaks ties by class order, like argmax: the smallest number first', () => {
    // Equal priors and no known word: every class ties, and predict() answers the first class.
    expect(trainClassifier(numeric, {}, SOURCE).classify('').label).toBe('2')
    expect(trainClassifier(strings, {}, SOURCE).classify('').label).toBe('10')
  })

  it('refuses numeric training whose class names are not numbers in shortest form', () => {
    for (const bad of ['2.0', 'sports']) {
      const documents: LabeledDocuments = {
        texts: TEXTS.slice(0, 2),
        targets: [0, 1],
        classes: ['1', bad],
        labelType: 'number',
      }
      expect(() => trainClassifier(documents, {}, SOURCE)).toThrow(
        expect.objectContaining({
          code: 'ERR_TRAINING_INVALID',
          message: expect.stringContaining(`"${bad}"`),
        }),
      )
    }
  })

  it('takes numbers or class names in partialFit', () => {
    const byNumber = trainClassifier(numeric, {}, SOURCE)
    const byName = trainClassifier(numeric, {}, SOURCE)
    byNumber.partialFit(['goal goal', 'vote'], [10.0, 100])
    byName.partialFit(['goal goal', 'vote'], ['10', '100'])
    expect(byNumber.predictProba('goal vote')).toEqual(byName.predictProba('goal vote'))
    expect(byNumber.metadata.version).toBe(byName.metadata.version)
  })

  it('inserts new numeric classes in numeric order', () => {
    const byNumber = trainClassifier(numeric, {}, SOURCE)
    byNumber.partialFit(['goal', 'phone', 'vote', 'law'], [7, '1000', 7.0, -1])
    expect(byNumber.classes).toEqual(['-1', '2', '7', '10', '100', '1000'])
    expect(byNumber.metadata.labelType).toBe('number')
    expect(Array.from(byNumber.state.classCount)).toEqual([1, 2, 2, 2, 2, 1])
    // The same feedback as strings on a string-label model: the classes come in code-point order,
    // and each class gets the same probability.
    const byString = trainClassifier(strings, {}, SOURCE)
    byString.partialFit(['goal', 'phone', 'vote', 'law'], ['7', '1000', '7', '-1'])
    expect(byString.classes).toEqual(['-1', '10', '100', '1000', '2', '7'])
    for (const text of ['goal team', 'phone', 'vote law', '']) {
      const a = byNumber.predictProba(text)
      const b = byString.predictProba(text)
      for (const [c, name] of byNumber.classes.entries()) {
        expect(a[c]).toBeCloseTo(b[byString.classes.indexOf(name)]!, 14)
      }
    }
  })

  it('refuses labels that cannot be a class of the model, naming why', () => {
    const byNumber = trainClassifier(numeric, {}, SOURCE)
    for (const [label, why] of [
      ['sports', /numeric labels, so a new class must be an integer/],
      ['3.0', /numeric labels, so a new class must be an integer/],
      [2.5, /not an integer/],
      [2 ** 60, /too large/],
    ] as const) {
      expect(() => byNumber.partialFit(['x'], [label])).toThrow(
        expect.objectContaining({ code: 'ERR_MODEL_LABEL_UNKNOWN', message: expect.stringMatching(why) }),
      )
    }
    expect(byNumber.classes).toEqual(['2', '10', '100'])
    // A model of string labels has no numeric classes, even when a name reads like a number.
    const byString = trainClassifier(strings, {}, SOURCE)
    expect(() => byString.partialFit(['x'], [2])).toThrow(
      expect.objectContaining({
        code: 'ERR_MODEL_LABEL_UNKNOWN',
        message: expect.stringMatching(/string labels/),
      }),
    )
    byString.partialFit(['x'], ['2'])
  })

  it('keeps the label type and the order through a model file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'topicstream-numeric-'))
    const path = join(dir, 'numeric.tsmodel')
    const model = trainClassifier(numeric, {}, SOURCE)
    await saveModel(model, path)
    const loaded = await loadModel(path)
    expect(loaded.classes).toEqual(['2', '10', '100'])
    expect(loaded.metadata.labelType).toBe('number')
    loaded.partialFit(['goal'], [10])
    model.partialFit(['goal'], [10])
    expect(loaded.predictProba('goal phone')).toEqual(model.predictProba('goal phone'))
  })
})
