/**
 * Parts and the runner: a process is a list of parts (broker, models, servers, bridge, feed,
 * producer), started in order and stopped in reverse, each within its own time limit, also when a
 * later part fails to start or a stop is asked for while they are still starting.
 */
import type { Logger } from './logger.js'

export interface Part {
  /** For log lines: "the bridge", "the REST and gRPC servers". */
  readonly name: string
  /**
   * Resolves once the part does its work. `signal` is aborted when a stop is asked for meanwhile;
   * a part that can give up early (a download, a retry loop) should.
   */
  start(signal: AbortSignal): Promise<void>
  /**
   * Stops what `start` began, also a start that failed or is half done, by `deadline` (a
   * `Date.now()` time) if it can. Called once.
   */
  stop(deadline: number): Promise<void>
}

export interface RunPartsOptions {
  readonly logger: Logger
  /** Aborted when the process is asked to stop (see signals.ts). */
  readonly signal: AbortSignal
  /** How long each part may take to stop before the runner moves on. */
  readonly stopTimeoutMs: number
  /** Called once every part has started. */
  readonly onStarted?: () => void
  /** Besides a stop request, the run ends when this settles (a producer reaching its end). */
  readonly until?: Promise<unknown>
}

/**
 * Starts `parts` in order, waits for a stop request (or `until`), then stops the started parts in
 * reverse. A stop request during start-up is a normal end: it resolves. A part that fails to start
 * rejects the run, after the parts before it have been stopped.
 */
export async function runParts(parts: readonly Part[], options: RunPartsOptions): Promise<void> {
  const { logger, signal } = options
  const started: Part[] = []
  let failure: unknown
  try {
    for (const part of parts) {
      if (signal.aborted) break
      logger.debug({ part: part.name }, `starting ${part.name}`)
      // Listed before its start settles: a half-started part is stopped too.
      started.push(part)
      await part.start(signal)
    }
    if (!signal.aborted) {
      options.onStarted?.()
      await Promise.race(options.until ? [aborted(signal), options.until] : [aborted(signal)])
    }
  } catch (error) {
    // A start cut short by the stop request is not a failure.
    if (!signal.aborted) failure = error
  }
  await stopParts(started.reverse(), options)
  if (failure !== undefined) throw failure
}

async function stopParts(parts: readonly Part[], options: RunPartsOptions): Promise<void> {
  for (const part of parts) {
    options.logger.info({ part: part.name }, `stopping ${part.name}`)
    const deadline = Date.now() + options.stopTimeoutMs
    const outcome = await withinDeadline(part.stop(deadline), deadline)
    if (outcome.kind === 'late') {
      options.logger.warn(
        { part: part.name, timeoutMs: options.stopTimeoutMs },
        `${part.name} did not stop within ${options.stopTimeoutMs} ms; moving on`,
      )
    } else if (outcome.kind === 'failed') {
      options.logger.warn({ part: part.name, err: outcome.error }, `${part.name} failed to stop cleanly`)
    }
  }
}

type StopOutcome = { readonly kind: 'done' | 'late' } | { readonly kind: 'failed'; readonly error: unknown }

async function withinDeadline(stopping: Promise<void>, deadline: number): Promise<StopOutcome> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<StopOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'late' }), Math.max(0, deadline - Date.now()))
  })
  try {
    return await Promise.race([
      stopping.then(
        (): StopOutcome => ({ kind: 'done' }),
        (error: unknown): StopOutcome => ({ kind: 'failed', error }),
      ),
      late,
    ])
  } finally {
    clearTimeout(timer)
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}

/** Several parts started side by side (a broker booting while the model loads), stopped together. */
export function inParallel(name: string, parts: readonly Part[]): Part {
  return {
    name,
    async start(signal) {
      const results = await Promise.allSettled(parts.map((part) => part.start(signal)))
      const failed = results.find((result) => result.status === 'rejected')
      if (failed) throw failed.reason
    },
    async stop(deadline) {
      await Promise.all(parts.map((part) => part.stop(deadline).catch(() => undefined)))
    },
  }
}

/** A part from two functions, for the small ones. */
export function part(
  name: string,
  start: (signal: AbortSignal) => Promise<unknown>,
  stop: (deadline: number) => Promise<unknown> = async () => {},
): Part {
  return {
    name,
    start: async (signal) => {
      await start(signal)
    },
    stop: async (deadline) => {
      await stop(deadline)
    },
  }
}

/**
 * Starts `parts` and resolves once all have started, with a function that stops them: for tests and
 * for programs that embed topicstream and own their process's signals.
 */
export async function startParts(
  parts: readonly Part[],
  options: Omit<RunPartsOptions, 'signal' | 'until'>,
): Promise<() => Promise<void>> {
  const controller = new AbortController()
  let started: () => void = () => {}
  const ready = new Promise<void>((resolve) => (started = resolve))
  const onStarted = (): void => {
    options.onStarted?.()
    started()
  }
  const run = runParts(parts, { ...options, signal: controller.signal, onStarted })
  await Promise.race([ready, run])
  return async () => {
    controller.abort()
    await run
  }
}
