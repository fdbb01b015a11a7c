/**
 * Settings shared by the REST and gRPC adapters. The CLI validates them once (serve's option
 * table); `resolveApiConfig` fills the defaults for embedders and tests, then freezes.
 */
import { TopicstreamError } from '../errors.js'
import { DEFAULT_MAX_TEXT_BYTES } from '../limits.js'

export interface ApiConfig {
  /** Largest text accepted, in UTF-8 bytes; larger → ERR_TEXT_TOO_LARGE. */
  readonly maxTextBytes: number
  /** Most texts in one batch request; more → ERR_BATCH_TOO_LARGE. */
  readonly maxBatch: number
  /** Largest REST request body in bytes; larger → ERR_PAYLOAD_TOO_LARGE. */
  readonly bodyLimit: number
  /** Largest gRPC message in bytes, both directions. */
  readonly grpcMaxMessageBytes: number
  /** Accepted API keys; empty disables authentication. */
  readonly apiKeys: readonly string[]
  /** Requests per client per window; 0 disables rate limiting. */
  readonly rateLimit: number
  readonly rateLimitWindowMs: number
  /** Origins allowed by CORS; empty disables CORS. `*` allows any. */
  readonly corsOrigins: readonly string[]
  /** Serve Swagger UI at /docs and the document at /docs/json. */
  readonly docs: boolean
  /** Register the echo routes used by the load tests. Never on by default. */
  readonly benchmarkRoutes: boolean
  /**
   * Longest time to receive a whole REST request (headers and body), in ms; a request still
   * incomplete then gets 408 ERR_REQUEST_TIMEOUT and its connection is closed. 0 disables.
   */
  readonly requestTimeoutMs: number
  /** Longest time to receive a REST request's headers, in ms; at most `requestTimeoutMs`. */
  readonly headersTimeoutMs: number
  /** Abstain (label null) under this top-class probability; 0 never abstains. */
  readonly minConfidence: number
}

export const DEFAULT_API_CONFIG: ApiConfig = Object.freeze({
  maxTextBytes: DEFAULT_MAX_TEXT_BYTES,
  maxBatch: 1000,
  bodyLimit: 8 * 1024 * 1024,
  grpcMaxMessageBytes: 8 * 1024 * 1024,
  apiKeys: Object.freeze([]),
  rateLimit: 0,
  rateLimitWindowMs: 60_000,
  corsOrigins: Object.freeze([]),
  docs: true,
  benchmarkRoutes: false,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  minConfidence: 0,
})

export function resolveApiConfig(config: Partial<ApiConfig> = {}): ApiConfig {
  const resolved = { ...DEFAULT_API_CONFIG, ...config }
  const { requestTimeoutMs, headersTimeoutMs } = resolved
  // Node refuses a headers timeout longer than the request timeout; so do we, with our own error.
  if (requestTimeoutMs > 0 && headersTimeoutMs > requestTimeoutMs) {
    if (config.headersTimeoutMs !== undefined) {
      throw new TopicstreamError(
        'ERR_CONFIG_INVALID',
        `The headers timeout (${headersTimeoutMs} ms) must not exceed the request timeout (${requestTimeoutMs} ms)`,
      )
    }
    return Object.freeze({ ...resolved, headersTimeoutMs: requestTimeoutMs })
  }
  return Object.freeze(resolved)
}
