/**
 * Every error topicstream raises on purpose carries one of these stable codes.
 * Callers (and the transport mappings in `api/` and `bridge/`) branch on `code`, never on messages.
 * Each code is documented in README.md ("Error codes"); a test fails when one is missing there.
 */
export const ERROR_CODES = {
  // Input to classify
  ERR_TEXT_INVALID: 'The text to classify is missing or is not a string.',
  ERR_TEXT_TOO_LARGE: 'The text is larger than the configured maximum (bytes of UTF-8).',
  ERR_TEXT_NOT_UTF8: 'The input bytes are not valid UTF-8.',
  ERR_BATCH_TOO_LARGE: 'A batch holds more texts than the configured maximum.',
  ERR_REQUEST_INVALID:
    'The request does not match its schema (wrong types, unknown fields, malformed JSON or protobuf).',
  ERR_PAYLOAD_TOO_LARGE: 'The request body is larger than the configured limit.',
  // Models
  ERR_MODEL_NOT_FOUND: 'No model is registered under that name, or the model file does not exist.',
  ERR_MODEL_FILE_INVALID: 'The model file is truncated, corrupt or not a topicstream model.',
  ERR_MODEL_FILE_VERSION: 'The model file was written by an unsupported format version.',
  ERR_MODEL_LABEL_UNKNOWN:
    'An incremental update gives a label that cannot be a class of the model (a number for a model of string labels, a non-integer for one of numeric labels, or an empty name); new class names are learnt.',
  // Feedback and the learning loop
  ERR_LABEL_INVALID:
    'A feedback label is missing, empty, longer than the limit, or neither a string nor an integer.',
  ERR_FEEDBACK_UNAVAILABLE:
    'Feedback needs Kafka (its topic is the log of truth): this server runs without a broker.',
  ERR_PROMOTION_REFUSED:
    'The model cannot be promoted or rolled back now: no learner, no candidate, or no earlier version.',
  ERR_MODEL_SNAPSHOT_INVALID:
    'A model snapshot on the models topic is incomplete, or its bytes fail the manifest checksum.',
  // Training data
  ERR_DATASET_NOT_FOUND: 'The dataset path does not exist.',
  ERR_DATASET_INVALID: 'The dataset is damaged or not in the expected layout.',
  ERR_DATASET_UNKNOWN_CATEGORY: 'A requested category does not exist in the dataset.',
  ERR_DATASET_DOWNLOAD_FAILED:
    'The dataset could not be downloaded (offline?); pass a local archive instead.',
  ERR_TRAINING_INVALID:
    'Training parameters or training data are unusable (e.g. one class, empty vocabulary).',
  // Configuration and command line
  ERR_CONFIG_INVALID: 'An option, argument or environment variable is invalid.',
  ERR_CONFIG_UNKNOWN_OPTION: 'An option is not recognised.',
  // Security and limits
  ERR_UNAUTHENTICATED: 'A valid API key is required.',
  ERR_RATE_LIMITED: 'Too many requests from this client.',
  ERR_NOT_READY: 'The service is not ready (models loading, Kafka unavailable, or shutting down).',
  ERR_ROUTE_NOT_FOUND: 'No such HTTP route or gRPC method.',
  ERR_METHOD_NOT_ALLOWED:
    'The HTTP route exists but not for this method (the `allow` header lists those it has).',
  ERR_UNSUPPORTED_MEDIA_TYPE:
    'The request body has a content type the route does not accept (send application/json).',
  ERR_REQUEST_TIMEOUT: 'The request headers or body did not arrive within the configured timeout.',
  ERR_HEADERS_TOO_LARGE: 'The request headers are larger than the server accepts.',
  // Kafka
  ERR_KAFKA_UNAVAILABLE: 'The Kafka cluster cannot be reached.',
  ERR_KAFKA_RECORD_INVALID:
    'A Kafka record is not a usable input (a tombstone, unparseable JSON, or JSON that is not an object).',
  ERR_KAFKA_PRODUCE_FAILED: 'Results could not be written to Kafka.',
  ERR_KAFKA_BROKER: 'The local Kafka broker could not be set up, started or stopped.',
  // Tweet sources
  ERR_SOURCE_INVALID: 'A tweet source (replay file, stdin line, stream) is unusable.',
  ERR_TWITTER_AUTH: 'The X/Twitter API rejected the bearer token.',
  // Anything else
  ERR_INTERNAL: 'An unexpected internal error.',
} as const

export type ErrorCode = keyof typeof ERROR_CODES

export interface TopicstreamErrorOptions {
  cause?: unknown
  /** Structured context, safe to show to the caller (never secrets). */
  details?: Record<string, unknown>
  /** Whether retrying the same operation later may succeed. */
  canRetry?: boolean
}

export class TopicstreamError extends Error {
  override readonly name = 'TopicstreamError'
  readonly code: ErrorCode
  readonly details: Record<string, unknown> | undefined
  readonly canRetry: boolean

  constructor(code: ErrorCode, message: string, options: TopicstreamErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.details = options.details
    this.canRetry = options.canRetry ?? false
  }
}

export function isTopicstreamError(value: unknown): value is TopicstreamError {
  return value instanceof TopicstreamError
}

/** Wraps anything thrown by a dependency into a TopicstreamError, keeping ours untouched. */
export function toTopicstreamError(value: unknown, fallback: ErrorCode = 'ERR_INTERNAL'): TopicstreamError {
  if (isTopicstreamError(value)) return value
  const message = value instanceof Error ? value.message : String(value)
  return new TopicstreamError(fallback, message, { cause: value })
}
