/**
 * The parts of `topicstream up`: a Kafka broker (or an existing cluster) and the model side by side,
 * then the REST and gRPC servers with the dashboard, the topics, the dashboard feed, and the bridge
 * with a producer. The runner stops them in reverse: producer and bridge, feed, servers, broker.
 */
import type { ApiConfig } from '../api/api-config.js'
import { createKafkaDashboard } from '../api/dashboard/kafka-dashboard.js'
import { createMetrics } from '../api/metrics.js'
import { type ServerPart, serverPart } from '../api/server-part.js'
import { bridgeReadiness, createBridge, createBridgeTopics } from '../bridge/bridge.js'
import { type BridgeConfig, resolveBridgeConfig } from '../bridge/config.js'
import { bridgePart } from '../bridge/part.js'
import { ModelRegistry } from '../engine/model-registry.js'
import type { Progress } from '../engine/types.js'
import { localBrokerPart } from '../kafka/broker/part.js'
import { createKafkaClient } from '../kafka/client.js'
import { type ProducerChoice, producerOptions } from '../producer/choice.js'
import { type ProducerPart, producerPart } from '../producer/part.js'
import type { Logger } from '../runtime/logger.js'
import { type Part, inParallel, part } from '../runtime/part.js'
import type { ServicePlan } from '../runtime/service.js'
import { ensureModelFile } from './default-model.js'
import { labelFeedbackPart } from '../learner/label-feedback.js'
import type { LearnerOptions } from '../learner/options.js'
import { learningLoop } from './learning.js'
import { registryClassifier } from './registry-classifier.js'
import { DEFAULT_STREAM_HEALTH, type streamHealthSettings } from '../health/options.js'

/** How long in-flight requests may finish when the pipeline stops. */
const SHUTDOWN_GRACE_MS = 5000

export interface PipelineConfig {
  readonly host: string
  readonly port: number
  readonly grpcPort: number
  /** An existing cluster; empty → a local broker is started (and stopped) here. */
  readonly kafkaBrokers: readonly string[]
  readonly broker: { readonly host: string; readonly port: number; readonly dataDir: string }
  readonly model: { readonly name: string; readonly path: string; readonly dataset?: string }
  /** The bridge's settings, without the brokers (decided above). */
  readonly bridge: Partial<Omit<BridgeConfig, 'brokers'>>
  readonly topK: number
  /** The abstain threshold and the stream-health window (default DEFAULT_STREAM_HEALTH). */
  readonly health?: ReturnType<typeof streamHealthSettings>
  readonly api?: Partial<ApiConfig>
  readonly producer: ProducerChoice
  /** The learning loop: its topics and settings, whether to learn, and the known-label demo. */
  readonly learning: LearnerOptions & {
    readonly learn: boolean
    /** Send replayed records' known labels back as feedback after this many ms; off when absent. */
    readonly feedbackFromLabelMs?: number
  }
  readonly env: NodeJS.ProcessEnv
}

export interface PipelineEndpoints {
  readonly dashboard: string
  readonly rest: string
  readonly docs: string
  readonly metrics: string
  readonly grpc: string
  readonly brokers: string
  readonly localBroker: boolean
  readonly topics: {
    readonly input: string
    readonly output: string
    readonly dlq: string
    readonly feedback: string
    readonly models: string
  }
  readonly learning: string
  readonly model: { readonly name: string; readonly version: string; readonly path: string }
  readonly producer: string
}

export interface PipelineParts extends ServicePlan {
  /** Where everything is, once the parts have started. */
  endpoints(): PipelineEndpoints
}

export interface PipelineRuntime {
  readonly logger: Logger
  /** Registers a hook for a forced exit (the local broker is told to stop). */
  readonly onForcedExit: (hook: () => void) => void
}

export function pipelineParts(config: PipelineConfig, runtime: PipelineRuntime): PipelineParts {
  const { logger } = runtime
  const localBroker = config.kafkaBrokers.length === 0
  const brokers = localBroker ? [`${config.broker.host}:${config.broker.port}`] : [...config.kafkaBrokers]
  const bridgeSettings = resolveBridgeConfig({ ...config.bridge, brokers })
  const topics = {
    input: bridgeSettings.inputTopic,
    output: bridgeSettings.outputTopic,
    dlq: bridgeSettings.dlqTopic,
  }

  const registry = new ModelRegistry([{ name: config.model.name, path: config.model.path }])
  const modelPart = part('the model', async () => {
    const ensured = await ensureModelFile({
      path: config.model.path,
      env: config.env,
      onStep: (message) => logger.info(message),
      onProgress: progressLogger(logger),
      ...(config.model.dataset ? { dataset: config.model.dataset } : {}),
    })
    if (ensured.trained) logger.info(`model trained in ${ensured.seconds.toFixed(1)} s`)
    logger.info(`loading the model ${config.model.path}`)
    await registry.loadAll()
  })

  const health = config.health ?? DEFAULT_STREAM_HEALTH
  const metrics = createMetrics({ streamHealth: health.monitor })
  const dashboard = createKafkaDashboard({
    brokers,
    topics,
    groupId: bridgeSettings.groupId,
    registry,
    metricsRegistry: metrics.registry,
    logger,
    kafkaClient: bridgeSettings.kafkaClient,
    streamHealth: () => metrics.streamHealth.snapshots(),
  })
  const bridge = createBridge({
    ...bridgeSettings,
    classify: registryClassifier(registry, {
      classify: { topK: config.topK, minConfidence: health.minConfidence },
      dashboard: dashboard.stats,
      streamHealth: metrics.streamHealth,
    }),
    metrics: metrics.registry,
    logger,
  })
  const kafka = createKafkaClient({
    brokers,
    clientId: 'topicstream-up',
    logger,
    library: bridgeSettings.kafkaClient,
  })
  const loop = learningLoop(
    { ...config.learning, maxTextBytes: bridgeSettings.maxTextBytes, serving: true },
    { client: kafka, registry, metrics: metrics.registry, logger },
  )
  const labelFeedback =
    config.learning.feedbackFromLabelMs === undefined
      ? undefined
      : labelFeedbackPart({
          client: kafka,
          outputTopic: topics.output,
          groupId: `${bridgeSettings.groupId}-known-labels`,
          sink: loop.feedback.sink,
          delayMs: config.learning.feedbackFromLabelMs,
          logger,
        })
  const server: ServerPart = serverPart({
    registry,
    host: config.host,
    port: config.port,
    grpcPort: config.grpcPort,
    logger,
    graceMs: SHUTDOWN_GRACE_MS,
    metrics,
    readiness: { kafka: bridgeReadiness(bridge) },
    plugins: [dashboard.extension],
    feedback: loop.feedback,
    learning: loop.control,
    ...(config.api ? { config: config.api } : {}),
  })
  const producer: ProducerPart | undefined =
    config.producer.kind === 'none'
      ? undefined
      : producerPart({
          ...producerOptions(config.producer),
          brokers,
          kafkaClient: bridgeSettings.kafkaClient,
          topic: topics.input,
          partitions: bridgeSettings.partitions,
          env: config.env,
          logger,
          onWarning: (message) => logger.warn(message),
        })

  const first = localBroker
    ? inParallel('the Kafka broker and the model', [
        localBrokerPart({ ...config.broker, env: config.env, logger, onForcedExit: runtime.onForcedExit }),
        modelPart,
      ])
    : modelPart
  const parts: Part[] = [
    first,
    server,
    // Created here once, before the feed and the bridge, so that the dashboard can join before
    // the first result and the bridge and the producer find them and move on.
    part('the topics', () => createTopics(brokers, bridgeSettings)),
    // The models topic before the bridge: it classifies with the current version from the start.
    ...loop.parts,
    part('the dashboard feed', async () => dashboard.start(), dashboard.stop),
    ...(labelFeedback ? [labelFeedback] : []),
    producer ? inParallel('the bridge and the producer', [bridgePart(bridge), producer]) : bridgePart(bridge),
  ]

  return {
    parts,
    // Readiness now includes the bridge: gRPC health need not wait for its next periodic refresh.
    onStarted: () => server.server().grpc?.refreshHealth(),
    endpoints() {
      const running = server.server()
      const ref = registry.entry().ref
      return {
        dashboard: `${running.restUrl}/`,
        rest: `${running.restUrl}/v1`,
        docs: `${running.restUrl}/docs`,
        metrics: `${running.restUrl}/metrics`,
        grpc: running.grpcPort === undefined ? 'disabled' : `${config.host}:${running.grpcPort}`,
        brokers: brokers.join(','),
        localBroker,
        topics: { ...topics, feedback: config.learning.feedbackTopic, models: config.learning.modelsTopic },
        learning: loop.learner
          ? `learner on${labelFeedback ? ', known labels fed back' : ''}`
          : 'learner off (--no-learn)',
        model: { name: ref.name, version: ref.version, path: config.model.path },
        producer: producer?.producer()?.description ?? 'none',
      }
    },
  }
}

/** The bridge's topics, by the bridge's own rule, before the bridge and the dashboard start. */
async function createTopics(brokers: readonly string[], settings: BridgeConfig): Promise<void> {
  const admin = createKafkaClient({
    brokers,
    clientId: 'topicstream-up',
    logLevel: 'error',
    library: settings.kafkaClient,
  }).admin()
  await admin.connect()
  try {
    await createBridgeTopics(admin, settings)
  } finally {
    await admin.disconnect()
  }
}

/** One line per phase, and at most one per quarter within it. */
function progressLogger(logger: Logger): (progress: Progress) => void {
  let phase = ''
  let shown = -1
  return ({ phase: next, done, total }) => {
    if (next !== phase) {
      phase = next
      shown = -1
    }
    const quarter = total ? Math.floor((done / total) * 4) : -1
    if (quarter === shown) return
    shown = quarter
    logger.info(total ? `${phase}: ${done}/${total}` : `${phase}: ${done}`)
  }
}
