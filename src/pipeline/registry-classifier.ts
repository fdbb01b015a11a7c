/**
 * The bridge's `classify` over a model registry: always the registry's current default model, so a
 * reload applies to the stream at once, and the model named in every result.
 */
import type { DashboardStats } from '../api/dashboard/types.js'
import type { BridgeClassification } from '../bridge/bridge.js'
import { type ModelRegistry, attribute } from '../engine/model-registry.js'
import type { ClassifyOptions } from '../engine/types.js'
import type { StreamMonitor } from '../health/stream-monitor.js'

export interface RegistryClassifierOptions {
  readonly classify: ClassifyOptions
  /** Where the engine time per record goes, measured where the model runs (the dashboard). */
  readonly dashboard?: DashboardStats | undefined
  /** Where every result goes for the stream-health statistics. */
  readonly streamHealth?: StreamMonitor | undefined
}

export function registryClassifier(
  registry: ModelRegistry,
  { classify: options, dashboard, streamHealth }: RegistryClassifierOptions,
): (text: string) => BridgeClassification {
  return (text) => {
    const entry = registry.entry()
    // Timed only when the dashboard shows it: two clock reads per record otherwise wasted.
    const started = dashboard === undefined ? 0 : performance.now()
    const classification = entry.model.classify(text, options)
    dashboard?.classifyLatency(performance.now() - started)
    streamHealth?.observe('bridge', entry.model, entry.ref, classification, text)
    return attribute(classification, entry.ref)
  }
}
