import { describe, expect, it } from 'vitest'
import {
  HealthHistory,
  SHOWN_LANGUAGES,
  healthView,
  selectStream,
} from '../../../src/api/dashboard/health-view.js'
import { HEALTH_THRESHOLDS } from '../../../src/health/thresholds.js'
import { driftingWindow, streamHealth, windowStats } from './health-helpers.js'

const noHistory = new HealthHistory(60, 10_000).series()

describe('selectStream', () => {
  it("prefers the bridge's stream, then the one with the most records", () => {
    const api = streamHealth(windowStats({ records: 900 }), { channel: 'api' })
    const bridge = streamHealth(windowStats({ records: 10 }), { channel: 'bridge' })
    const busyBridge = streamHealth(windowStats({ records: 20 }), { channel: 'bridge', model: 'other' })
    expect(selectStream([api, bridge])).toBe(bridge)
    expect(selectStream([bridge, busyBridge, api])).toBe(busyBridge)
    expect(selectStream([api])).toBe(api)
    expect(selectStream([])).toBeUndefined()
  })

  it('breaks a tie in the window by the hour', () => {
    const quiet = streamHealth(windowStats({ records: 0 }), { horizon: windowStats({ records: 5 }) })
    const busier = streamHealth(windowStats({ records: 0 }), { horizon: windowStats({ records: 50 }) })
    expect(selectStream([quiet, busier])).toBe(busier)
  })
})

describe('healthView', () => {
  it('carries the figures the panel draws, the thresholds and the warnings', () => {
    const view = healthView(
      streamHealth(driftingWindow(), { model: 'news', version: 'v3' }),
      HEALTH_THRESHOLDS,
      noHistory,
      1234,
    )
    expect(view).toMatchObject({
      at: 1234,
      channel: 'bridge',
      model: { name: 'news', version: 'v3' },
      spanMs: 60_000,
      span: 'the last minute',
      thresholds: HEALTH_THRESHOLDS,
      window: {
        records: 200,
        psi: 0.91,
        jsd: 0.12,
        estimatedAccuracy: 0.31,
        confidence: { p10: 0.08, p50: 0.17, p90: 0.52, lowShare: 0.62, threshold: 0.2 },
        oovRate: 0.58,
        nonEnglishShare: 0.71,
      },
      hour: { records: 4000, psi: 0.04 },
      series: { sampleMs: 10_000, capacity: 60, points: [] },
    })
    expect(view.warnings.map((warning) => warning.code)).toEqual([
      'low-confidence',
      'label-drift',
      'unknown-tokens',
      'not-english',
    ])
    expect(view.warnings[0]?.message).toContain("of the last minute's records")
  })

  it('names the most common languages and sums the rest as other', () => {
    const view = healthView(streamHealth(driftingWindow()), HEALTH_THRESHOLDS, noHistory, 0)
    expect(Object.keys(view.window.languages)).toEqual(['es', 'en', 'pt', 'und', 'fr', 'other'])
    expect(Object.keys(view.window.languages)).toHaveLength(SHOWN_LANGUAGES + 1)
    expect(view.window.languages.other).toBeCloseTo(0.03, 10)
    expect(healthView(streamHealth(windowStats()), HEALTH_THRESHOLDS, noHistory, 0).window.languages).toEqual(
      {
        en: 0.9,
        und: 0.1,
      },
    )
  })

  it('rounds to four decimals and keeps nulls', () => {
    const view = healthView(
      streamHealth(windowStats({ psi: 0.123456789, oovRate: null, records: 0, languages: {} })),
      HEALTH_THRESHOLDS,
      noHistory,
      0,
    )
    expect(view.window.psi).toBe(0.1235)
    expect(view.window.oovRate).toBeNull()
    expect(view.window.nonEnglishShare).toBeNull()
    expect(view.window.languages).toEqual({})
    expect(view.warnings).toEqual([])
  })

  it('stays small', () => {
    const history = new HealthHistory(60, 10_000)
    for (let i = 0; i < 100; i++) history.add(driftingWindow(), i * 10_000)
    const view = healthView(streamHealth(driftingWindow()), HEALTH_THRESHOLDS, history.series(), 0)
    expect(JSON.stringify(view).length).toBeLessThan(12_000)
  })
})

describe('HealthHistory', () => {
  it('keeps the last samples of the unknown-token rate and the languages, oldest first', () => {
    const history = new HealthHistory(3, 5000)
    for (let i = 1; i <= 5; i++) history.add(windowStats({ oovRate: i / 10 }), i * 1000)
    const series = history.series()
    expect(series).toMatchObject({ sampleMs: 5000, capacity: 3 })
    expect(series.points.map((point) => [point.at, point.oovRate])).toEqual([
      [3000, 0.3],
      [4000, 0.4],
      [5000, 0.5],
    ])
    expect(series.points[0]?.languages).toEqual({ en: 0.9, und: 0.1 })
    // A series handed out is a copy: later samples do not change it.
    history.add(windowStats(), 6000)
    expect(series.points[0]?.at).toBe(3000)
    expect(history.series().points.map((point) => point.at)).toEqual([4000, 5000, 6000])
  })
})
