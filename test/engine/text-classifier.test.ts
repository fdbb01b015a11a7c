import { describe, expect, it } from 'vitest'
import { TopicstreamError } from '../../src/errors.js'
import { trainClassifier, type LabeledDocuments } from '../../src/engine/index.js'
import { SOURCE, classifierFixture, labeled } from './helpers.js'

const corpus = labeled(classifierFixture.train)

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(TopicstreamError)
    expect((error as TopicstreamError).code).toBe(code)
    return
  }
  expect.fail(`expected ${code}`)
}

describe('TextClassifier.classify', () => {
  const model = trainClassifier(corpus, {}, SOURCE)

  it('returns the label, its probability and the top 3 classes by default', () => {
    const result = model.classify('the new phone camera')
    expect(result.label).toBe('tech')
    expect(result.top_k).toHaveLength(3)
    expect(result.top_k[0]).toEqual({ label: 'tech', probability: result.confidence })
    expect(result.top_k.map((entry) => entry.label).sort()).toEqual(['politics', 'sports', 'tech'])
    const total = result.top_k.reduce((sum, entry) => sum + entry.probability, 0)
    expect(total).toBeCloseTo(1, 12)
    expect(result.top_k[0]!.probability).toBeGreaterThanOrEqual(result.top_k[1]!.probability)
    expect(result.top_k[1]!.probability).toBeGreaterThanOrEqual(result.top_k[2]!.probability)
    expect(result.explanation).toBeUndefined()
  })

  it('caps top_k to the number of classes and to at least one', () => {
    expect(model.classify('goal', { topK: 1 }).top_k).toHaveLength(1)
    expect(model.classify('goal', { topK: 50 }).top_k).toHaveLength(3)
    expect(model.classify('goal', { topK: 0 }).top_k).toHaveLength(1)
  })

  it('answers an empty text from the class priors', () => {
    const result = model.classify('', { topK: 3 })
    // 4 sports, 5 tech, 4 politics documents.
    expect(result.label).toBe('tech')
    expect(result.confidence).toBeCloseTo(5 / 13, 15)
    expect(result.top_k.map((entry) => entry.label)).toEqual(['tech', 'politics', 'sports'])
    expect(result.top_k[1]!.probability).toBeCloseTo(4 / 13, 15)
  })

  it('explains with the terms that favour the winner over the runner-up, largest first', () => {
    const result = model.classify('goal goal team camera', { explain: true })
    expect(result.label).toBe('sports')
    const terms = result.explanation!.map((entry) => entry.term)
    expect(terms).toEqual(expect.arrayContaining(['goal', 'team']))
    expect(terms).not.toContain('camera')
    const weights = result.explanation!.map((entry) => entry.weight)
    expect(weights.every((w) => w > 0)).toBe(true)
    expect([...weights].sort((a, b) => b - a)).toEqual(weights)
    expect(
      model.classify('goal goal team camera', { explain: true, explainTerms: 1 }).explanation,
    ).toHaveLength(1)
  })

  it('explains the winner-minus-runner-up score difference exactly', () => {
    const text = 'goal team match fans'
    const jll = model.jointLogLikelihood(text)
    const result = model.classify(text, { explain: true, explainTerms: 100 })
    const order = [...jll.keys()].sort((a, b) => jll[b]! - jll[a]!)
    const prior = model.state.classLogPrior
    const gap = jll[order[0]!]! - jll[order[1]!]! - (prior[order[0]!]! - prior[order[1]!]!)
    // All four terms favour sports, so the explanation adds up to the whole likelihood gap.
    const explained = result.explanation!.reduce((sum, entry) => sum + entry.weight, 0)
    expect(result.explanation).toHaveLength(4)
    expect(explained).toBeCloseTo(gap, 12)
  })

  it('gives an empty explanation for a text without known terms', () => {
    expect(model.classify('zzz qqq', { explain: true }).explanation).toEqual([])
  })

  it('breaks exact ties by class order, like argmax', () => {
    // ComplementNB ignores the priors, so a text without known terms scores every class 0.
    const complement = trainClassifier(corpus, { algorithm: 'complement' }, SOURCE)
    const result = complement.classify('', { topK: 3 })
    expect(result.label).toBe('politics')
    expect(result.top_k.map((entry) => entry.label)).toEqual(['politics', 'sports', 'tech'])
    for (const entry of result.top_k) expect(entry.probability).toBeCloseTo(1 / 3, 15)
  })

  it('refuses a text that is not a string with ERR_TEXT_INVALID', () => {
    expectCode(() => model.classify(42 as unknown as string), 'ERR_TEXT_INVALID')
    expectCode(() => model.predictProba(undefined as unknown as string), 'ERR_TEXT_INVALID')
  })

  it('returns a fresh probability array each call', () => {
    const a = model.predictProba('goal')
    const b = model.predictProba('phone')
    expect(a).not.toBe(b)
    expect(a[model.classes.indexOf('sports')]).toBeGreaterThan(b[model.classes.indexOf('sports')]!)
  })

  it('gives 5,000 unknown words in a long text no weight at all', () => {
    const text = Array.from({ length: 5000 }, (_, i) => `w${i} goal`).join(' ')
    // The l2-normalised row holds only "goal", exactly as for the single word.
    expect(model.classify(text, { explain: true })).toEqual(model.classify('goal', { explain: true }))
  })
})

describe('TextClassifier.partialFit', () => {
  it('makes an unknown label a new class, in code-point order, and moves the counts with their class', () => {
    for (const vectorizer of ['count', 'hashing'] as const) {
      const model = trainClassifier(corpus, { vectorizer, nFeatures: 64 }, SOURCE)
      const before = model.state
      const size = before.idf.length
      model.partialFit(
        ['bread oven', 'goal', 'oven soup', 'rain'],
        ['cooking', 'sports', 'cooking', 'Weather'],
      )
      // 'W' (U+0057) sorts before every lowercase letter.
      expect(model.classes).toEqual(['Weather', 'cooking', 'politics', 'sports', 'tech'])
      expect(model.metadata.classes).toEqual(model.classes)
      expect(model.metadata.dataset.categories).toEqual(['politics', 'sports', 'tech'])
      const after = model.state
      expect(Array.from(after.classCount)).toEqual([1, 2, 4, 5, 5])
      // The known classes keep their counts at their new places; the goal row went to sports.
      const goal = new Float64Array(size * 5)
      for (let t = 0; t < size; t++) {
        for (const [from, to] of [
          [0, 2],
          [2, 4],
        ]) {
          expect(after.featureCount[t * 5 + to!]).toBe(before.featureCount[t * 3 + from!])
        }
        goal[t] = after.featureCount[t * 5 + 3]! - before.featureCount[t * 3 + 1]!
      }
      expect(goal.some((value) => value > 0)).toBe(true)
      // The words of the new class are outside the count model's fixed vocabulary.
      if (vectorizer === 'hashing') expect(model.classify('bread oven soup').label).toBe('cooking')
      expect(model.classify('x', { topK: 10 }).top_k).toHaveLength(5)
    }
  })

  it('refuses a batch holding a label that cannot be a class, without changing the model', () => {
    const model = trainClassifier(corpus, {}, SOURCE)
    const before = model.predictProba('goal')
    const version = model.metadata.version
    for (const bad of [2, '', null]) {
      expectCode(
        () => model.partialFit(['goal', 'bread', 'x'], ['sports', 'cooking', bad as string]),
        'ERR_MODEL_LABEL_UNKNOWN',
      )
    }
    expect(model.classes).toEqual(['politics', 'sports', 'tech'])
    expect(model.predictProba('goal')).toEqual(before)
    expect(model.metadata.version).toBe(version)
  })

  it('names the same documents learnt in the same order with the same version, however they were batched', () => {
    const texts = ['phone zebra crossing', 'goal goal', 'bread oven']
    const labels = ['tech', 'sports', 'cooking']
    const once = trainClassifier(corpus, {}, SOURCE)
    once.partialFit(texts, labels)
    const itemByItem = trainClassifier(corpus, {}, SOURCE)
    for (let i = 0; i < texts.length; i++) itemByItem.partialFit([texts[i]!], [labels[i]!])
    expect(itemByItem.metadata.version).toBe(once.metadata.version)
    expect(itemByItem.predictProba('goal bread')).toEqual(once.predictProba('goal bread'))
    const reordered = trainClassifier(corpus, {}, SOURCE)
    reordered.partialFit([...texts].reverse(), [...labels].reverse())
    expect(reordered.metadata.version).not.toBe(once.metadata.version)
  })

  it('refuses mismatched lengths', () => {
    const model = trainClassifier(corpus, {}, SOURCE)
    expectCode(() => model.partialFit(['a'], []), 'ERR_TRAINING_INVALID')
  })

  it('moves predictions toward the new evidence and changes the version', () => {
    const model = trainClassifier(corpus, {}, SOURCE)
    const version = model.metadata.version
    const sports = model.classes.indexOf('sports')
    const before = model.predictProba('zebra crossing')[sports]!
    model.partialFit(['phone zebra crossing', 'zebra crossing'], ['tech', 'sports'])
    expect(model.metadata.version).not.toBe(version)
    // "zebra" and "crossing" are not in the fixed vocabulary: only the class counts moved.
    expect(model.predictProba('zebra crossing')[sports]).toBeCloseTo(before, 1)
    model.partialFit(Array(20).fill('goal'), Array(20).fill('sports'))
    expect(model.classify('phone goal').label).toBe('sports')
  })
})

describe('trainClassifier validation', () => {
  const invalid: Array<[string, LabeledDocuments, object]> = [
    ['one class', { texts: ['a b', 'cc dd'], targets: [0, 0], classes: ['x'] }, {}],
    ['a class without documents', { texts: ['aa', 'bb'], targets: [0, 0], classes: ['x', 'y'] }, {}],
    ['an empty vocabulary', { texts: ['a', '!'], targets: [0, 1], classes: ['x', 'y'] }, {}],
    ['targets out of range', { texts: ['aa', 'bb'], targets: [0, 2], classes: ['x', 'y'] }, {}],
    ['mismatched lengths', { texts: ['aa', 'bb'], targets: [0], classes: ['x', 'y'] }, {}],
    ['duplicate classes', { texts: ['aa', 'bb'], targets: [0, 1], classes: ['x', 'x'] }, {}],
    ['alpha ≤ 0', corpus, { alpha: 0 }],
    ['an unknown algorithm', corpus, { algorithm: 'bernoulli' }],
    ['a bad n-gram range', corpus, { ngramRange: [2, 2] }],
    ['maxDf below minDf', corpus, { minDf: 5, maxDf: 2 }],
    ['pruning everything', corpus, { minDf: 13, maxDf: 13 }],
    ['a fractional count', corpus, { minDf: 2.5 }],
  ]
  it.each(invalid)('refuses %s with ERR_TRAINING_INVALID', (_name, docs, params) => {
    expectCode(() => trainClassifier(docs, params, SOURCE), 'ERR_TRAINING_INVALID')
  })

  it('sorts classes by code point and remaps targets', () => {
    const model = trainClassifier(
      { texts: ['aa bb', 'cc dd'], targets: [0, 1], classes: ['zeta', 'Alpha'] },
      {},
      SOURCE,
    )
    expect(model.classes).toEqual(['Alpha', 'zeta'])
    expect(model.classify('aa').label).toBe('zeta')
  })

  it('orders astral-plane terms after the rest of the BMP, like Python', () => {
    const model = trainClassifier(
      { texts: ['𝐁𝐁 ｚｚ aa', 'ꞵꞵ éé'], targets: [0, 1], classes: ['x', 'y'] },
      {},
      SOURCE,
    )
    expect(model.terms).toEqual(['aa', 'éé', 'ꞵꞵ', 'ｚｚ', '𝐁𝐁'])
  })

  it('records metadata and reports progress', () => {
    const phases = new Set<string>()
    const model = trainClassifier(corpus, { algorithm: 'complement' }, SOURCE, (p) => phases.add(p.phase))
    expect(phases).toEqual(new Set(['vocabulary', 'fit']))
    expect(model.metadata).toMatchObject({
      formatVersion: 1,
      classes: ['politics', 'sports', 'tech'],
      vocabularySize: model.terms.length,
      params: { algorithm: 'complement', alpha: 1 },
      dataset: { source: 'test:fixture', trainDocuments: 13, categories: ['politics', 'sports', 'tech'] },
    })
    expect(model.metadata.version).toMatch(/^[0-9a-f]{16}$/)
    expect(Date.parse(model.metadata.createdAt)).not.toBeNaN()
  })
})
