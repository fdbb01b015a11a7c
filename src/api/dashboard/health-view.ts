/**
 * What the dashboard's stream-health panel receives: the figures of one stream (the bridge's, when
 * this process runs one), the thresholds they are drawn against, the banner's warnings, and a short
 * history of the vocabulary and language figures for the chart. Everything else the monitor knows
 * (scripts, per-label shares, the per-text OOV rate) stays on /metrics and the REST stats route.
 */
import type { WindowStats } from '../../engine/stream-stats.js'
import type { Channel, StreamHealth } from '../../health/stream-monitor.js'
import type { HealthThresholds } from '../../health/thresholds.js'
import { healthWarnings, nonEnglishShare, spanInWords } from './health-warnings.js'
import type { HealthWarningCode } from './health-warnings.js'

/** Languages named in the view and in each history point; the rest are summed as `other`. */
export const SHOWN_LANGUAGES = 5

/** The figures of one span, as the panel draws them. */
export interface HealthFigures {
  readonly records: number
  readonly psi: number | null
  readonly jsd: number | null
  readonly estimatedAccuracy: number | null
  readonly confidence: Omit<WindowStats['confidence'], 'mean'>
  readonly abstainedShare: number | null
  readonly oovRate: number | null
  /** See `nonEnglishShare`: undetermined texts do not count. */
  readonly nonEnglishShare: number | null
  /** Share of records per language, the most common first, then `other`. */
  readonly languages: Readonly<Record<string, number>>
}

/** One sample of the window, taken every `HealthSeries.sampleMs`. */
export interface HealthPoint {
  readonly at: number
  readonly oovRate: number | null
  readonly languages: Readonly<Record<string, number>>
}

export interface HealthSeries {
  readonly sampleMs: number
  /** Oldest first, at most `capacity`. */
  readonly points: readonly HealthPoint[]
  readonly capacity: number
}

/** What the browser receives as a `health` event, and `health` in /dashboard/snapshot. */
export interface HealthView {
  readonly at: number
  readonly channel: Channel
  readonly model: { readonly name: string; readonly version: string }
  readonly spanMs: number
  /** The window in words ("the last minute"). */
  readonly span: string
  readonly window: HealthFigures
  /** The rolling hour, for comparison. */
  readonly hour: HealthFigures
  readonly thresholds: HealthThresholds
  /** The banner: empty when the window is healthy or holds too few records to judge. */
  readonly warnings: readonly { readonly code: HealthWarningCode; readonly message: string }[]
  readonly series: HealthSeries
}

/**
 * The stream the dashboard shows: the bridge's, which classifies the records the feed shows, else
 * the REST and gRPC requests' (a server whose bridge runs elsewhere). Of several models on one
 * channel, the one with the most records in its window, then in its hour. Undefined when there is
 * none yet.
 */
export function selectStream(streams: readonly StreamHealth[]): StreamHealth | undefined {
  let best: StreamHealth | undefined
  for (const stream of streams) {
    if (best === undefined || compare(stream, best) > 0) best = stream
  }
  return best
}

function compare(a: StreamHealth, b: StreamHealth): number {
  return (
    Number(a.channel === 'bridge') - Number(b.channel === 'bridge') ||
    a.window.records - b.window.records ||
    a.horizon.records - b.horizon.records
  )
}

/** Four decimals are more than the page shows, and keep the event small. */
function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10_000) / 10_000
}

/** The `SHOWN_LANGUAGES` most common languages (already sorted so), then the rest as `other`. */
function topLanguages(shares: Readonly<Record<string, number>>): Record<string, number> {
  const top: Record<string, number> = {}
  let other = 0
  let shown = 0
  for (const [language, share] of Object.entries(shares)) {
    if (shown < SHOWN_LANGUAGES) {
      top[language] = round(share) ?? 0
      shown++
    } else {
      other += share
    }
  }
  if (other > 0) top.other = round(other) ?? 0
  return top
}

export function healthFigures(stats: WindowStats): HealthFigures {
  const { confidence } = stats
  return {
    records: stats.records,
    psi: round(stats.labelMix.psi),
    jsd: round(stats.labelMix.jsd),
    estimatedAccuracy: round(stats.estimatedAccuracy),
    confidence: {
      p10: round(confidence.p10),
      p50: round(confidence.p50),
      p90: round(confidence.p90),
      lowShare: round(confidence.lowShare),
      threshold: confidence.threshold,
    },
    abstainedShare: round(stats.abstainedShare),
    oovRate: round(stats.oovRate),
    nonEnglishShare: round(nonEnglishShare(stats)),
    languages: topLanguages(stats.languages.shares),
  }
}

export function healthView(
  stream: StreamHealth,
  thresholds: HealthThresholds,
  series: HealthSeries,
  at: number,
): HealthView {
  return {
    at,
    channel: stream.channel,
    model: { name: stream.model.name, version: stream.model.version },
    spanMs: stream.window.spanMs,
    span: spanInWords(stream.window.spanMs),
    window: healthFigures(stream.window),
    hour: healthFigures(stream.horizon),
    thresholds,
    warnings: healthWarnings(stream.window, thresholds).map(({ code, message }) => ({ code, message })),
    series,
  }
}

/** The last `capacity` samples of a window's vocabulary and language figures. */
export class HealthHistory {
  readonly #points: HealthPoint[] = []
  readonly #capacity: number
  readonly #sampleMs: number

  constructor(capacity: number, sampleMs: number) {
    this.#capacity = capacity
    this.#sampleMs = sampleMs
  }

  add(window: WindowStats, at: number): void {
    this.#points.push({
      at,
      oovRate: round(window.oovRate),
      languages: topLanguages(window.languages.shares),
    })
    if (this.#points.length > this.#capacity) this.#points.shift()
  }

  series(): HealthSeries {
    return { sampleMs: this.#sampleMs, capacity: this.#capacity, points: [...this.#points] }
  }
}
