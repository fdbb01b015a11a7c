/**
 * The whole pipeline in one process: a Kafka broker (or an existing cluster), the model, the REST
 * and gRPC servers with the dashboard, the Kafka bridge and a producer. Parts start in dependency
 * order and stop in the reverse one (producer → bridge → dashboard feed → servers → broker), also
 * when a later part fails to start, so nothing is left running.
 */
import type { ApiConfig } from '../api/api-config.js'
import { createMetrics } from '../api/metrics.js'
import { startServer } from '../api/server.js'
import { bridgeTopicSpecs, createBridge } from '../bridge/bridge.js'
import type { Bridge } from '../bridge/bridge.js'
import type { BridgeTopology } from '../bridge/options.js'
import { startLocalBroker } from '../kafka/broker/index.js'
import { createKafkaClient } from '../kafka/client.js'
import { ModelRegistry } from '../engine/model-registry.js'
import type { Progress } from '../engine/types.js'
import { TopicstreamError } from '../errors.js'
import { ensureModel } from './default-model.js'
import { createKafkaDashboard } from '../api/dashboard/kafka-dashboard.js'
import { startProducer } from '../producer/choice.js'
import { registryClassifier } from './registry-classifier.js'
import type { ProducerChoice } from '../producer/choice.js'

export interface PipelineTopics {
  readonly input: string
  readonly output: string
  readonly dlq: string
}

/** The bridge settings `up` shares with `topicstream bridge` (see `bridge/options.ts`). */
export type PipelineBridgeSettings = BridgeTopology & { readonly topK: number }

export interface PipelineConfig {
  readonly host: string
  readonly port: number
  readonly grpcPort: number
  /** An existing cluster; empty → a local broker is started (and stopped) here. */
  readonly kafkaBrokers: readonly string[]
  readonly broker: { readonly host: string; readonly port: number; readonly dataDir: string }
  readonly model: { readonly name: string; readonly path: string; readonly dataset?: string }
  readonly bridge: PipelineBridgeSettings
  readonly api?: Partial<ApiConfig>
  readonly producer: ProducerChoice
  readonly logLevel: string
  /** How long in-flight requests may finish when stopping (default 5000 ms). */
  readonly shutdownGraceMs?: number
  readonly env: NodeJS.ProcessEnv
}

export interface PipelineReporter {
  /** A line for the terminal: what is happening now. */
  step(message: string): void
  progress?(progress: Progress): void
  /** Told the pid of the local broker once it runs, so a forced exit can still end it. */
  localBroker?(pid: number): void
}

export interface PipelineEndpoints {
  readonly dashboard: string
  readonly rest: string
  readonly docs: string
  readonly metrics: string
  readonly grpc: string
  readonly brokers: string
  readonly localBroker: boolean
  readonly topics: PipelineTopics
  readonly model: { readonly name: string; readonly version: string; readonly path: string }
  readonly producer: string
}

export interface Pipeline {
  readonly endpoints: PipelineEndpoints
  /** Stops every part, newest first. Safe to call more than once. */
  stop(): Promise<void>
}

interface Part {
  readonly name: string
  stop(): Promise<void>
}

export async function startPipeline(config: PipelineConfig, reporter: PipelineReporter): Promise<Pipeline> {
  const parts: Part[] = []
  const stopAll = async (): Promise<void> => {
    // Each part is stopped even when an earlier one fails to stop; the first failure is reported.
    let failure: unknown
    for (const part of parts.splice(0).reverse()) {
      reporter.step(`stopping ${part.name}`)
      try {
        await part.stop()
      } catch (error) {
        failure ??= error
      }
    }
    if (failure !== undefined) throw failure
  }

  try {
    // 1. Kafka and the model at once: the broker's JVM boots while the model loads or trains.
    let brokers = [...config.kafkaBrokers]
    const localBroker = brokers.length === 0
    let brokerStart: Promise<string> | undefined
    if (localBroker) {
      reporter.step(`starting the local Kafka broker on ${config.broker.host}:${config.broker.port}`)
      brokerStart = startLocalBroker({
        dataDir: config.broker.dataDir,
        port: config.broker.port,
        host: config.broker.host,
        env: config.env,
        onProgress: (message) => reporter.step(message),
      }).then(
        (broker) => {
          parts.unshift({ name: 'the Kafka broker', stop: () => broker.stop() })
          reporter.localBroker?.(broker.pid)
          reporter.step(`Kafka is up at ${broker.brokers}`)
          return broker.brokers
        },
        (error: unknown) => {
          throw withBrokerHint(error, config.broker.port)
        },
      )
      // Settled below; this only keeps a failure from being reported as unhandled meanwhile.
      brokerStart.catch(() => undefined)
    }

    // 2. Model
    reporter.step(`loading the model ${config.model.path}`)
    let ensured: Awaited<ReturnType<typeof ensureModel>>
    try {
      ensured = await ensureModel({
        path: config.model.path,
        env: config.env,
        onStep: (message) => reporter.step(message),
        ...(config.model.dataset ? { dataset: config.model.dataset } : {}),
        ...(reporter.progress ? { onProgress: (progress: Progress) => reporter.progress?.(progress) } : {}),
      })
    } finally {
      // Whatever happened to the model, the broker's start must be over before anything is stopped.
      if (brokerStart) await brokerStart.catch(() => undefined)
    }
    if (brokerStart) brokers = [await brokerStart]
    if (ensured.trained) reporter.step(`model trained in ${ensured.seconds.toFixed(1)} s`)
    const registry = new ModelRegistry([
      { name: config.model.name, path: ensured.path, model: ensured.model },
    ])

    // 3. Servers: REST with the dashboard, gRPC
    const { bridge: settings } = config
    const topics = { input: settings.inputTopic, output: settings.outputTopic, dlq: settings.dlqTopic }
    const metrics = createMetrics()
    const dashboard = createKafkaDashboard({
      brokers,
      topics,
      groupId: settings.groupId,
      registry,
      metricsRegistry: metrics.registry,
    })
    // The readiness check is wired before the bridge exists; it is created once the servers listen.
    const wired: { bridge?: Bridge } = {}
    const server = await startServer({
      registry,
      host: config.host,
      port: config.port,
      grpcPort: config.grpcPort,
      logger: { level: config.logLevel },
      metrics,
      readiness: { kafka: () => wired.bridge?.state().status === 'running' },
      plugins: [dashboard.extension],
      ...(config.api ? { config: config.api } : {}),
    })
    parts.push({
      name: 'the REST and gRPC servers',
      stop: () => server.close(config.shutdownGraceMs ?? 5000),
    })
    parts.push({ name: 'the dashboard feed', stop: () => dashboard.stop() })
    const logger = server.app.log

    // 4. Bridge
    const { topK, ...bridgeSettings } = settings
    const bridge = createBridge({
      ...bridgeSettings,
      classify: registryClassifier(registry, { topK }, dashboard.stats),
      brokers,
      metrics: metrics.registry,
      logger,
      // Connection retries during startup are expected; the dashboard shows Kafka's state instead.
      kafkaLogLevel: 'error',
    })
    reporter.step(`starting the bridge ${topics.input} → ${topics.output} and the producer`)
    wired.bridge = bridge
    parts.push({ name: 'the bridge', stop: () => bridge.stop() })
    // With the topics in place, the dashboard can join before the first result, and the bridge and
    // the producer (whose replay loads its corpus) can start side by side. Created here once, and
    // served by the broker when this returns, the bridge and the producer find them and move on.
    await createTopics(brokers, settings)
    dashboard.start()
    const [bridgeStart, producerStart] = await Promise.allSettled([
      bridge.start(),
      // 5. Producer
      startProducer(config.producer, {
        brokers,
        topic: topics.input,
        partitions: settings.partitions ?? 3,
        env: config.env,
        logger,
        onWarning: (message) => reporter.step(message),
      }),
    ])
    const producer = producerStart.status === 'fulfilled' ? producerStart.value : undefined
    if (producer !== undefined) {
      parts.push({
        name: 'the producer',
        stop: async () => {
          await producer.stop()
        },
      })
    }
    if (bridgeStart.status === 'rejected') throw bridgeStart.reason
    if (producerStart.status === 'rejected') throw producerStart.reason
    server.grpc?.refreshHealth()

    const ref = registry.entry().ref
    const restUrl = server.restUrl
    const endpoints: PipelineEndpoints = {
      dashboard: `${restUrl}/`,
      rest: `${restUrl}/v1`,
      docs: `${restUrl}/docs`,
      metrics: `${restUrl}/metrics`,
      grpc: server.grpcPort === undefined ? 'disabled' : `${config.host}:${server.grpcPort}`,
      brokers: brokers.join(','),
      localBroker,
      topics,
      model: { name: ref.name, version: ref.version, path: ensured.path },
      producer: producer?.description ?? 'none',
    }
    let stopping: Promise<void> | undefined
    return {
      endpoints,
      stop: () => (stopping ??= stopAll()),
    }
  } catch (error) {
    await stopAll().catch(() => undefined)
    throw error instanceof TopicstreamError
      ? error
      : new TopicstreamError('ERR_INTERNAL', `the pipeline failed to start: ${String(error)}`, {
          cause: error,
        })
  }
}

/** The bridge's topics, by the bridge's own rule, before the bridge and the dashboard start. */
async function createTopics(brokers: readonly string[], settings: PipelineBridgeSettings): Promise<void> {
  const admin = createKafkaClient({ brokers, clientId: 'topicstream-up', logLevel: 'error' }).admin()
  await admin.connect()
  try {
    await admin.createTopics(await bridgeTopicSpecs(admin, settings))
  } finally {
    await admin.disconnect()
  }
}

/** A broker already running is the usual reason the local one cannot start: say how to use it. */
function withBrokerHint(error: unknown, port: number): unknown {
  if (!(error instanceof TopicstreamError) || error.code !== 'ERR_KAFKA_BROKER') return error
  return new TopicstreamError(
    'ERR_KAFKA_BROKER',
    `${error.message}. To use a broker that already runs, set KAFKA_BROKERS (e.g. KAFKA_BROKERS=127.0.0.1:${port}); ` +
      'to start another one, pick a free --broker-port or another --broker-dir',
    { cause: error, ...(error.details ? { details: error.details } : {}) },
  )
}
