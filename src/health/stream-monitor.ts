/**
 * Stream health for one process: a StreamStats per served model, fed by every classification the
 * process makes (REST, gRPC or the bridge), read by /metrics, `GET /v1/models/{name}/stats` and
 * the dashboard. The engine's statistics are pure; this layer owns the clock and the model swaps.
 */
import type { ModelRef } from '../engine/model-registry.js'
import { StreamStats, type StreamSnapshot } from '../engine/stream-stats.js'
import type { TextClassifier } from '../engine/text-classifier.js'
import type { Classification } from '../engine/types.js'

export interface StreamMonitorOptions {
  /** Length of the short window, in ms (the rolling hour is kept too). */
  readonly windowMs?: number | undefined
  /** Confidence under which a record counts as low: the abstain threshold when one is set. */
  readonly lowConfidence?: number | undefined
  readonly now?: () => number
}

/** Where a classification was asked for: REST and gRPC requests, or records of the Kafka bridge. */
export type Channel = 'api' | 'bridge'

/** What one channel's stream looks like, with the model it is measured against. */
export interface StreamHealth extends StreamSnapshot {
  readonly channel: Channel
  readonly model: ModelRef
}

export interface StreamMonitor {
  /** Call right after `model.classify(text)`: reads the model's coverage of that text. */
  observe(
    channel: Channel,
    model: TextClassifier,
    ref: ModelRef,
    classification: Classification,
    text: string,
  ): void
  /** Each channel's statistics for the model; empty before its first record. */
  snapshots(name?: string): StreamHealth[]
}

/**
 * What the model's streams are compared with: its predictions on its held-out split when it has a
 * reference (the label mix a healthy stream shows, and the accuracy per confidence band), else the
 * class mix of its training documents and the plain mean confidence.
 */
export function streamBaseline(model: TextClassifier): {
  readonly mix: readonly number[]
  readonly calibration: readonly (number | null)[] | undefined
} {
  const reference = model.metadata.reference
  if (reference !== undefined && reference.predictedMix.length === model.classes.length) {
    return { mix: reference.predictedMix, calibration: reference.calibration }
  }
  return { mix: trainingMix(model), calibration: undefined }
}

/** The share of each class in the model's training documents. */
export function trainingMix(model: TextClassifier): number[] {
  const counts = model.state.classCount
  let total = 0
  for (const count of counts) total += count
  return Array.from(counts, (count) => (total > 0 ? count / total : 1 / counts.length))
}

interface Stream {
  readonly channel: Channel
  readonly ref: ModelRef
  readonly classes: readonly string[]
  readonly stats: StreamStats
}

export function createStreamMonitor(options: StreamMonitorOptions = {}): StreamMonitor {
  const now = options.now ?? Date.now
  const streams = new Map<string, Stream>()

  const statsFor = (channel: Channel, model: TextClassifier, ref: ModelRef) => {
    const key = `${channel}\u0000${ref.name}`
    const current = streams.get(key)
    if (current?.ref === ref) return current.stats
    // A new version with the same classes keeps the window (an online update moves the reference
    // a little); new classes start a new one, since the old counts no longer line up.
    const classes = model.classes
    const sameClasses =
      current !== undefined &&
      current.classes.length === classes.length &&
      current.classes.every((label, i) => label === classes[i])
    const baseline = streamBaseline(model)
    const stats =
      sameClasses && current !== undefined
        ? current.stats.withReference(baseline.mix, baseline.calibration)
        : new StreamStats({
            classes,
            reference: baseline.mix,
            calibration: baseline.calibration,
            windowMs: options.windowMs,
            lowConfidence: options.lowConfidence,
          })
    streams.set(key, { channel, ref, classes, stats })
    return stats
  }

  return {
    observe(channel, model, ref, classification, text) {
      const coverage = model.lastCoverage
      statsFor(channel, model, ref).observe(
        {
          label: classification.top_k[0]?.label ?? '',
          confidence: classification.confidence,
          abstained: classification.abstained,
          tokens: coverage.tokens,
          knownTokens: coverage.knownTokens,
          text,
        },
        now(),
      )
    },
    snapshots(name) {
      const at = now()
      return [...streams.values()]
        .filter((stream) => name === undefined || stream.ref.name === name)
        .map(({ channel, ref, stats }) => ({ channel, model: ref, ...stats.snapshot(at) }))
    },
  }
}
