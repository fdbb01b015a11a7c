/**
 * `topicstream serve`: REST and gRPC over one model registry, optionally with the Kafka bridge and
 * the dashboard in the same process. Stops gracefully on SIGTERM/SIGINT and exits 0.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { ApiConfig } from '../../api/api-config.js'
import type { AppExtension, ReadinessChecks } from '../../api/app.js'
import { createMetrics } from '../../api/metrics.js'
import { type RunningServer, startServer } from '../../api/server.js'
import { BRIDGE_KAFKA_OPTIONS } from '../../bridge/options.js'
import type { OptionSpecs, Options } from '../../config.js'
import {
  type ModelSource,
  ModelRegistry,
  discoverModels,
  parseModelSpec,
} from '../../engine/model-registry.js'
import { TopicstreamError } from '../../errors.js'
import { type Command, parseArguments } from '../command.js'

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
    description: 'Address to listen on',
  },
  port: {
    kind: 'integer',
    env: 'TOPICSTREAM_PORT',
    default: 8080,
    min: 0,
    max: 65535,
    description: 'REST port',
  },
  grpcPort: {
    kind: 'integer',
    env: 'TOPICSTREAM_GRPC_PORT',
    default: 50051,
    min: 0,
    max: 65535,
    description: 'gRPC port',
  },
  grpc: {
    kind: 'boolean',
    env: 'TOPICSTREAM_GRPC',
    default: true,
    description: 'Serve gRPC (--no-grpc to turn off)',
  },

  apiKey: {
    kind: 'list',
    repeatable: true,
    secret: true,
    env: 'TOPICSTREAM_API_KEYS',
    description:
      'Require this API key (repeatable; env: comma-separated) as `Authorization: Bearer KEY` on /v1 and gRPC',
  },
  rateLimit: {
    kind: 'integer',
    env: 'TOPICSTREAM_RATE_LIMIT',
    default: 0,
    min: 0,
    description: 'REST requests per client (API key, else address) per window; 0 = unlimited',
  },
  rateLimitWindow: {
    kind: 'integer',
    env: 'TOPICSTREAM_RATE_LIMIT_WINDOW_MS',
    default: 60_000,
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
    default: 1000,
    min: 1,
    description: 'Most texts in one /v1/classify/batch request',
  },
  bodyLimit: {
    kind: 'integer',
    env: 'TOPICSTREAM_BODY_LIMIT',
    default: 8 * 1024 * 1024,
    min: 1024,
    description: 'Largest REST request body in bytes',
  },
  grpcMaxMessageBytes: {
    kind: 'integer',
    env: 'TOPICSTREAM_GRPC_MAX_MESSAGE_BYTES',
    default: 8 * 1024 * 1024,
    min: 1024,
    description: 'Largest gRPC message in bytes (both directions)',
  },
  docs: {
    kind: 'boolean',
    env: 'TOPICSTREAM_DOCS',
    default: true,
    description: 'Serve Swagger UI at /docs (--no-docs to turn off)',
  },
  shutdownGrace: {
    kind: 'integer',
    env: 'TOPICSTREAM_SHUTDOWN_GRACE_MS',
    default: 10_000,
    min: 0,
    description: 'How long in-flight requests and streams may finish after SIGTERM/SIGINT (ms)',
  },
  logLevel: {
    kind: 'string',
    env: 'TOPICSTREAM_LOG_LEVEL',
    default: 'info',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    description: 'Log level (JSON logs on stdout)',
  },
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
  ...bridgeKafkaOptions,
} as const satisfies OptionSpecs

export type ServeOptions = Options<typeof SERVE_OPTIONS>

export const serveCommand: Command = {
  name: 'serve',
  options: SERVE_OPTIONS,
  summary: 'Serve models over REST and gRPC (optionally with the Kafka bridge)',
  async run(argv, io) {
    const parsed = parseArguments(SERVE_OPTIONS, argv, io, {
      usage: 'topicstream serve --model NAME=FILE [--model ...] [options]',
      summary: serveCommand.summary,
    })
    if (parsed === undefined) return 0
    const { options, positionals } = parsed
    if (positionals.length > 0) {
      throw new TopicstreamError('ERR_CONFIG_INVALID', `Unexpected argument "${positionals[0]}"`)
    }
    const running = await startServe(options)
    const signal = await waitForSignal()
    running.logger.info({ signal }, 'shutting down')
    await running.stop()
    return 0
  },
}

export interface RunningServe {
  readonly server: RunningServer
  readonly registry: ModelRegistry
  readonly logger: FastifyBaseLogger
  stop(): Promise<void>
}

/** Everything `serve` starts, in order; exported for the pipeline and for tests. */
export async function startServe(options: ServeOptions): Promise<RunningServe> {
  const registry = new ModelRegistry(await modelSources(options))
  const metrics = createMetrics()
  let bridge: { stop(): Promise<void>; state(): { status: string } } | undefined
  const readiness: ReadinessChecks = options.bridge
    ? { kafka: () => bridge?.state().status === 'running' }
    : {}
  const dashboard = options.dashboard
    ? (await import('../../pipeline/kafka-dashboard.js')).createKafkaDashboard({
        brokers: options.brokers,
        topics: { input: options.inputTopic, output: options.outputTopic, dlq: options.dlqTopic },
        groupId: options.group,
        registry,
        metricsRegistry: metrics.registry,
      })
    : undefined
  const plugins: AppExtension[] = dashboard ? [dashboard.extension] : []

  const server = await startServer({
    registry,
    config: apiConfig(options),
    host: options.host,
    port: options.port,
    grpcPort: options.grpc ? options.grpcPort : -1,
    logger: { level: options.logLevel },
    metrics,
    readiness,
    plugins,
  })
  const logger = server.app.log
  const stop = async (): Promise<void> => {
    // Kafka clients can wait long on an unreachable cluster; shutdown must not hang on them.
    const grace = options.shutdownGrace + 5000
    await Promise.all([
      server.close(options.shutdownGrace),
      bridge && boundedStop('the bridge', bridge.stop(), grace, logger),
      dashboard && boundedStop('the dashboard feed', dashboard.stop(), grace, logger),
    ])
  }
  try {
    // Listening first lets /healthz answer and /readyz say "not ready" while large models load.
    await registry.loadAll()
    server.grpc?.refreshHealth()
    if (options.bridge) {
      const { createBridge } = await import('../../bridge/bridge.js')
      const { bridgeSettings } = await import('../../bridge/options.js')
      const classifyOptions = { topK: options.topK }
      const stats = dashboard?.stats
      const started = createBridge({
        ...bridgeSettings(options),
        classify: (text) => {
          const entry = registry.entry()
          // Timed only when the dashboard shows it: two clock reads per record otherwise wasted.
          if (stats === undefined) return { ...entry.model.classify(text, classifyOptions), model: entry.ref }
          const begin = performance.now()
          const classification = entry.model.classify(text, classifyOptions)
          stats.classifyLatency(performance.now() - begin)
          return { ...classification, model: entry.ref }
        },
        metrics: metrics.registry,
        logger,
      })
      bridge = started
      await started.start()
    }
    dashboard?.start()
  } catch (error) {
    await stop()
    throw error
  }
  logger.info(
    {
      rest: server.restUrl,
      grpc: server.grpcPort === undefined ? undefined : `${options.host}:${server.grpcPort}`,
      models: registry.list().map((entry) => `${entry.name}@${entry.ref?.version ?? '?'}`),
      bridge: options.bridge,
      dashboard: options.dashboard,
    },
    `topicstream serving on ${server.restUrl}${server.grpcPort === undefined ? '' : ` and gRPC port ${server.grpcPort}`}`,
  )
  return { server, registry, logger, stop }
}

async function modelSources(options: ServeOptions): Promise<ModelSource[]> {
  const specs = options.model ?? []
  if (specs.length > 0 && options.modelsDir !== undefined) {
    throw new TopicstreamError('ERR_CONFIG_INVALID', 'Give either --model or --models-dir, not both')
  }
  if (options.modelsDir !== undefined) return discoverModels(options.modelsDir)
  if (specs.length === 0) {
    throw new TopicstreamError(
      'ERR_CONFIG_INVALID',
      '--model NAME=FILE (or TOPICSTREAM_MODELS) or --models-dir (TOPICSTREAM_MODELS_DIR) is required',
    )
  }
  return specs.map(parseModelSpec)
}

export function apiConfig(options: ServeOptions): Partial<ApiConfig> {
  return {
    maxTextBytes: options.maxTextBytes,
    maxBatch: options.maxBatch,
    bodyLimit: options.bodyLimit,
    grpcMaxMessageBytes: options.grpcMaxMessageBytes,
    apiKeys: options.apiKey ?? [],
    rateLimit: options.rateLimit,
    rateLimitWindowMs: options.rateLimitWindow,
    corsOrigins: options.corsOrigin ?? [],
    docs: options.docs,
    benchmarkRoutes: options.benchmarkRoutes,
  }
}

async function boundedStop(
  name: string,
  stopping: Promise<unknown>,
  ms: number,
  logger: FastifyBaseLogger,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms)
    timer.unref()
  })
  const outcome = await Promise.race([stopping.then(() => 'stopped' as const), timedOut])
  clearTimeout(timer)
  if (outcome === 'timeout') logger.warn(`${name} did not stop within ${ms} ms; exiting anyway`)
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', onSignal)
      process.off('SIGINT', onSignal)
      resolve(signal)
    }
    process.on('SIGTERM', onSignal)
    process.on('SIGINT', onSignal)
  })
}
