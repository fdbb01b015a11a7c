/**
 * The one signal runner of every long-running command, installed before anything starts: the first
 * SIGINT or SIGTERM asks the parts to stop (the command then exits 0); a second one exits at once,
 * after the forced-exit hooks (a local broker is still told to stop).
 */
import type { Logger } from './logger.js'

export interface StopSignals {
  /** Aborted by the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal
  /** Runs on a forced exit, before the process ends: must be synchronous and quick. */
  onForcedExit(hook: () => void): void
  /** Stops listening: the signals' default behaviour returns. */
  dispose(): void
}

export interface SignalRunnerOptions {
  readonly logger: Logger
  /** Ends the process on the second signal (default `process.exit`). */
  readonly exit?: (code: number) => void
}

/** The exit status of a process ended by a second signal, as shells report an interrupt. */
export const FORCED_EXIT_CODE = 130

export function listenForStopSignals(options: SignalRunnerOptions): StopSignals {
  const controller = new AbortController()
  const hooks: Array<() => void> = []
  const exit = options.exit ?? ((code: number) => process.exit(code))
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!controller.signal.aborted) {
      options.logger.info({ signal }, `${signal}: stopping (send it again to exit at once)`)
      controller.abort(signal)
      return
    }
    options.logger.warn({ signal }, `${signal} again: exiting now`)
    for (const hook of hooks.splice(0)) {
      try {
        hook()
      } catch {
        // Exiting regardless: a hook's failure must not keep the process alive.
      }
    }
    exit(FORCED_EXIT_CODE)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    onForcedExit: (hook) => hooks.push(hook),
    dispose() {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}
