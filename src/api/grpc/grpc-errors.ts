/**
 * The one place where error codes become gRPC statuses. The code itself travels in the
 * `topicstream-error-code` trailer so clients can branch on it as REST clients branch on `error.code`.
 */
import { Metadata, type ServiceError, status } from '@grpc/grpc-js'
import { type ErrorCode, type TopicstreamError, toTopicstreamError } from '../../errors.js'

export const ERROR_CODE_TRAILER = 'topicstream-error-code'

/** Total over the codes: adding a code without deciding its status does not compile. */
export const GRPC_STATUS: Readonly<Record<ErrorCode, status>> = Object.freeze({
  ERR_TEXT_INVALID: status.INVALID_ARGUMENT,
  ERR_TEXT_TOO_LARGE: status.INVALID_ARGUMENT,
  ERR_TEXT_NOT_UTF8: status.INVALID_ARGUMENT,
  ERR_BATCH_TOO_LARGE: status.INVALID_ARGUMENT,
  ERR_REQUEST_INVALID: status.INVALID_ARGUMENT,
  ERR_PAYLOAD_TOO_LARGE: status.RESOURCE_EXHAUSTED,
  ERR_MODEL_NOT_FOUND: status.NOT_FOUND,
  ERR_MODEL_FILE_INVALID: status.INTERNAL,
  ERR_MODEL_FILE_VERSION: status.INTERNAL,
  ERR_MODEL_LABEL_UNKNOWN: status.INVALID_ARGUMENT,
  ERR_LABEL_INVALID: status.INVALID_ARGUMENT,
  ERR_FEEDBACK_UNAVAILABLE: status.FAILED_PRECONDITION,
  ERR_PROMOTION_REFUSED: status.FAILED_PRECONDITION,
  ERR_MODEL_SNAPSHOT_INVALID: status.INTERNAL,
  ERR_DATASET_NOT_FOUND: status.INTERNAL,
  ERR_DATASET_INVALID: status.INTERNAL,
  ERR_DATASET_UNKNOWN_CATEGORY: status.INTERNAL,
  ERR_DATASET_DOWNLOAD_FAILED: status.INTERNAL,
  ERR_TRAINING_INVALID: status.INTERNAL,
  ERR_CONFIG_INVALID: status.INTERNAL,
  ERR_CONFIG_UNKNOWN_OPTION: status.INTERNAL,
  ERR_UNAUTHENTICATED: status.UNAUTHENTICATED,
  ERR_RATE_LIMITED: status.RESOURCE_EXHAUSTED,
  ERR_NOT_READY: status.UNAVAILABLE,
  ERR_ROUTE_NOT_FOUND: status.UNIMPLEMENTED,
  ERR_METHOD_NOT_ALLOWED: status.UNIMPLEMENTED,
  ERR_UNSUPPORTED_MEDIA_TYPE: status.INVALID_ARGUMENT,
  ERR_REQUEST_TIMEOUT: status.DEADLINE_EXCEEDED,
  ERR_HEADERS_TOO_LARGE: status.RESOURCE_EXHAUSTED,
  ERR_KAFKA_UNAVAILABLE: status.UNAVAILABLE,
  ERR_KAFKA_RECORD_INVALID: status.INVALID_ARGUMENT,
  ERR_KAFKA_PRODUCE_FAILED: status.UNAVAILABLE,
  ERR_KAFKA_BROKER: status.UNAVAILABLE,
  ERR_SOURCE_INVALID: status.INVALID_ARGUMENT,
  ERR_TWITTER_AUTH: status.UNAVAILABLE,
  ERR_INTERNAL: status.INTERNAL,
})

export function grpcStatusOf(error: TopicstreamError): status {
  return GRPC_STATUS[error.code]
}

/**
 * The message a client may see: an internal error's message may expose internals, so callers get a
 * generic one (still with the code ERR_INTERNAL). The gRPC adapter does not log these errors; its
 * request metrics count them by status.
 */
export function publicMessage(error: TopicstreamError): string {
  return error.code === 'ERR_INTERNAL' ? 'Internal server error' : error.message
}

/** What a handler passes to its callback (unary) or emits as 'error' (streams). */
export function toServiceError(
  error: unknown,
): Partial<ServiceError> & { code: status; ours: TopicstreamError } {
  const ours = toTopicstreamError(error)
  const metadata = new Metadata()
  metadata.set(ERROR_CODE_TRAILER, ours.code)
  const message = publicMessage(ours)
  return { code: grpcStatusOf(ours), details: message, message, metadata, name: 'TopicstreamError', ours }
}
