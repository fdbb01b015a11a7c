import { describe, expect, it } from 'vitest'
import { HashingVectorizer, hashedTermNames } from '../../src/engine/hashing-vectorizer.js'
import { trainClassifier } from '../../src/engine/index.js'
import { SOURCE, classifierFixture, labeled } from './helpers.js'

type Row = readonly [string, ReadonlyArray<readonly [number, number]>]

// (column, count) pairs of scikit-learn 1.9.1's
//   HashingVectorizer(alternate_sign=False, norm=None, n_features=N, ngram_range=R).transform(texts)
// printed row by row as [[int(i), int(v)] for i, v in zip(row.indices, row.data)].
const UNIGRAMS_2_20: readonly Row[] = [
  [
    'Hello World! hello',
    [
      [639749, 1],
      [784967, 2],
    ],
  ],
  [
    'I ❤️ NY 😀 naïve Café',
    [
      [530179, 1],
      [558549, 1],
      [790280, 1],
    ],
  ],
  [
    '𝐁𝐨𝐥𝐝 東京 ΟΔΟΣ ΣΊΣΥΦΟΣ',
    [
      [61118, 1],
      [460876, 1],
      [701389, 1],
      [970294, 1],
    ],
  ],
  ['goal goal goal', [[359547, 3]]],
  ['', []],
  ['a ☕', []],
]
// N = 16 with (1, 2)-grams: most terms share a column with another, and their counts add up.
const BIGRAMS_16: readonly Row[] = [
  [
    'Hello World! hello',
    [
      [3, 1],
      [5, 1],
      [7, 2],
      [15, 1],
    ],
  ],
  [
    'I ❤️ NY 😀 naïve Café',
    [
      [3, 1],
      [5, 1],
      [6, 2],
      [8, 1],
    ],
  ],
  [
    '𝐁𝐨𝐥𝐝 東京 ΟΔΟΣ ΣΊΣΥΦΟΣ',
    [
      [6, 1],
      [12, 2],
      [13, 2],
      [14, 2],
    ],
  ],
  [
    'goal goal goal',
    [
      [11, 3],
      [14, 2],
    ],
  ],
  ['', []],
  ['a ☕', []],
]

const RAW = { useIdf: false, sublinearTf: false, norm: 'none' } as const

function rows(vectorizer: HashingVectorizer, text: string): Array<[number, number]> {
  const n = vectorizer.transform(text)
  return Array.from(vectorizer.ids.subarray(0, n), (id, k) => [id, vectorizer.values[k] as number])
}

describe('HashingVectorizer', () => {
  it.each(UNIGRAMS_2_20)('puts %j in the columns scikit-learn does (2^20 columns)', (text, expected) => {
    const vectorizer = new HashingVectorizer(2 ** 20, new Float64Array(0), { ngramRange: [1, 1], ...RAW })
    expect(rows(vectorizer, text)).toEqual(expected)
  })

  it.each(BIGRAMS_16)(
    'sums colliding terms and bigrams of %j like scikit-learn (16 columns)',
    (text, expected) => {
      const vectorizer = new HashingVectorizer(16, new Float64Array(0), { ngramRange: [1, 2], ...RAW })
      expect(rows(vectorizer, text)).toEqual(expected)
    },
  )

  it('gives the same rows whatever the texts before (scratch buffers grow and shrink)', () => {
    const vectorizer = new HashingVectorizer(16, new Float64Array(0), { ngramRange: [1, 2], ...RAW })
    const huge = Array.from({ length: 30_000 }, (_, i) => `wörd${i} 東京`).join(' ')
    for (const [text, expected] of [...BIGRAMS_16, [huge, undefined] as const, ...BIGRAMS_16]) {
      const got = rows(vectorizer, text)
      if (expected !== undefined) expect(got).toEqual(expected)
      else expect(got.reduce((sum, [, count]) => sum + count, 0)).toBe(2 * 60_000 - 1)
    }
  })

  it('counts every token as known', () => {
    const vectorizer = new HashingVectorizer(16, new Float64Array(0), { ngramRange: [1, 1], ...RAW })
    vectorizer.transform('Hello World! hello a')
    expect([vectorizer.tokenCount, vectorizer.knownTokenCount]).toEqual([3, 3])
  })

  it("names a column by the text's terms that fall in it", () => {
    expect(hashedTermNames('Hello World! hello', [1, 1], 2 ** 20)).toEqual(
      new Map([
        [784967, 'hello'],
        [639749, 'world'],
      ]),
    )
    // With 16 columns, "σίσυφος" and the bigram "𝐁𝐨𝐥𝐝 東京" share column 12 (see BIGRAMS_16).
    expect(hashedTermNames('𝐁𝐨𝐥𝐝 東京 ΟΔΟΣ ΣΊΣΥΦΟΣ', [1, 2], 16).get(12)).toBe('σίσυφος | 𝐁𝐨𝐥𝐝 東京')
  })
})

describe('a hashing model', () => {
  const corpus = labeled(classifierFixture.train)
  const params = { vectorizer: 'hashing', nFeatures: 2 ** 18 } as const

  it('has no vocabulary: its size is its columns', () => {
    const model = trainClassifier(corpus, params, SOURCE)
    expect(model.terms).toEqual([])
    expect(model.metadata.vocabularySize).toBe(2 ** 18)
    expect(model.metadata.formatVersion).toBe(2)
    expect(model.state.idf).toHaveLength(2 ** 18)
    expect(model.state.weights).toHaveLength(2 ** 18 * model.classes.length)
  })

  it('explains with the terms of the text, and #column when none of its terms is known there', () => {
    const model = trainClassifier(corpus, params, SOURCE)
    const explanation = model.classify('goal GOAL team phone', { explain: true }).explanation ?? []
    expect(explanation.map((term) => term.term)).toContain('goal')
    expect(model.transform('Goal goal').terms).toEqual(['goal'])
  })

  it('learns words first seen after training, which a count model cannot', () => {
    const hashing = trainClassifier(corpus, params, SOURCE)
    const counting = trainClassifier(corpus, {}, SOURCE)
    const sports = hashing.classes.indexOf('sports')
    const before = hashing.predictProba('zebra crossing')[sports] as number
    for (const model of [hashing, counting]) {
      model.partialFit(Array(5).fill('zebra crossing'), Array(5).fill('sports'))
    }
    // The count model knows neither word: only its prior moved (sports: 4 + 5 of 13 + 5 documents).
    expect(counting.predictProba('zebra crossing')[sports]).toBeCloseTo(9 / 18, 12)
    // The hashing model learnt the two words.
    const learnt = hashing.predictProba('zebra crossing')[sports] as number
    expect(learnt).toBeGreaterThan(0.8)
    expect(learnt - before).toBeGreaterThan(0.4)
  })

  it('refuses minDf and maxDf, which need a vocabulary', () => {
    for (const pruning of [{ minDf: 2 }, { maxDf: 0.5 }]) {
      expect(() => trainClassifier(corpus, { ...params, ...pruning }, SOURCE)).toThrow(
        expect.objectContaining({
          code: 'ERR_TRAINING_INVALID',
          message: expect.stringMatching(/minDf and maxDf/),
        }),
      )
    }
  })

  it.each([0, 1.5, 2 ** 31])('refuses nFeatures %s', (nFeatures) => {
    expect(() => trainClassifier(corpus, { ...params, nFeatures }, SOURCE)).toThrow(
      expect.objectContaining({ code: 'ERR_TRAINING_INVALID', message: expect.stringMatching(/nFeatures/) }),
    )
  })
})
