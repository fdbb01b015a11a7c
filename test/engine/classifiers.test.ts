import { describe, expect, it } from 'vitest'
import { trainClassifier } from '../../src/engine/index.js'
import { SOURCE, classifierFixture, labeled } from './helpers.js'

// Every expected number here was produced by real scikit-learn (CountVectorizer or
// HashingVectorizer(alternate_sign=False, norm=None) → TfidfTransformer → MultinomialNB/ComplementNB,
// versions in fixtures/classifiers.json) on the same corpus.
const TOLERANCE = 1e-9
const { train, test, extra, newClasses, configs } = classifierFixture

function expectClose(actual: ArrayLike<number>, expected: readonly number[], what: string): void {
  expect(actual.length, what).toBe(expected.length)
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs((actual[i] as number) - (expected[i] as number)), `${what}[${i}]`).toBeLessThanOrEqual(
      TOLERANCE,
    )
  }
}

describe.each(Object.entries(configs))('scikit-learn parity: %s', (_name, expected) => {
  const model = trainClassifier(labeled(train), expected.params, SOURCE)

  it('builds the same vocabulary, in the same order (none when hashing)', () => {
    expect(model.terms).toEqual(expected.vocabulary)
    expect(model.metadata.vocabularySize).toBe(expected.columns)
    expect(model.classes).toEqual(expected.classes)
  })

  // Configurations with useIdf: false have no idf to compare.
  const idf = expected.idf
  it.skipIf(idf === null)('computes the same idf', () => {
    expectClose(model.state.idf, idf ?? [], 'idf')
  })

  it('gives the same joint log-likelihoods, probabilities and labels', () => {
    test.forEach((text, i) => {
      expectClose(model.jointLogLikelihood(text), expected.jll[i] as number[], `jll ${JSON.stringify(text)}`)
      expectClose(model.predictProba(text), expected.proba[i] as number[], `proba ${JSON.stringify(text)}`)
      expect(model.classify(text).label, JSON.stringify(text)).toBe(expected.predictions[i])
    })
  })

  it('matches partial_fit on extra documents', () => {
    const updated = trainClassifier(labeled(train), expected.params, SOURCE)
    const before = updated.metadata.version
    updated.partialFit(
      extra.map((row) => row.text),
      extra.map((row) => row.label),
    )
    expect(updated.metadata.version).not.toBe(before)
    test.forEach((text, i) => {
      expectClose(updated.predictProba(text), expected.afterPartialFit.proba[i] as number[], `proba ${text}`)
      expect(updated.classify(text).label).toBe(expected.afterPartialFit.predictions[i])
    })
  })

  it('matches partial_fit with classes it was not trained on', () => {
    const updated = trainClassifier(labeled(train), expected.params, SOURCE)
    updated.partialFit(
      newClasses.map((row) => row.text),
      newClasses.map((row) => row.label),
    )
    const { classes, proba, predictions } = expected.afterNewClasses
    expect(updated.classes).toEqual(classes)
    expect(updated.metadata.classes).toEqual(classes)
    test.forEach((text, i) => {
      expectClose(updated.predictProba(text), proba[i] as number[], `proba ${text}`)
      expect(updated.classify(text, { topK: classes.length }).label).toBe(predictions[i])
    })
  })
})
