/**
 * Classify load that runs until told to stop (load-tests/rest.mjs runs for a fixed duration):
 * autocannon against one replica's POST /v1/classify, the texts rotating, for as long as a test
 * needs replicas under traffic while it acts on them.
 */
import autocannon from 'autocannon'

export interface RunningLoad {
  /** Ends the load (at autocannon's next one-second tick) and resolves with its result. */
  stop(): Promise<autocannon.Result>
}

/** Longer than any test: the load ends by `stop()`. */
const UNTIL_STOPPED_SECONDS = 3600

export function startClassifyLoad(
  rest: string,
  texts: readonly string[],
  { connections = 4 }: { connections?: number } = {},
): RunningLoad {
  // Pre-serialised bodies: the load generator shares the machine with the replicas and the broker.
  const bodies = texts.map((text) => JSON.stringify({ text }))
  let next = 0
  let settle: { resolve(result: autocannon.Result): void; reject(error: unknown): void } | undefined
  const finished = new Promise<autocannon.Result>((resolve, reject) => (settle = { resolve, reject }))
  const instance = autocannon(
    {
      url: `${rest}/v1/classify`,
      method: 'POST',
      connections,
      duration: UNTIL_STOPPED_SECONDS,
      headers: { 'content-type': 'application/json' },
      requests: [
        {
          setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] as string }),
        },
      ],
    },
    (error: unknown, result: autocannon.Result) => (error ? settle?.reject(error) : settle?.resolve(result)),
  )
  let stopped: Promise<autocannon.Result> | undefined
  return {
    stop() {
      stopped ??= (instance.stop(), finished)
      return stopped
    },
  }
}
