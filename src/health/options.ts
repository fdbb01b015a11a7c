/**
 * The options of classification quality, the same on every command that classifies a stream
 * (`serve`, `bridge`, `up`): one definition of their flags, variables and defaults.
 */
import type { OptionSpecs } from '../config.js'
import { DEFAULT_WINDOW_MS } from '../engine/stream-defaults.js'
import type { StreamMonitorOptions } from './stream-monitor.js'

export const STREAM_HEALTH_OPTIONS = {
  minConfidence: {
    kind: 'number',
    env: 'TOPICSTREAM_MIN_CONFIDENCE',
    min: 0,
    max: 1,
    description:
      'Abstain under this top-class probability: the result keeps its top_k, with "label": null and "abstained": true (REST, gRPC and Kafka); off by default',
  },
  healthWindow: {
    kind: 'integer',
    env: 'TOPICSTREAM_HEALTH_WINDOW_MS',
    default: DEFAULT_WINDOW_MS,
    min: 6_000,
    description: 'Length of the short stream-health window in ms (a rolling hour is kept as well)',
  },
} as const satisfies OptionSpecs

/** The classify option and the monitor settings these flags decide. */
export function streamHealthSettings(options: { minConfidence?: number | undefined; healthWindow: number }): {
  readonly minConfidence: number
  readonly monitor: StreamMonitorOptions
} {
  const minConfidence = options.minConfidence ?? 0
  return {
    minConfidence,
    // With an abstain threshold, "low confidence" means abstained; without one, the default.
    monitor: {
      windowMs: options.healthWindow,
      lowConfidence: minConfidence > 0 ? minConfidence : undefined,
    },
  }
}

/** No abstain threshold, the default window. */
export const DEFAULT_STREAM_HEALTH = Object.freeze(streamHealthSettings({ healthWindow: DEFAULT_WINDOW_MS }))
