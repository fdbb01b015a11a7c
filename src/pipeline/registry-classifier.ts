/**
 * The bridge's `classify` over a model registry: always the registry's current default model, so a
 * reload applies to the stream at once, and the model named in every result.
 */
import type { DashboardStats } from '../api/dashboard/types.js'
import type { BridgeClassification } from '../bridge/bridge.js'
import { type ModelRegistry, attribute } from '../engine/model-registry.js'
import type { ClassifyOptions } from '../engine/types.js'

/** With `stats`, the engine time per record goes to the dashboard, measured where the model runs. */
export function registryClassifier(
  registry: ModelRegistry,
  options: ClassifyOptions,
  stats?: DashboardStats,
): (text: string) => BridgeClassification {
  // Timed only when the dashboard shows it: two clock reads per record otherwise wasted.
  if (stats === undefined) {
    return (text) => {
      const entry = registry.entry()
      return attribute(entry.model.classify(text, options), entry.ref)
    }
  }
  return (text) => {
    const entry = registry.entry()
    const started = performance.now()
    const classification = entry.model.classify(text, options)
    stats.classifyLatency(performance.now() - started)
    return attribute(classification, entry.ref)
  }
}
