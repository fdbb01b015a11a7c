/**
 * The one place where error codes become HTTP statuses, and where Fastify's own errors (bad JSON,
 * schema violations, body limits) become ours. Every error body is `{"error":{"code","message"}}`.
 */
import type { FastifyError } from 'fastify'
import { type ErrorCode, TopicstreamError, isTopicstreamError } from '../errors.js'

/** Total over the codes: adding a code without deciding its status does not compile. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
  ERR_TEXT_INVALID: 400,
  ERR_TEXT_TOO_LARGE: 413,
  ERR_TEXT_NOT_UTF8: 400,
  ERR_BATCH_TOO_LARGE: 413,
  ERR_REQUEST_INVALID: 400,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_MODEL_NOT_FOUND: 404,
  ERR_MODEL_FILE_INVALID: 500,
  ERR_MODEL_FILE_VERSION: 500,
  ERR_MODEL_LABEL_UNKNOWN: 400,
  ERR_LABEL_INVALID: 400,
  ERR_FEEDBACK_UNAVAILABLE: 503,
  ERR_PROMOTION_REFUSED: 409,
  ERR_MODEL_SNAPSHOT_INVALID: 500,
  ERR_DATASET_NOT_FOUND: 500,
  ERR_DATASET_INVALID: 500,
  ERR_DATASET_UNKNOWN_CATEGORY: 500,
  ERR_DATASET_DOWNLOAD_FAILED: 500,
  ERR_TRAINING_INVALID: 500,
  ERR_CONFIG_INVALID: 500,
  ERR_CONFIG_UNKNOWN_OPTION: 500,
  ERR_UNAUTHENTICATED: 401,
  ERR_RATE_LIMITED: 429,
  ERR_NOT_READY: 503,
  ERR_ROUTE_NOT_FOUND: 404,
  ERR_METHOD_NOT_ALLOWED: 405,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  ERR_REQUEST_TIMEOUT: 408,
  ERR_HEADERS_TOO_LARGE: 431,
  ERR_KAFKA_UNAVAILABLE: 503,
  ERR_KAFKA_RECORD_INVALID: 400,
  ERR_KAFKA_PRODUCE_FAILED: 503,
  ERR_KAFKA_BROKER: 503,
  ERR_SOURCE_INVALID: 400,
  ERR_TWITTER_AUTH: 502,
  ERR_INTERNAL: 500,
})

export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string }
}

/** JSON schema of the error body, shared by every route's documented error responses. */
export const errorBodySchema = {
  $id: 'Error',
  type: 'object',
  description: 'Every non-2xx response has this body; branch on `code`, never on `message`.',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', description: 'A stable error code (see the README "Error codes" table).' },
        message: { type: 'string' },
      },
    },
  },
} as const

interface ValidationIssue {
  readonly keyword: string
  readonly instancePath: string
  readonly params: Record<string, unknown>
}

export function httpStatusOf(error: TopicstreamError): number {
  return HTTP_STATUS[error.code]
}

/** Converts whatever a route, hook or Fastify threw into our error, with the status to send. */
export function toHttpError(error: unknown): { status: number; error: TopicstreamError } {
  const ours = isTopicstreamError(error) ? error : fromFastify(error)
  return { status: httpStatusOf(ours), error: ours }
}

export function errorBody(error: TopicstreamError): ErrorBody {
  return { error: { code: error.code, message: error.message } }
}

function fromFastify(error: unknown): TopicstreamError {
  const fastifyError = error as Partial<FastifyError> & { validation?: readonly ValidationIssue[] }
  if (Array.isArray(fastifyError.validation))
    return fromValidation(fastifyError.validation, fastifyError.message)
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new TopicstreamError('ERR_REQUEST_INVALID', fastifyError.message ?? 'Invalid request body', {
        cause: error,
      })
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new TopicstreamError('ERR_UNSUPPORTED_MEDIA_TYPE', 'The body must be application/json', {
        cause: error,
      })
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new TopicstreamError('ERR_PAYLOAD_TOO_LARGE', 'The request body is larger than the limit', {
        cause: error,
      })
  }
  // Anything else with a 4xx status is the client's fault (e.g. a malformed URL). The rate limiter
  // throws our own ERR_RATE_LIMITED, so it never arrives here.
  const status = fastifyError.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new TopicstreamError('ERR_REQUEST_INVALID', fastifyError.message ?? 'Invalid request', {
      cause: error,
    })
  }
  return new TopicstreamError('ERR_INTERNAL', 'Internal server error', { cause: error })
}

/** Schema violations about the text(s) get ERR_TEXT_INVALID / ERR_BATCH_TOO_LARGE; the rest ERR_REQUEST_INVALID. */
function fromValidation(issues: readonly ValidationIssue[], message: string | undefined): TopicstreamError {
  const text = message ?? 'The request does not match its schema'
  for (const issue of issues) {
    const missing = issue.keyword === 'required' ? issue.params.missingProperty : undefined
    if (issue.instancePath === '/texts' && issue.keyword === 'maxItems') {
      return new TopicstreamError(
        'ERR_BATCH_TOO_LARGE',
        `A batch holds at most ${String(issue.params.limit)} texts`,
      )
    }
    if (
      missing === 'text' ||
      missing === 'texts' ||
      issue.instancePath === '/text' ||
      issue.instancePath.startsWith('/texts')
    ) {
      return new TopicstreamError('ERR_TEXT_INVALID', text)
    }
  }
  return new TopicstreamError('ERR_REQUEST_INVALID', text)
}
