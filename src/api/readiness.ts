/**
 * Readiness, defined once for REST's /readyz and gRPC's health service, so the two never disagree:
 * every model is loaded and every named check passes. A check that throws counts as failing rather
 * than failing the probe (or, for gRPC's periodic refresh, the process).
 */
import type { ModelRegistry } from '../engine/model-registry.js'

/** Named readiness checks besides "every model is loaded", e.g. `{ kafka: () => bridge.isRunning() }`. */
export type ReadinessChecks = Readonly<Record<string, () => boolean>>

export interface ReadinessReport {
  readonly ready: boolean
  /** Each check's answer: `models` first, then the named checks in their order. */
  readonly checks: Record<string, boolean>
}

export interface Readiness {
  report(): ReadinessReport
  isReady(): boolean
}

export function createReadiness(registry: ModelRegistry, checks: ReadinessChecks = {}): Readiness {
  const named = Object.entries(checks)
  const report = (): ReadinessReport => {
    const answers: Record<string, boolean> = { models: registry.isReady() }
    for (const [name, check] of named) answers[name] = safe(check)
    return { ready: Object.values(answers).every(Boolean), checks: answers }
  }
  return { report, isReady: () => report().ready }
}

function safe(check: () => boolean): boolean {
  try {
    return check()
  } catch {
    return false
  }
}
