import { describe, expect, it } from 'vitest'
import { trainClassifier } from '../../src/engine/index.js'
import { SOURCE, labeled } from './helpers.js'

// A corpus small enough to check by hand; the expected values are from scikit-learn 1.9.1
// (CountVectorizer() → TfidfTransformer()), e.g. idf(cat) = ln((1 + 3) / (1 + 2)) + 1.
const corpus = labeled([
  { label: 'pets', text: 'the cat sat' },
  { label: 'other', text: 'the dog sat on the mat' },
  { label: 'pets', text: 'the cat' },
])

describe('tf-idf', () => {
  it('computes smoothed idf and l2-normalised rows like scikit-learn', () => {
    const model = trainClassifier(corpus, {}, SOURCE)
    expect(model.terms).toEqual(['cat', 'dog', 'mat', 'on', 'sat', 'the'])
    const idf = [
      1.2876820724517808, 1.6931471805599454, 1.6931471805599454, 1.6931471805599454, 1.2876820724517808, 1,
    ]
    expect(model.state.idf).toHaveLength(idf.length)
    model.state.idf.forEach((value, i) => expect(value).toBeCloseTo(idf[i] as number, 15))
    expect(model.state.idf[0]).toBeCloseTo(Math.log(4 / 3) + 1, 15)

    const row = model.transform('the dog sat on the mat')
    expect(row.terms).toEqual(['dog', 'mat', 'on', 'sat', 'the'])
    const expected = [
      0.44839402160692654, 0.44839402160692654, 0.44839402160692654, 0.3410152109911944, 0.5296574648148862,
    ]
    expect(row.values).toHaveLength(expected.length)
    row.values.forEach((value, i) => expect(value).toBeCloseTo(expected[i] as number, 15))
  })

  it('applies sublinear tf before idf', () => {
    const model = trainClassifier(corpus, { sublinearTf: true }, SOURCE)
    // "the" occurs twice: tf = 1 + ln 2, so it ties with the idf-weighted rare terms.
    const row = model.transform('the dog sat on the mat')
    expect(row.terms).toEqual(['dog', 'mat', 'on', 'sat', 'the'])
    const expected = [
      0.4673509818107163, 0.4673509818107163, 0.4673509818107163, 0.35543246785041743, 0.4673509818107163,
    ]
    expect(row.values).toHaveLength(expected.length)
    row.values.forEach((value, i) => expect(value).toBeCloseTo(expected[i] as number, 15))
  })

  it('keeps raw counts without idf and normalisation', () => {
    const model = trainClassifier(corpus, { useIdf: false, norm: 'none' }, SOURCE)
    expect(Array.from(model.transform('the THE cat zebra').values)).toEqual([1, 2])
  })

  it('counts repeated terms in texts of any length, before and after a very long one', () => {
    const model = trainClassifier(corpus, { useIdf: false, norm: 'none' }, SOURCE)
    const counts = (text: string): Record<string, number> => {
      const row = model.transform(text)
      return Object.fromEntries(row.terms.map((term, i) => [term, row.values[i] as number]))
    }
    expect(counts('mat the cat the')).toEqual({ cat: 1, mat: 1, the: 2 })
    // 100,000 tokens: far beyond the row buffers kept between texts.
    expect(counts('the cat zebra sat the '.repeat(20_000))).toEqual({ cat: 20_000, sat: 20_000, the: 40_000 })
    expect(counts('dog on the mat dog')).toEqual({ dog: 2, mat: 1, on: 1, the: 1 })
  })

  it('answers an empty text from the class priors', () => {
    const model = trainClassifier(corpus, {}, SOURCE)
    expect(model.classes).toEqual(['other', 'pets'])
    const proba = model.predictProba('')
    expect(proba[0]).toBeCloseTo(1 / 3, 15)
    expect(proba[1]).toBeCloseTo(2 / 3, 15)
    expect(model.classify('...?!').label).toBe('pets')
  })
})
