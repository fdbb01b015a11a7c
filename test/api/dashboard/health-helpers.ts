/** Stream-health figures made to order, for the dashboard's health panel tests. */
import type { WindowStats } from '../../../src/engine/stream-stats.js'
import type { Channel, StreamHealth } from '../../../src/health/stream-monitor.js'

export interface WindowKnobs {
  readonly spanMs?: number
  readonly records?: number
  readonly psi?: number | null
  readonly jsd?: number | null
  readonly mean?: number | null
  readonly p10?: number | null
  readonly p50?: number | null
  readonly p90?: number | null
  readonly lowShare?: number | null
  readonly threshold?: number
  readonly oovRate?: number | null
  /** Shares per language, the most common first. */
  readonly languages?: Readonly<Record<string, number>>
}

/** A window whose figures are healthy unless told otherwise: 200 English records, little drift. */
export function windowStats(knobs: WindowKnobs = {}): WindowStats {
  const records = knobs.records ?? 200
  const languages = knobs.languages ?? { en: 0.9, und: 0.1 }
  return {
    spanMs: knobs.spanMs ?? 60_000,
    records,
    labelMix: {
      psi: knobs.psi === undefined ? 0.04 : knobs.psi,
      jsd: knobs.jsd === undefined ? 0.01 : knobs.jsd,
      shares: { sports: 0.5, food: 0.5 },
    },
    confidence: {
      mean: knobs.mean === undefined ? 0.82 : knobs.mean,
      p10: knobs.p10 === undefined ? 0.41 : knobs.p10,
      p50: knobs.p50 === undefined ? 0.88 : knobs.p50,
      p90: knobs.p90 === undefined ? 0.99 : knobs.p90,
      lowShare: knobs.lowShare === undefined ? 0.05 : knobs.lowShare,
      threshold: knobs.threshold ?? 0.2,
    },
    abstainedShare: 0,
    estimatedAccuracy: knobs.mean === undefined ? 0.82 : knobs.mean,
    oovRate: knobs.oovRate === undefined ? 0.12 : knobs.oovRate,
    oovRatePerText: knobs.oovRate === undefined ? 0.12 : knobs.oovRate,
    languages: {
      nonLatinShare: 0,
      shares: languages,
      scripts: { latin: 1 },
      inspected: Math.min(records, 96),
    },
  }
}

/** A window that fails every check: unsure, drifted, unknown words, not English. */
export function driftingWindow(knobs: WindowKnobs = {}): WindowStats {
  return windowStats({
    psi: 0.91,
    jsd: 0.12,
    mean: 0.31,
    p10: 0.08,
    p50: 0.17,
    p90: 0.52,
    lowShare: 0.62,
    oovRate: 0.58,
    languages: { es: 0.52, en: 0.21, pt: 0.12, und: 0.08, fr: 0.04, de: 0.02, it: 0.01 },
    ...knobs,
  })
}

export function streamHealth(
  window: WindowStats,
  options: { channel?: Channel; model?: string; version?: string; horizon?: WindowStats } = {},
): StreamHealth {
  return {
    channel: options.channel ?? 'bridge',
    model: { name: options.model ?? 'news', version: options.version ?? 'v1' },
    window,
    horizon: options.horizon ?? windowStats({ spanMs: 3_600_000, records: window.records * 20 }),
  }
}
