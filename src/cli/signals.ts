/**
 * SIGTERM and SIGINT for long-running commands: while listened for, they no longer end the process,
 * so the command can stop its parts in order and return its exit code.
 */
export interface SignalWait {
  /** Resolves with the first SIGTERM or SIGINT. */
  readonly signal: Promise<NodeJS.Signals>
  /** Stops listening: the signals' default behaviour returns. */
  dispose(): void
}

export function listenForStopSignal(): SignalWait {
  let onSignal: (signal: NodeJS.Signals) => void = () => {}
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = resolve
  })
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  return {
    signal,
    dispose() {
      process.off('SIGTERM', onSignal)
      process.off('SIGINT', onSignal)
    },
  }
}
