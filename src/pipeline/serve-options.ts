/**
 * The options of `topicstream serve` (and of anything that starts the same servers): one table for
 * flags, environment variables, defaults, `--help` and the README.
 */
import { DEFAULT_API_CONFIG } from '../api/api-config.js'
import { BRIDGE_KAFKA_OPTIONS } from '../bridge/options.js'
import { LEARNER_OPTIONS, LEARNING_TOPIC_OPTIONS } from '../learner/options.js'
import type { OptionSpecs, Options } from '../config.js'
import { STREAM_HEALTH_OPTIONS } from '../health/options.js'
import { LOG_OPTIONS } from '../runtime/logger.js'

const { maxTextBytes: bridgeMaxTextBytes, ...bridgeKafkaOptions } = BRIDGE_KAFKA_OPTIONS

export const SERVE_OPTIONS = {
  model: {
    kind: 'list',
    repeatable: true,
    env: 'TOPICSTREAM_MODELS',
    description: 'A model to serve as NAME=FILE (repeatable; the first is the default; env: comma-separated)',
  },
  modelsDir: {
    kind: 'string',
    env: 'TOPICSTREAM_MODELS_DIR',
    description: 'Serve every *.tsmodel in this directory, named after the file (instead of --model)',
  },
  host: {
    kind: 'string',
    env: 'TOPICSTREAM_HOST',
    default: '127.0.0.1',
    description: 'Address the REST API (and dashboard) and the gRPC server listen on',
  },
  port: {
    kind: 'integer',
    env: 'TOPICSTREAM_PORT',
    default: 8080,
    min: 0,
    max: 65535,
    description: 'Port of the REST API and the dashboard (0: any free port)',
  },
  grpcPort: {
    kind: 'integer',
    env: 'TOPICSTREAM_GRPC_PORT',
    default: 50051,
    min: 0,
    max: 65535,
    description: 'Port of the gRPC server (0: any free port)',
  },
  grpc: {
    kind: 'boolean',
    env: 'TOPICSTREAM_GRPC',
    default: true,
    description: 'Serve gRPC (--no-grpc to turn off)',
  },

  apiKeyFile: {
    kind: 'string',
    env: 'TOPICSTREAM_API_KEY_FILE',
    description:
      'Require the API keys in this file (one per line; blank lines and # comments ignored) as `Authorization: Bearer KEY` on /v1, /classify, the dashboard data and gRPC; recommended over --api-key, whose values other local users can see in `ps`',
  },
  apiKey: {
    kind: 'list',
    repeatable: true,
    secret: true,
    env: 'TOPICSTREAM_API_KEYS',
    description:
      'Require this API key (repeatable; env: comma-separated), in addition to those of --api-key-file; visible in `ps`, prefer --api-key-file',
  },
  rateLimit: {
    kind: 'integer',
    env: 'TOPICSTREAM_RATE_LIMIT',
    default: DEFAULT_API_CONFIG.rateLimit,
    min: 0,
    description:
      'REST requests per client per window (counted per API key, else per address; failed authentication counts against the address); 0 = unlimited',
  },
  rateLimitWindow: {
    kind: 'integer',
    env: 'TOPICSTREAM_RATE_LIMIT_WINDOW_MS',
    default: DEFAULT_API_CONFIG.rateLimitWindowMs,
    min: 1,
    description: 'Rate-limit window in milliseconds',
  },
  corsOrigin: {
    kind: 'list',
    repeatable: true,
    env: 'TOPICSTREAM_CORS_ORIGINS',
    description: 'Allow this browser origin (repeatable, `*` for any); CORS is off without it',
  },
  maxTextBytes: {
    kind: 'integer',
    env: 'TOPICSTREAM_MAX_TEXT_BYTES',
    default: bridgeMaxTextBytes.default,
    min: 1,
    description: 'Largest text in UTF-8 bytes (larger: HTTP 413 / gRPC INVALID_ARGUMENT / bridge DLQ)',
  },
  maxBatch: {
    kind: 'integer',
    env: 'TOPICSTREAM_MAX_BATCH',
    default: DEFAULT_API_CONFIG.maxBatch,
    min: 1,
    description: 'Most texts in one /v1/classify/batch request',
  },
  bodyLimit: {
    kind: 'integer',
    env: 'TOPICSTREAM_BODY_LIMIT',
    default: DEFAULT_API_CONFIG.bodyLimit,
    min: 1024,
    description: 'Largest REST request body in bytes',
  },
  requestTimeout: {
    kind: 'integer',
    env: 'TOPICSTREAM_REQUEST_TIMEOUT_MS',
    default: DEFAULT_API_CONFIG.requestTimeoutMs,
    min: 0,
    description:
      'Longest time to receive a whole REST request, headers and body (ms); slower requests get 408 and are closed; 0 = no limit',
  },
  headersTimeout: {
    kind: 'integer',
    env: 'TOPICSTREAM_HEADERS_TIMEOUT_MS',
    default: DEFAULT_API_CONFIG.headersTimeoutMs,
    min: 1,
    description: "Longest time to receive a REST request's headers (ms); at most --request-timeout",
  },
  grpcMaxMessageBytes: {
    kind: 'integer',
    env: 'TOPICSTREAM_GRPC_MAX_MESSAGE_BYTES',
    default: DEFAULT_API_CONFIG.grpcMaxMessageBytes,
    min: 1024,
    description: 'Largest gRPC message in bytes (both directions)',
  },
  docs: {
    kind: 'boolean',
    env: 'TOPICSTREAM_DOCS',
    default: DEFAULT_API_CONFIG.docs,
    description: 'Serve Swagger UI at /docs (--no-docs to turn off)',
  },
  shutdownGrace: {
    kind: 'integer',
    env: 'TOPICSTREAM_SHUTDOWN_GRACE_MS',
    default: 10_000,
    min: 0,
    description:
      'How long in-flight requests and streams may finish after SIGTERM/SIGINT (ms); each other part gets 5 s more',
  },
  ...STREAM_HEALTH_OPTIONS,
  ...LOG_OPTIONS,
  benchmarkRoutes: {
    kind: 'boolean',
    env: 'TOPICSTREAM_BENCHMARK_ROUTES',
    description:
      'Add the echo routes the load tests compare against (POST /v1/echo, gRPC bench Echo); never in production',
  },
  bridge: {
    kind: 'boolean',
    env: 'TOPICSTREAM_BRIDGE',
    description: 'Also run the Kafka bridge with the default model (its state joins /readyz)',
  },
  dashboard: {
    kind: 'boolean',
    env: 'TOPICSTREAM_DASHBOARD',
    description: 'Serve the live dashboard at / (reads the output topic from --brokers)',
  },
  learn: {
    kind: 'boolean',
    env: 'TOPICSTREAM_LEARN',
    description:
      'With --bridge, also run the learner (one per group learns, the others stand by); every --bridge server follows the models topic and takes feedback',
  },
  ...bridgeKafkaOptions,
  ...LEARNING_TOPIC_OPTIONS,
  ...LEARNER_OPTIONS,
} as const satisfies OptionSpecs

export type ServeOptions = Options<typeof SERVE_OPTIONS>
