/**
 * Calls into a client library: its failures translated into TopicstreamErrors where they enter, and
 * a brief retry for the calls a library does not retry on its own.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { isTopicstreamError } from '../errors.js'
import type { ErrorCode, TopicstreamError } from '../errors.js'

/** A library's error translation: its error → a TopicstreamError, `fallback` when nothing fits better. */
export type Translate = (error: unknown, fallback: ErrorCode) => TopicstreamError

/** Runs `operation`; a failure is rethrown translated. */
export type Guard = <T>(fallback: ErrorCode, operation: () => Promise<T>) => Promise<T>

export function guardWith(translate: Translate): Guard {
  return async <T>(fallback: ErrorCode, operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation()
    } catch (error) {
      throw translate(error, fallback)
    }
  }
}

/** Runs `operation` again (briefly, up to `attempts` times) while it fails with a retriable TopicstreamError. */
export async function retrying<T>(operation: () => Promise<T>, attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation()
    } catch (error) {
      if (attempt >= attempts || !isTopicstreamError(error) || !error.canRetry) throw error
      await sleep(100 * attempt)
    }
  }
}
