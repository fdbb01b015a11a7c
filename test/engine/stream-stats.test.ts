import { describe, expect, it } from 'vitest'
import { isTopicstreamError } from '../../src/errors.js'
import { histogramQuantile, jensenShannon, psi } from '../../src/engine/distributions.js'
import {
  INSPECT_EVERY,
  INSPECT_FIRST,
  StreamStats,
  type StreamRecord,
  type StreamStatsOptions,
} from '../../src/engine/stream-stats.js'

const ENGLISH = 'Good morning everyone, the weather is lovely today and the coffee is hot'
const SPANISH = 'Buenos días a todos, hoy hace un tiempo estupendo y el café está caliente'
const GERMAN = 'Guten Morgen zusammen, heute ist das Wetter wunderbar und der Kaffee ist heiß'
const RUSSIAN = 'Доброе утро всем, сегодня прекрасная погода и горячий кофе'

function record(overrides: Partial<StreamRecord> = {}): StreamRecord {
  return {
    label: 'a',
    confidence: 0.5,
    abstained: false,
    tokens: 10,
    knownTokens: 10,
    text: ENGLISH,
    ...overrides,
  }
}

function stats(options: Partial<StreamStatsOptions> = {}): StreamStats {
  return new StreamStats({ classes: ['a', 'b', 'c'], reference: [0.5, 0.3, 0.2], ...options })
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return isTopicstreamError(error) ? error.code : 'not a TopicstreamError'
  }
  return undefined
}

describe('psi', () => {
  it('is Σ (p − q) ln(p / q) of the normalised weights', () => {
    // (0.5 − 0.9) ln(0.5 / 0.9) + (0.5 − 0.1) ln(0.5 / 0.1) = 0.4 ln(9 / 5) + 0.4 ln 5 = 0.4 ln 9
    expect(psi([0.5, 0.5], [0.9, 0.1], 0)).toBeCloseTo(0.4 * Math.log(9), 14)
    expect(psi([1, 1], [9, 1], 0)).toBeCloseTo(0.8788898309344879, 14)
    expect(psi([3, 1, 2], [0.5, 1 / 6, 1 / 3])).toBeCloseTo(0, 14)
  })

  it('smooths both sides with epsilon so that an empty class gives a finite index', () => {
    // p′ = ((1, 0) + 1e-4) / 1.0002, q′ = (0.5, 0.5): (p′₀ − ½) ln 2p′₀ + (p′₁ − ½) ln 2p′₁
    const e = 1e-4
    const p0 = (1 + e) / (1 + 2 * e)
    const p1 = e / (1 + 2 * e)
    const expected = (p0 - 0.5) * Math.log(p0 / 0.5) + (p1 - 0.5) * Math.log(p1 / 0.5)
    expect(expected).toBeCloseTo(4.6042993236235334, 12)
    expect(psi([1, 0], [1, 1])).toBeCloseTo(expected, 12)
    expect(psi([1, 0], [1, 1], 0)).toBe(Infinity)
  })

  it('is null when either side has no weight, and refuses distributions of different lengths', () => {
    expect(psi([0, 0], [1, 1])).toBeNull()
    expect(psi([1, 1], [0, 0])).toBeNull()
    expect(codeOf(() => psi([1, 1], [1, 1, 1]))).toBe('ERR_INTERNAL')
  })
})

describe('jensenShannon', () => {
  it('is 0 for the same distribution and 1 for disjoint ones (base 2)', () => {
    expect(jensenShannon([2, 6], [1, 3])).toBeCloseTo(0, 15)
    expect(jensenShannon([1, 0], [0, 1])).toBe(1)
  })

  it('matches a hand computation, and is symmetric', () => {
    // M = (3/4, 1/4): ½ log₂(4/3) + ½ (½ log₂(2/3) + ½ log₂ 2) = 3/2 − ¾ log₂ 3
    expect(jensenShannon([1, 0], [0.5, 0.5])).toBeCloseTo(1.5 - 0.75 * Math.log2(3), 14)
    expect(jensenShannon([0.5, 0.5], [1, 0])).toBeCloseTo(0.31127812445913294, 14)
  })

  it('is null when either side has no weight', () => {
    expect(jensenShannon([0, 0], [1, 0])).toBeNull()
  })
})

describe('histogramQuantile', () => {
  const histogram = (counts: Record<number, number>): Float64Array => {
    const bins = new Float64Array(100)
    for (const [bin, count] of Object.entries(counts)) bins[Number(bin)] = count
    return bins
  }

  it('interpolates linearly inside the bin that holds the rank', () => {
    const one = histogram({ 42: 1 })
    expect(histogramQuantile(one, 0)).toBeCloseTo(0.42, 15)
    expect(histogramQuantile(one, 0.5)).toBeCloseTo(0.425, 15)
    expect(histogramQuantile(one, 1)).toBeCloseTo(0.43, 15)
    // Ranks 0.4, 2 and 3.6 of 4: bin 10 at 0.4 of its width, bin 10 at 2/3, bin 90 at 0.6.
    const two = histogram({ 10: 3, 90: 1 })
    expect(histogramQuantile(two, 0.1)).toBeCloseTo((10 + 0.4 / 3) / 100, 15)
    expect(histogramQuantile(two, 0.5)).toBeCloseTo((10 + 2 / 3) / 100, 15)
    expect(histogramQuantile(two, 0.9)).toBeCloseTo(0.906, 15)
    expect(histogramQuantile(two, 1)).toBeCloseTo(0.91, 15)
  })

  it('is null for an empty histogram', () => {
    expect(histogramQuantile(new Float64Array(100), 0.5)).toBeNull()
  })
})

describe('StreamStats', () => {
  it('gives nulls, not NaN, and empty shares before any record', () => {
    const { window, horizon } = stats().snapshot(1_000)
    expect(window).toEqual({
      spanMs: 60_000,
      records: 0,
      labelMix: { psi: null, jsd: null, shares: {} },
      confidence: { mean: null, p10: null, p50: null, p90: null, lowShare: null, threshold: 0.2 },
      abstainedShare: null,
      estimatedAccuracy: null,
      oovRate: null,
      oovRatePerText: null,
      languages: { nonLatinShare: null, shares: {}, scripts: {}, inspected: 0 },
    })
    expect(horizon.spanMs).toBe(3_600_000)
    expect(horizon.records).toBe(0)
  })

  it('returns frozen plain data', () => {
    const s = stats()
    s.observe(record(), 0)
    const snapshot = s.snapshot(0)
    expect(Object.isFrozen(snapshot)).toBe(true)
    expect(Object.isFrozen(snapshot.window.labelMix.shares)).toBe(true)
    expect(Object.isFrozen(snapshot.horizon.languages.scripts)).toBe(true)
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot)
  })

  it('compares the predicted labels with the reference', () => {
    const s = stats()
    const labels = ['a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'c', 'c']
    labels.forEach((label, i) => s.observe(record({ label }), i))
    const mix = s.snapshot(10).window.labelMix
    expect(mix.shares).toEqual({ a: 0.5, b: 0.3, c: 0.2 })
    expect(mix.psi).toBeCloseTo(0, 15)
    expect(mix.jsd).toBeCloseTo(0, 15)

    const skewed = stats()
    for (let i = 0; i < 10; i++) skewed.observe(record({ label: 'a' }), i)
    const shifted = skewed.snapshot(10).window.labelMix
    expect(shifted.shares).toEqual({ a: 1, b: 0, c: 0 })
    // Hand-computed with ε = 1e-4 over three classes.
    expect(shifted.psi).toBeCloseTo(4.26753405811023, 12)
    expect(shifted.jsd).toBeCloseTo(jensenShannon([1, 0, 0], [0.5, 0.3, 0.2]) as number, 15)
  })

  it('normalises a reference given as counts', () => {
    const s = stats({ reference: [50, 30, 20] })
    for (const label of ['a', 'b', 'c']) s.observe(record({ label }), 0)
    expect(s.snapshot(0).window.labelMix.psi).toBeCloseTo(psi([1, 1, 1], [0.5, 0.3, 0.2]) as number, 15)
  })

  it('summarises confidence: mean, quantiles from the histogram, low share, abstentions', () => {
    const s = stats()
    const confidences = [0.105, 0.155, 0.505, 0.905]
    confidences.forEach((confidence, i) => s.observe(record({ confidence, abstained: i === 0 }), 0))
    const { window } = s.snapshot(0)
    expect(window.confidence.mean).toBeCloseTo(0.4175, 15)
    expect(window.estimatedAccuracy).toBe(window.confidence.mean)
    expect(window.confidence.p10).toBeCloseTo(0.104, 15)
    expect(window.confidence.p50).toBeCloseTo(0.16, 15)
    expect(window.confidence.p90).toBeCloseTo(0.906, 15)
    expect(window.confidence.lowShare).toBe(0.5)
    expect(window.abstainedShare).toBe(0.25)
  })

  it('takes its low-confidence threshold from the options', () => {
    const s = stats({ lowConfidence: 0.6 })
    for (const confidence of [0.105, 0.155, 0.505, 0.905]) s.observe(record({ confidence }), 0)
    expect(s.snapshot(0).window.confidence).toMatchObject({ lowShare: 0.75, threshold: 0.6 })
  })

  it('clamps a confidence outside [0, 1], and NaN to 0', () => {
    const s = stats()
    s.observe(record({ confidence: Number.NaN }), 0)
    s.observe(record({ confidence: 1.5 }), 0)
    s.observe(record({ confidence: 1 }), 0)
    const { confidence } = s.snapshot(0).window
    expect(confidence.mean).toBeCloseTo(2 / 3, 15)
    expect(confidence.p10).toBeCloseTo(0.003, 15)
    // Rank 2.7 of 3: the second of the two records in bin 99, 0.85 of the way through it.
    expect(confidence.p90).toBeCloseTo(0.9985, 15)
  })

  it('gives the out-of-vocabulary rate by tokens and by text', () => {
    const s = stats()
    s.observe(record({ tokens: 10, knownTokens: 9 }), 0)
    s.observe(record({ tokens: 2, knownTokens: 0 }), 0)
    s.observe(record({ tokens: 0, knownTokens: 0 }), 0)
    const { window } = s.snapshot(0)
    expect(window.oovRate).toBeCloseTo(1 - 9 / 12, 15)
    expect(window.oovRatePerText).toBeCloseTo((0.1 + 1) / 2, 15)

    const empty = stats()
    empty.observe(record({ tokens: 0, knownTokens: 0 }), 0)
    expect(empty.snapshot(0).window).toMatchObject({ records: 1, oovRate: null, oovRatePerText: null })
  })

  it('lets records leave the window after 5/6 to 6/6 of windowMs, and the horizon after an hour', () => {
    const s = stats()
    s.observe(record(), 5_000) // sub-bucket [0, 10 s), horizon bucket [0, 60 s)
    s.observe(record(), 30_000) // sub-bucket [30 s, 40 s)
    expect(s.snapshot(30_000).window.records).toBe(2)
    expect(s.snapshot(59_999).window.records).toBe(2)
    expect(s.snapshot(60_000).window.records).toBe(1)
    expect(s.snapshot(89_999).window.records).toBe(1)
    expect(s.snapshot(90_000).window.records).toBe(0)
    expect(s.snapshot(90_000).horizon.records).toBe(2)
    expect(s.snapshot(3_599_999).horizon.records).toBe(2)
    expect(s.snapshot(3_600_000).horizon.records).toBe(0)
  })

  it('empties a reused bucket and skips the time a gap leaves out', () => {
    const s = stats()
    s.observe(record({ label: 'a' }), 0)
    s.observe(record({ label: 'b' }), 60_000)
    // An hour later the horizon slot of t = 0 comes round again, with other records in it.
    s.observe(record({ label: 'c' }), 3_600_000)
    expect(s.snapshot(3_600_000).horizon.labelMix.shares).toEqual({ a: 0, b: 0.5, c: 0.5 })
    expect(s.snapshot(3_600_000).window.labelMix.shares).toEqual({ a: 0, b: 0, c: 1 })
    // Ten hours with no record: nothing of before is left, and the new record counts alone.
    s.observe(record({ label: 'a' }), 36_000_000)
    const later = s.snapshot(36_000_000)
    expect(later.window.records).toBe(1)
    expect(later.horizon.records).toBe(1)
    expect(later.horizon.labelMix.shares).toEqual({ a: 1, b: 0, c: 0 })
  })

  it('counts a record from an earlier time at the latest time seen', () => {
    const s = stats()
    s.observe(record(), 100_000)
    s.observe(record(), 50_000)
    // Counted at 50 s, the second record would have left the window by 110 s.
    expect(s.snapshot(150_000).window.records).toBe(2)
    expect(s.snapshot(160_000).window.records).toBe(0)
    // A snapshot asked for an earlier time reads at the latest time seen.
    expect(s.snapshot(0).window.records).toBe(2)
  })

  it('starts afresh when the clock steps back by more than the horizon', () => {
    const s = stats()
    s.observe(record(), 10_000_000)
    s.observe(record(), 1_000)
    expect(s.snapshot(1_000).horizon.records).toBe(1)
    expect(s.snapshot(1_000).window.records).toBe(1)
  })

  it('ignores a time that is not finite', () => {
    const s = stats()
    s.observe(record(), 120_000)
    s.observe(record(), Number.NaN)
    s.observe(record(), Infinity)
    expect(s.snapshot(120_000).window.records).toBe(3)
    expect(s.snapshot(Infinity).window.records).toBe(3)
  })

  it('honours windowMs and horizonMs', () => {
    const s = stats({ windowMs: 6_000, horizonMs: 12_000 })
    s.observe(record(), 0)
    expect(s.snapshot(5_999).window.records).toBe(1)
    expect(s.snapshot(6_000).window.records).toBe(0)
    expect(s.snapshot(11_999).horizon.records).toBe(1)
    expect(s.snapshot(12_000).horizon).toMatchObject({ records: 0, spanMs: 12_000 })
  })

  it('estimates language and script shares from the texts it inspects', () => {
    const s = stats()
    for (const text of [ENGLISH, SPANISH, GERMAN, RUSSIAN]) s.observe(record({ text }), 0)
    const { languages } = s.snapshot(0).window
    expect(languages.inspected).toBe(4)
    expect(languages.shares).toEqual({ de: 0.25, en: 0.25, es: 0.25, ru: 0.25 })
    expect(languages.scripts).toMatchObject({ latin: 0.75, cyrillic: 0.25, none: 0, cjk: 0 })
    expect(languages.nonLatinShare).toBe(0.25)
  })

  it('counts texts without letters as script none, outside the non-Latin share', () => {
    const s = stats()
    s.observe(record({ text: '😀 123 !!!' }), 0)
    s.observe(record({ text: 'Привет, как дела у тебя сегодня?' }), 0)
    const { languages } = s.snapshot(0).window
    expect(languages.scripts).toMatchObject({ none: 0.5, cyrillic: 0.5 })
    expect(languages.nonLatinShare).toBe(1)
    expect(languages.shares).toEqual({ ru: 0.5, und: 0.5 })
  })

  it(`inspects the first ${INSPECT_FIRST} records of each sub-bucket, then one in ${INSPECT_EVERY}`, () => {
    const s = stats()
    const busy = 3 * INSPECT_EVERY - 100
    for (let i = 0; i < busy; i++) s.observe(record({ text: ENGLISH }), 1_000)
    // The first ones, then the INSPECT_EVERY-th and the 2 × INSPECT_EVERY-th records.
    const first = INSPECT_FIRST + 2
    expect(s.snapshot(1_000).window.languages.inspected).toBe(first)
    // The next sub-bucket starts with its own first records inspected: here all of its few.
    const few = INSPECT_FIRST - 1
    for (let i = 0; i < few; i++) s.observe(record({ text: SPANISH }), 11_000)
    const { languages } = s.snapshot(11_000).window
    expect(languages.inspected).toBe(first + few)
    // Each bucket's inspected texts stand for all its records, not for themselves alone.
    expect(languages.shares.en).toBeCloseTo(busy / (busy + few), 12)
    expect(languages.shares.es).toBeCloseTo(few / (busy + few), 12)
  })

  it('keeps no text: texts of very different lengths leave the same snapshot', () => {
    const short = stats()
    const long = stats()
    for (let i = 0; i < 300; i++) {
      short.observe(record({ text: ENGLISH }), i * 100)
      long.observe(record({ text: `${ENGLISH} `.repeat(5_000) }), i * 100)
    }
    const snapshot = short.snapshot(30_000)
    expect(long.snapshot(30_000)).toEqual(snapshot)
    expect(JSON.stringify(snapshot)).not.toContain('morning')
  })

  it('carries its counts over to a new reference, leaving the original as it was', () => {
    const s = stats()
    for (let i = 0; i < 4; i++) s.observe(record({ label: 'a' }), 0)
    const moved = s.withReference([1, 0, 0])
    expect(moved.snapshot(0).window.records).toBe(4)
    expect(moved.snapshot(0).window.labelMix.jsd).toBe(0)
    expect(s.snapshot(0).window.labelMix.jsd).toBeCloseTo(jensenShannon([1, 0, 0], [0.5, 0.3, 0.2]) as number)
    moved.observe(record({ label: 'b' }), 0)
    expect(moved.snapshot(0).window.records).toBe(5)
    expect(s.snapshot(0).window.records).toBe(4)
  })

  it('refuses a label that is not one of its classes', () => {
    const s = stats()
    expect(codeOf(() => s.observe(record({ label: 'z' }), 0))).toBe('ERR_MODEL_LABEL_UNKNOWN')
    expect(s.snapshot(0).window.records).toBe(0)
  })

  it('refuses unusable options', () => {
    expect(codeOf(() => stats({ reference: [1, 1] }))).toBe('ERR_CONFIG_INVALID')
    expect(codeOf(() => stats({ reference: [1, -1, 1] }))).toBe('ERR_CONFIG_INVALID')
    expect(codeOf(() => stats({ reference: [0, 0, 0] }))).toBe('ERR_CONFIG_INVALID')
    expect(codeOf(() => stats({ classes: ['a', 'a', 'b'] }))).toBe('ERR_CONFIG_INVALID')
    expect(codeOf(() => stats({ windowMs: 0 }))).toBe('ERR_CONFIG_INVALID')
    expect(codeOf(() => stats({ windowMs: 60_000, horizonMs: 90_000 }))).toBe('ERR_CONFIG_INVALID')
    expect(codeOf(() => stats({ lowConfidence: 1.5 }))).toBe('ERR_CONFIG_INVALID')
    expect(codeOf(() => stats())).toBeUndefined()
  })
})
