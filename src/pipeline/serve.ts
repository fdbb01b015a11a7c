/**
 * The composition root of `topicstream serve`: one model registry behind REST and gRPC, optionally
 * with the Kafka bridge and the dashboard in the same process, and their shutdown in order.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { ApiConfig } from '../api/api-config.js'
import type { AppExtension } from '../api/app.js'
import { createMetrics } from '../api/metrics.js'
import type { ReadinessChecks } from '../api/readiness.js'
import { type RunningServer, startServer } from '../api/server.js'
import type { Bridge } from '../bridge/bridge.js'
import { type ModelSource, ModelRegistry, discoverModels, parseModelSpec } from '../engine/model-registry.js'
import { TopicstreamError } from '../errors.js'
import { registryClassifier } from './registry-classifier.js'
import type { ServeOptions } from './serve-options.js'

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
  let bridge: Bridge | undefined
  const readiness: ReadinessChecks = options.bridge
    ? { kafka: () => bridge?.state().status === 'running' }
    : {}
  const dashboard = options.dashboard
    ? (await import('../api/dashboard/kafka-dashboard.js')).createKafkaDashboard({
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
    if (options.bridge) {
      const { createBridge } = await import('../bridge/bridge.js')
      const { bridgeSettings } = await import('../bridge/options.js')
      const started = createBridge({
        ...bridgeSettings(options),
        classify: registryClassifier(registry, { topK: options.topK }, dashboard?.stats),
        metrics: metrics.registry,
        logger,
      })
      bridge = started
      await started.start()
    }
    dashboard?.start()
    // Readiness includes the bridge: gRPC health need not wait for its next periodic refresh.
    server.grpc?.refreshHealth()
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
