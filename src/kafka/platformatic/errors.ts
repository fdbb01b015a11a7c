/**
 * @platformatic/kafka errors → TopicstreamError, by the error's shape (its `code`, the broker's error
 * id `apiId`, the library's `canRetry` flag, and the `errors`/`cause` chain), so this needs no import
 * of the library itself.
 */
import { TopicstreamError, isTopicstreamError } from '../../errors.js'
import type { ErrorCode } from '../../errors.js'
import { guardWith } from '../guard.js'
import type { Guard } from '../guard.js'
import { UNAVAILABLE_BROKER_ERRORS } from '../unavailable.js'

/** The library's own codes for "the cluster is not reachable right now". */
const UNAVAILABLE_CODES = new Set(['PLT_KFK_NETWORK', 'PLT_KFK_TIMEOUT'])

/** The broker's names for the error codes that mean "leader/coordinator moving or starting". */
const UNAVAILABLE_API_IDS = new Set([
  ...UNAVAILABLE_BROKER_ERRORS,
  'NOT_LEADER_OR_FOLLOWER',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
])

export interface PlatformaticErrorShape {
  name?: string
  code?: string
  message?: string
  apiId?: string
  canRetry?: boolean
  errors?: unknown[]
  cause?: unknown
}

function shapeOf(value: unknown): PlatformaticErrorShape {
  return typeof value === 'object' && value !== null ? (value as PlatformaticErrorShape) : {}
}

/** Every error in the tree: the error itself, the members of an aggregate, and causes. */
export function errorTree(error: unknown, depth = 0): PlatformaticErrorShape[] {
  const shape = shapeOf(error)
  if (depth > 6) return [shape]
  const inner = [...(Array.isArray(shape.errors) ? shape.errors : []), ...(shape.cause ? [shape.cause] : [])]
  return [shape, ...inner.flatMap((child) => errorTree(child, depth + 1))]
}

/** The broker's error id (`UNKNOWN_TOPIC_OR_PARTITION`, …) anywhere in the tree, if any. */
export function findApiId(error: unknown, ids: ReadonlySet<string> | string): string | undefined {
  const wanted = typeof ids === 'string' ? new Set([ids]) : ids
  return errorTree(error).find(({ apiId }) => apiId !== undefined && wanted.has(apiId))?.apiId
}

/**
 * Translates a @platformatic/kafka error into a TopicstreamError. Connection-level failures (also
 * when they are the last of several attempts) become ERR_KAFKA_UNAVAILABLE with `canRetry`; everything
 * else gets `fallback`, retryable when the library marks every failure in it as retryable.
 */
export function translatePlatformaticError(error: unknown, fallback: ErrorCode): TopicstreamError {
  if (isTopicstreamError(error)) return error
  const shape = shapeOf(error)
  const tree = errorTree(error)
  const message = shape.message ?? String(error)
  const apiIds = [...new Set(tree.flatMap(({ apiId }) => (apiId ? [apiId] : [])))]
  const details: Record<string, unknown> = {}
  if (shape.code) details.kafkaError = shape.code
  if (apiIds.length > 0) details.kafkaErrorType = apiIds[apiIds.length - 1]
  const last = tree[tree.length - 1] ?? shape
  const unavailable = tree.some(
    ({ code, apiId }) =>
      (code !== undefined && UNAVAILABLE_CODES.has(code)) ||
      (apiId !== undefined && UNAVAILABLE_API_IDS.has(apiId)),
  )
  if (unavailable) {
    return new TopicstreamError('ERR_KAFKA_UNAVAILABLE', `Kafka is unavailable: ${message}`, {
      cause: error,
      details,
      canRetry: true,
    })
  }
  const flagged = tree.filter(({ canRetry }) => canRetry !== undefined)
  const canRetry = flagged.length > 0 && flagged.every(({ canRetry }) => canRetry === true)
  const text =
    last !== shape && last.message && last.message !== message ? `${message}: ${last.message}` : message
  return new TopicstreamError(fallback, text, { cause: error, details, canRetry })
}

/** Runs a @platformatic/kafka call; a failure is rethrown as a TopicstreamError (`fallback` when nothing fits better). */
export const guard: Guard = guardWith(translatePlatformaticError)
