import { describe, expect, it } from 'vitest'
import { healthWarnings, nonEnglishShare, spanInWords } from '../../../src/api/dashboard/health-warnings.js'
import { HEALTH_THRESHOLDS } from '../../../src/health/thresholds.js'
import { driftingWindow, windowStats } from './health-helpers.js'

const messages = (...args: Parameters<typeof healthWarnings>): string[] =>
  healthWarnings(...args).map((warning) => warning.message)

describe('healthWarnings', () => {
  it('says nothing about a healthy window', () => {
    expect(healthWarnings(windowStats())).toEqual([])
  })

  it('puts every crossed threshold in plain words, in a fixed order', () => {
    expect(messages(driftingWindow())).toEqual([
      "62% of the last minute's records are under 20% confidence: the model may not fit this stream",
      'The labels drifted from the reference mix (PSI 0.91)',
      '58% of the tokens are unknown to the model',
      '71% of the records are not English',
    ])
    expect(
      healthWarnings(driftingWindow()).map(({ code, value, threshold }) => ({ code, value, threshold })),
    ).toEqual([
      { code: 'low-confidence', value: 0.62, threshold: HEALTH_THRESHOLDS.lowConfidenceShare },
      { code: 'label-drift', value: 0.91, threshold: HEALTH_THRESHOLDS.labelPsi },
      { code: 'unknown-tokens', value: 0.58, threshold: HEALTH_THRESHOLDS.oovRate },
      { code: 'not-english', value: expect.closeTo(0.71, 10), threshold: HEALTH_THRESHOLDS.nonEnglishShare },
    ])
  })

  it('warns about each figure on its own', () => {
    expect(healthWarnings(windowStats({ lowShare: 0.9 })).map((w) => w.code)).toEqual(['low-confidence'])
    expect(healthWarnings(windowStats({ psi: 1.234 })).map((w) => w.message)).toEqual([
      'The labels drifted from the reference mix (PSI 1.23)',
    ])
    expect(healthWarnings(windowStats({ oovRate: 0.505 })).map((w) => w.message)).toEqual([
      '50.5% of the tokens are unknown to the model',
    ])
    expect(healthWarnings(windowStats({ languages: { ru: 0.8, en: 0.2 } })).map((w) => w.message)).toEqual([
      '80% of the records are not English',
    ])
  })

  it('needs a figure above its threshold, not at it', () => {
    const t = HEALTH_THRESHOLDS
    const atThresholds = windowStats({
      lowShare: t.lowConfidenceShare,
      psi: t.labelPsi,
      oovRate: t.oovRate,
      languages: { es: t.nonEnglishShare, en: 1 - t.nonEnglishShare },
    })
    expect(healthWarnings(atThresholds)).toEqual([])
  })

  it('gives no banner under minRecords records, however bad they look', () => {
    const minRecords = HEALTH_THRESHOLDS.minRecords
    expect(healthWarnings(driftingWindow({ records: minRecords - 1 }))).toEqual([])
    expect(healthWarnings(driftingWindow({ records: minRecords }))).toHaveLength(4)
    expect(healthWarnings(driftingWindow({ records: 0 }))).toEqual([])
  })

  it('follows the thresholds it is given', () => {
    const strict = { ...HEALTH_THRESHOLDS, labelPsi: 0.01, oovRate: 0.1, minRecords: 10 }
    expect(healthWarnings(windowStats({ records: 10 }), strict).map((w) => w.code)).toEqual([
      'label-drift',
      'unknown-tokens',
    ])
  })

  it('names the window by its span, and the confidence threshold in use', () => {
    expect(messages(windowStats({ lowShare: 0.7, spanMs: 120_000, threshold: 0.35 }))).toEqual([
      "70% of the last 2 minutes' records are under 35% confidence: the model may not fit this stream",
    ])
    expect(messages(windowStats({ lowShare: 0.7, spanMs: 3_600_000, threshold: 0.125 }))).toEqual([
      "70% of the last hour's records are under 12.5% confidence: the model may not fit this stream",
    ])
  })

  it('never warns about a figure that has nothing to be computed from', () => {
    const empty = windowStats({ lowShare: null, psi: null, oovRate: null, languages: {} })
    expect(healthWarnings(empty)).toEqual([])
  })
})

describe('nonEnglishShare', () => {
  it('counts the records detected as another language, not the undetermined ones', () => {
    expect(
      nonEnglishShare(windowStats({ languages: { en: 0.5, und: 0.3, es: 0.15, fr: 0.05 } })),
    ).toBeCloseTo(0.2, 10)
    expect(nonEnglishShare(windowStats({ languages: { und: 1 } }))).toBe(0)
    expect(nonEnglishShare(windowStats({ languages: {} }))).toBeNull()
  })
})

describe('spanInWords', () => {
  it.each([
    [60_000, 'the last minute'],
    [120_000, 'the last 2 minutes'],
    [300_000, 'the last 5 minutes'],
    [90_000, 'the last 90 seconds'],
    [6_000, 'the last 6 seconds'],
    [1_000, 'the last second'],
    [3_600_000, 'the last hour'],
    [7_200_000, 'the last 2 hours'],
    [5_400_000, 'the last 90 minutes'],
  ])('%i ms is %s', (spanMs, words) => {
    expect(spanInWords(spanMs)).toBe(words)
  })
})
