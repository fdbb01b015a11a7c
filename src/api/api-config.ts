/**
 * Settings shared by the REST and gRPC adapters. The CLI validates them once (serve's option
 * table); `resolveApiConfig` fills the defaults for embedders and tests, then freezes.
 */
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
})

export function resolveApiConfig(config: Partial<ApiConfig> = {}): ApiConfig {
  return Object.freeze({ ...DEFAULT_API_CONFIG, ...config })
}
