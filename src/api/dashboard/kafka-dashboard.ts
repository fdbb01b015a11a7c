/**
 * The dashboard wired to Kafka: the output-topic feed, the rolling stats and the Fastify plugin,
 * as one extension any server that embeds the bridge can add (`up`, and `serve --bridge`).
 */
import { Gauge } from 'prom-client'
import type { Registry } from 'prom-client'
import type { AppExtension } from '../app.js'
import { dashboardPlugin } from './plugin.js'
import { createRollingStats } from './rolling-stats.js'
import type { DashboardStats } from './types.js'
import { createKafkaClient } from '../../kafka/client.js'
import type { KafkaLibrary, KafkaLogger } from '../../kafka/client.js'
import type { ModelRegistry } from '../../engine/model-registry.js'
import type { StreamHealth } from '../../health/stream-monitor.js'
import { createOutputFeed } from './output-feed.js'

export interface KafkaDashboardOptions {
  readonly brokers: readonly string[]
  readonly topics: { readonly input: string; readonly output: string; readonly dlq: string }
  /** The bridge's consumer group, whose lag the dashboard shows. */
  readonly groupId: string
  readonly registry: ModelRegistry
  /** Where the `topicstream_dashboard_viewers` gauge goes (the API's `/metrics` registry). */
  readonly metricsRegistry?: Registry
  readonly logger?: KafkaLogger
  /** The Kafka client library (default DEFAULT_KAFKA_LIBRARY). */
  readonly kafkaClient?: KafkaLibrary
  /**
   * The process's stream health (`metrics.streamHealth.snapshots()`); the panel shows the served
   * model's. Absent: no health panel.
   */
  readonly streamHealth?: () => readonly StreamHealth[]
}

export interface KafkaDashboard {
  /** Pass to `buildApp`/`startServer` `plugins`. */
  readonly extension: AppExtension
  /** Feed the engine time per record here (`stats.classifyLatency(ms)`). */
  readonly stats: DashboardStats
  /** Starts reading the output topic (call once the topics exist). */
  start(): void
  stop(): Promise<void>
}

export function createKafkaDashboard(options: KafkaDashboardOptions): KafkaDashboard {
  const { registry } = options
  const feed = createOutputFeed({
    kafka: createKafkaClient({
      brokers: options.brokers,
      clientId: 'topicstream-dashboard',
      // The feed reports Kafka's state itself; the library's retry chatter would only repeat it.
      logLevel: 'error',
      // The feed reconnects by itself; the library's long retries (a minute by default) would only
      // delay that, and their timers would keep a stopped server's process alive.
      retries: 2,
      maxRetryTimeMs: 1000,
      ...(options.kafkaClient ? { library: options.kafkaClient } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    }),
    topics: options.topics,
    bridgeGroupId: options.groupId,
    ...(options.metricsRegistry ? { bridgeResultsProduced: bridgeResultsIn(options.metricsRegistry) } : {}),
    model: () => {
      if (!registry.isReady()) return undefined
      const entry = registry.entry()
      return { name: entry.ref.name, version: entry.ref.version, classes: entry.model.classes }
    },
    ...(options.logger ? { logger: options.logger } : {}),
  })
  const stats = createRollingStats({ facts: feed })
  const viewers = options.metricsRegistry
    ? ((options.metricsRegistry.getSingleMetric('topicstream_dashboard_viewers') as Gauge | undefined) ??
      new Gauge({
        name: 'topicstream_dashboard_viewers',
        help: 'Browsers connected to the dashboard event stream',
        registers: [options.metricsRegistry],
      }))
    : undefined
  return {
    extension: async (app, { requireApiKey }) => {
      await app.register(dashboardPlugin, {
        feed,
        stats,
        requireApiKey,
        ...(viewers ? { onViewers: (count: number) => viewers.set(count) } : {}),
        ...(options.streamHealth ? { streamHealth: servedModelHealth(options.streamHealth, registry) } : {}),
      })
    },
    stats,
    start: () => feed.start(),
    stop: () => feed.stop(),
  }
}

/** The streams of the model the bridge serves (the registry's default), none while it loads. */
function servedModelHealth(
  source: () => readonly StreamHealth[],
  registry: ModelRegistry,
): () => readonly StreamHealth[] {
  return () => {
    if (!registry.isReady()) return []
    const name = registry.entry().ref.name
    return source().filter((stream) => stream.model.name === name)
  }
}

/** The bridge's results counter in `registry`, summed over its labels (undefined without a bridge). */
function bridgeResultsIn(registry: Registry): () => Promise<number | undefined> {
  return async () => {
    const metric = registry.getSingleMetric('topicstream_bridge_results_produced_total')
    if (metric === undefined) return undefined
    const { values } = await metric.get()
    return values.reduce((sum, { value }) => sum + value, 0)
  }
}
