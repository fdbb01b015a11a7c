/**
 * kafkajs errors → TopicstreamError, by the error's shape (name, type, retriable flag and
 * cause chain), so this needs no import of the library itself.
 */
import { TopicstreamError, isTopicstreamError } from '../../errors.js'
import type { ErrorCode } from '../../errors.js'
import { guardWith } from '../guard.js'
import type { Guard } from '../guard.js'
import { UNAVAILABLE_BROKER_ERRORS } from '../unavailable.js'

/** Which kafkajs failures mean "the cluster is not reachable right now". */
const UNAVAILABLE_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSTimeout',
])

// kafkajs's names for the broker error codes that mean "leader/coordinator moving or starting".
const UNAVAILABLE_PROTOCOL_TYPES = new Set([
  ...UNAVAILABLE_BROKER_ERRORS,
  'NOT_LEADER_FOR_PARTITION',
  'GROUP_LOAD_IN_PROGRESS',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR_FOR_GROUP',
])

/**
 * What kafkajs logs for conditions a client waits out: a broker, coordinator or leader that is still
 * starting or moving, topic metadata not yet everywhere, a rebalance. Error names and the library's
 * messages for the retriable broker error codes, as log entries carry them only as text.
 */
const RETRIABLE_LOG_TEXT = [
  ...UNAVAILABLE_ERRORS,
  'KafkaJSNumberOfRetriesExceeded',
  'Restarting the consumer in',
  'This server does not host this topic-partition',
  'There is no leader for this topic-partition',
  'This server is not the leader for that topic-partition',
  'The replica is not available',
  'The request timed out',
  'The server disconnected before a response was received',
  'The coordinator is loading',
  'The group coordinator is not available',
  'This is not the correct coordinator for this group',
  'The group is rebalancing',
  'This is not the correct controller for this cluster',
  'fewer in-sync replicas than required',
  'another concurrent operation on the same transaction',
  'The fetch session',
  'The leader epoch in the request is',
  'The leader high watermark has not caught up',
  'leader was not available',
  'leaders are not available',
]

/**
 * Whether a kafkajs log entry reports a retriable condition: its error says `retriable` (or wraps
 * one that does), or its text names a known retriable error.
 */
export function isRetriableLogEntry(message: string, fields: Readonly<Record<string, unknown>>): boolean {
  const { error } = fields
  if (fields.retriable === true) return true
  if (typeof error === 'object' && error !== null && isRetriable(error as KafkaJsErrorShape, 0)) return true
  const text = typeof error === 'string' ? `${message} ${error}` : message
  return RETRIABLE_LOG_TEXT.some((known) => text.includes(known))
}

export interface KafkaJsErrorShape {
  name?: string
  message?: string
  retriable?: boolean
  type?: string
  cause?: unknown
  originalError?: unknown
}

/**
 * Translates a kafkajs error into a TopicstreamError. Connection-level failures (including
 * "retries exhausted" whose cause was one) become ERR_KAFKA_UNAVAILABLE with `canRetry`;
 * everything else gets `fallback` and keeps the library's own retriable flag.
 */
export function translateKafkaError(error: unknown, fallback: ErrorCode): TopicstreamError {
  if (isTopicstreamError(error)) return error
  const shape = (typeof error === 'object' && error !== null ? error : {}) as KafkaJsErrorShape
  const message = shape.message ?? String(error)
  const details: Record<string, unknown> = {}
  if (shape.name) details.kafkaError = shape.name
  if (shape.type) details.kafkaErrorType = shape.type
  if (isUnavailable(shape, 0)) {
    return new TopicstreamError('ERR_KAFKA_UNAVAILABLE', `Kafka is unavailable: ${message}`, {
      cause: error,
      details,
      canRetry: true,
    })
  }
  return new TopicstreamError(fallback, message, {
    cause: error,
    details,
    canRetry: isRetriable(shape, 0),
  })
}

/** kafkajs wraps the last retriable failure when it gives up; the cause decides. */
function isRetriable(shape: KafkaJsErrorShape, depth: number): boolean {
  if (shape.retriable === true || shape.name === 'KafkaJSNumberOfRetriesExceeded') return true
  const inner = shape.originalError ?? shape.cause
  return (
    depth < 4 &&
    typeof inner === 'object' &&
    inner !== null &&
    isRetriable(inner as KafkaJsErrorShape, depth + 1)
  )
}

function isUnavailable(shape: KafkaJsErrorShape, depth: number): boolean {
  if (depth > 4) return false
  if (shape.name && UNAVAILABLE_ERRORS.has(shape.name)) return true
  if (shape.type && UNAVAILABLE_PROTOCOL_TYPES.has(shape.type)) return true
  const inner = shape.originalError ?? shape.cause
  return typeof inner === 'object' && inner !== null && isUnavailable(inner as KafkaJsErrorShape, depth + 1)
}

/** Runs a kafkajs call; a failure is rethrown as a TopicstreamError (`fallback` when nothing fits better). */
export const guard: Guard = guardWith(translateKafkaError)
