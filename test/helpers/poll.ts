/**
 * Polling for state that settles asynchronously (stream counters, readiness, a consumer joining):
 * tests wait for the state itself, never for a fixed time.
 */
export interface PollOptions {
  /** Give up after this long (default 30 s). */
  readonly timeoutMs?: number
  /** Pause between probes (default 20 ms). */
  readonly intervalMs?: number
}

/** Resolves with the first value `probe` returns other than undefined. */
export async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  { timeoutMs = 30_000, intervalMs = 20 }: PollOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** Resolves once `condition` holds. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options?: PollOptions,
): Promise<void> {
  await until(async () => ((await condition()) ? true : undefined), options)
}
