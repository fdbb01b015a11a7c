/**
 * How every long-running command runs: the signal runner first, then the plan (modules are imported
 * and parts built inside it, so a signal during start-up is already a clean stop), then the parts.
 */
import type { Logger } from './logger.js'
import { type Part, runParts } from './part.js'
import { type StopSignals, listenForStopSignals } from './signals.js'

export interface ServicePlan {
  readonly parts: readonly Part[]
  /** Called once every part has started (e.g. to print where things are). */
  readonly onStarted?: () => void
  /** Besides a signal, the run ends when this settles (a producer reaching the end of its source). */
  readonly until?: Promise<unknown>
}

export interface ServiceOptions {
  readonly logger: Logger
  /** How long each part may take to stop. */
  readonly stopTimeoutMs: number
  readonly plan: (signals: StopSignals) => Promise<ServicePlan>
}

/** Resolves once every started part has stopped; rejects when a part failed to start. */
export async function runService(options: ServiceOptions): Promise<void> {
  const { logger } = options
  const signals = listenForStopSignals({ logger })
  try {
    const plan = await options.plan(signals)
    await runParts(plan.parts, {
      logger,
      signal: signals.signal,
      stopTimeoutMs: options.stopTimeoutMs,
      ...(plan.onStarted ? { onStarted: plan.onStarted } : {}),
      ...(plan.until ? { until: plan.until } : {}),
    })
    logger.info('stopped')
  } finally {
    signals.dispose()
  }
}
