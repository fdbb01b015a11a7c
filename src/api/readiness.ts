/**
 * Readiness, defined once for REST's /readyz and gRPC's health service, so the two never disagree:
 * every model is loaded and every named check passes. A check that throws counts as failing rather
 * than failing the probe (or, for gRPC's periodic refresh, the process).
 */
import type { ModelRegistry } from '../engine/model-registry.js'

/**
 * A check's answer: ready or not, and optionally why not (shown by /readyz), e.g.
 * `{ ready: false, reason: 'partition 0 of "tweets" stalled: ERR_KAFKA_PRODUCE_FAILED' }`.
 */
export type ReadinessAnswer = boolean | { readonly ready: boolean; readonly reason?: string }

/** Named readiness checks besides "every model is loaded", e.g. `{ kafka: () => bridge.isRunning() }`. */
export type ReadinessChecks = Readonly<Record<string, () => ReadinessAnswer>>

export interface ReadinessReport {
  readonly ready: boolean
  /** Each check's answer: `models` first, then the named checks in their order. */
  readonly checks: Record<string, boolean>
  /** Why a failing check fails, for the checks that say. */
  readonly reasons?: Record<string, string>
}

export interface Readiness {
  report(): ReadinessReport
  isReady(): boolean
}

export function createReadiness(registry: ModelRegistry, checks: ReadinessChecks = {}): Readiness {
  const named = Object.entries(checks)
  const report = (): ReadinessReport => {
    const answers: Record<string, boolean> = { models: registry.isReady() }
    const reasons: Record<string, string> = {}
    for (const [name, check] of named) {
      const answer = safe(check)
      answers[name] = typeof answer === 'boolean' ? answer : answer.ready
      if (typeof answer !== 'boolean' && !answer.ready && answer.reason) reasons[name] = answer.reason
    }
    const ready = Object.values(answers).every(Boolean)
    return { ready, checks: answers, ...(Object.keys(reasons).length > 0 ? { reasons } : {}) }
  }
  return { report, isReady: () => report().ready }
}

function safe(check: () => ReadinessAnswer): ReadinessAnswer {
  try {
    return check()
  } catch {
    return false
  }
}
