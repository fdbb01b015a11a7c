/**
 * The parts of `topicstream serve`: REST and gRPC over one model registry, optionally with the
 * Kafka bridge and the dashboard feed. The servers listen first, so /healthz answers and /readyz
 * says "not ready" while large models load.
 */
import type { ApiConfig } from '../api/api-config.js'
import { apiKeys } from '../api/api-keys.js'
import type { AppExtension } from '../api/app.js'
import { createMetrics } from '../api/metrics.js'
import type { ReadinessChecks } from '../api/readiness.js'
import { type ServerPart, serverPart } from '../api/server-part.js'
import { bridgeReadiness, createBridge } from '../bridge/bridge.js'
import { bridgeConfig } from '../bridge/options.js'
import { bridgePart } from '../bridge/part.js'
import { ModelRegistry, discoverModels } from '../engine/model-registry.js'
import type { ModelSource } from '../engine/model-registry.js'
import { TopicstreamError } from '../errors.js'
import type { KafkaLibrary } from '../kafka/types.js'
import type { Logger } from '../runtime/logger.js'
import { type Part, part } from '../runtime/part.js'
import type { ServicePlan } from '../runtime/service.js'
import { parseModelSpec } from './model-specs.js'
import { createKafkaClient } from '../kafka/client.js'
import { learningLoop } from './learning.js'
import { registryClassifier } from './registry-classifier.js'
import { streamHealthSettings } from '../health/options.js'
import type { ServeOptions } from './serve-options.js'

export interface ServeParts extends ServicePlan {
  readonly server: ServerPart
  readonly registry: ModelRegistry
}

export async function serveParts(options: ServeOptions, logger: Logger): Promise<ServeParts> {
  const registry = new ModelRegistry(await modelSources(options))
  const health = streamHealthSettings(options)
  const metrics = createMetrics({ streamHealth: health.monitor })
  const dashboard = options.dashboard
    ? (await import('../api/dashboard/kafka-dashboard.js')).createKafkaDashboard({
        brokers: options.brokers,
        topics: { input: options.inputTopic, output: options.outputTopic, dlq: options.dlqTopic },
        groupId: options.group,
        registry,
        metricsRegistry: metrics.registry,
        logger,
        kafkaClient: options.kafkaClient as KafkaLibrary,
        streamHealth: () => metrics.streamHealth.snapshots(),
      })
    : undefined
  const bridge = options.bridge
    ? createBridge({
        ...bridgeConfig(options),
        brokers: options.brokers,
        classify: registryClassifier(registry, {
          classify: { topK: options.topK, minConfidence: health.minConfidence },
          dashboard: dashboard?.stats,
          streamHealth: metrics.streamHealth,
        }),
        metrics: metrics.registry,
        logger,
      })
    : undefined
  // With Kafka, the server follows the models topic and takes feedback; --learn adds the learner.
  const loop = options.bridge
    ? learningLoop(
        { ...options, learn: options.learn, serving: true },
        {
          client: createKafkaClient({
            brokers: options.brokers,
            clientId: 'topicstream-serve',
            logger,
            library: options.kafkaClient as KafkaLibrary,
          }),
          registry,
          metrics: metrics.registry,
          logger,
        },
      )
    : undefined
  if (options.learn && !options.bridge) {
    throw new TopicstreamError('ERR_CONFIG_INVALID', '--learn needs --bridge (the learner reads Kafka)')
  }
  const readiness: ReadinessChecks = bridge ? { kafka: bridgeReadiness(bridge) } : {}
  const plugins: AppExtension[] = dashboard ? [dashboard.extension] : []
  const server = serverPart({
    registry,
    config: apiConfig(options),
    host: options.host,
    port: options.port,
    grpcPort: options.grpc ? options.grpcPort : -1,
    logger,
    graceMs: options.shutdownGrace,
    metrics,
    readiness,
    plugins,
    ...(loop ? { feedback: loop.feedback, learning: loop.control } : {}),
  })
  const parts: Part[] = [
    server,
    part('the models', async () => {
      await registry.loadAll()
      logger.info(
        { models: registry.list().map((entry) => `${entry.name}@${entry.ref?.version ?? '?'}`) },
        'models loaded',
      )
    }),
  ]
  // The models topic first: the bridge starts on the current version.
  if (loop) parts.push(...loop.parts)
  if (bridge) parts.push(bridgePart(bridge))
  if (dashboard) parts.push(part('the dashboard feed', async () => dashboard.start(), dashboard.stop))
  return {
    parts,
    server,
    registry,
    onStarted: () => {
      const running = server.server()
      // Readiness now includes the bridge: gRPC health need not wait for its next periodic refresh.
      running.grpc?.refreshHealth()
      const grpc = running.grpcPort === undefined ? undefined : `${options.host}:${running.grpcPort}`
      logger.info(
        { rest: running.restUrl, grpc, bridge: options.bridge, dashboard: options.dashboard },
        `topicstream serving on ${running.restUrl}${grpc ? ` and gRPC ${grpc}` : ''}`,
      )
    },
  }
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
    apiKeys: apiKeys(options),
    rateLimit: options.rateLimit,
    rateLimitWindowMs: options.rateLimitWindow,
    corsOrigins: options.corsOrigin ?? [],
    docs: options.docs,
    benchmarkRoutes: options.benchmarkRoutes,
    requestTimeoutMs: options.requestTimeout,
    headersTimeoutMs: options.headersTimeout,
    minConfidence: streamHealthSettings(options).minConfidence,
  }
}
