/**
 * The Kafka bridge: a consumer group on the input topic that classifies every record and writes the
 * result (same key) to the output topic, or the untouched record to the dead-letter topic.
 *
 * The bridge never loads models: `classify` is supplied by the caller (the API passes its registry's
 * default model, so reloads apply to the stream at once). Batches are processed per partition in
 * order (batch.ts); offsets move only after Kafka has acknowledged what the batch produced
 * (delivery.ts).
 *
 * A batch Kafka does not accept is retried with back-off while the failure is retriable, and a
 * partition whose batch still does not go through stalls (stalls.ts). Lag is reported per partition
 * (lag.ts). This module is the bridge's lifecycle: start (topics, delivery, consumer), restarts after
 * a crash, stop, and its state.
 */
import { hostname } from 'node:os'
import { Registry } from 'prom-client'
import { TopicstreamError, toTopicstreamError } from '../errors.js'
import { createKafkaClient } from '../kafka/client.js'
import type { KafkaAdmin, KafkaConsumer, KafkaLogger } from '../kafka/client.js'
import { createBatchProcessor } from './batch.js'
import type { BridgeClassification } from './batch.js'
import { type BridgeConfig, resolveBridgeConfig } from './config.js'
import { atLeastOnceDelivery, exactlyOnceDelivery } from './delivery.js'
import type { Delivery } from './delivery.js'
import { createLagPoller } from './lag.js'
import { createBridgeMetrics } from './metrics.js'
import type { BridgeMetrics } from './metrics.js'
import { createStalls } from './stalls.js'
import { createBridgeTopics, writtenTopics } from './topics.js'

export type { BridgeClassification } from './batch.js'
export { bridgeTopicSpecs, createBridgeTopics } from './topics.js'

export interface BridgeOptions extends Partial<BridgeConfig> {
  readonly classify: (text: string) => BridgeClassification
  /** A registry (metrics are created in it) or metrics already created. */
  readonly metrics?: Registry | BridgeMetrics
  readonly logger?: KafkaLogger
}

export type BridgeStatus = 'starting' | 'running' | 'reconnecting' | 'stopped'

/** An input partition whose batch Kafka does not accept: paused, and tried again every `stallRetryMs`. */
export interface StalledPartition {
  readonly topic: string
  readonly partition: number
  /** When it stalled (ISO 8601). */
  readonly since: string
  /** The last failure. */
  readonly cause: { readonly code: string; readonly message: string }
}

export interface BridgeState {
  readonly status: BridgeStatus
  readonly lastError?: { readonly code: string; readonly message: string; readonly at: string }
  /** Input partitions this instance owns now. */
  readonly partitions: readonly number[]
  readonly exactlyOnce: boolean
  /** Owned partitions that stalled, in partition order (empty when all flow). */
  readonly stalled: readonly StalledPartition[]
}

export interface Bridge {
  /** Creates missing topics, joins the group and starts consuming; resolves once consuming started. */
  start(): Promise<void>
  /** Finishes the batch in flight, commits, leaves the group and disconnects. */
  stop(): Promise<void>
  state(): BridgeState
}

/**
 * The bridge's readiness: running, with no stalled partition. The answer names what is wrong, for
 * /readyz.
 */
export function bridgeReadiness(bridge: Pick<Bridge, 'state'>): () => { ready: boolean; reason?: string } {
  return () => {
    const { status, stalled } = bridge.state()
    if (stalled.length > 0) {
      const reason = stalled
        .map(({ topic, partition, cause }) => `partition ${partition} of "${topic}" stalled: ${cause.code}`)
        .join('; ')
      return { ready: false, reason }
    }
    return status === 'running' ? { ready: true } : { ready: false, reason: `bridge ${status}` }
  }
}

export function createBridge(options: BridgeOptions): Bridge {
  const { classify, logger: log } = options
  const config = resolveBridgeConfig(options)
  const { exactlyOnce } = config
  const metrics = resolveMetrics(options.metrics)
  const kafka = createKafkaClient({
    brokers: config.brokers,
    clientId: config.clientId ?? `topicstream-bridge-${hostname()}-${process.pid}`,
    logLevel: config.kafkaLogLevel,
    library: config.kafkaClient,
    ...(log ? { logger: log } : {}),
  })
  const topics = {
    outputTopic: config.outputTopic,
    dlqTopic: config.dlqTopic,
    reviewTopic: config.reviewTopic,
    groupId: config.groupId,
  }

  let status: BridgeStatus = 'stopped'
  let lastError: BridgeState['lastError']
  let assigned: number[] = []
  /** The connections of the moment: made by start, the consumer replaced by a restart, unset by stop. */
  const live: { admin?: KafkaAdmin; delivery?: Delivery; consumer?: KafkaConsumer } = {}
  let stopping = false
  let restartTimer: NodeJS.Timeout | undefined
  let starting: Promise<void> | undefined
  const written = writtenTopics(config)
  const stalls = createStalls({
    config,
    metrics,
    log,
    // The dead-letter topic may have been changed meanwhile (its size limit decides reference dead letters).
    beforeStallRetry: () => {
      if (live.admin) void written.readDlqLimit(live.admin).catch(() => {})
    },
  })
  const lag = createLagPoller({
    config,
    metrics,
    log,
    admin: () => live.admin,
    assigned: () => assigned,
    stopping: () => stopping,
  })

  const fail = (error: unknown): TopicstreamError => {
    const failure = toTopicstreamError(error, 'ERR_KAFKA_UNAVAILABLE')
    lastError = { code: failure.code, message: failure.message, at: new Date().toISOString() }
    return failure
  }

  const batches = createBatchProcessor({
    config,
    classify,
    metrics,
    live,
    topics: written,
    stalls,
    lag,
    fail,
    onDelivered: () => {
      if (status === 'reconnecting') status = 'running'
    },
    onUnavailable: () => {
      status = 'reconnecting'
    },
  })

  const startConsumer = async (): Promise<void> => {
    const next = kafka.consumer({
      groupId: config.groupId,
      readUncommitted: false,
      sessionTimeoutMs: config.sessionTimeoutMs,
      // Smaller fetches make smaller transactions and keep a batch's latency low.
      maxBytesPerPartition: 256 * 1024,
    })
    live.consumer = next
    next.onGroupJoin((assignment) => {
      const partitions = [...(assignment[config.inputTopic] ?? [])].sort((a, b) => a - b)
      for (const partition of assigned) {
        if (!partitions.includes(partition)) {
          lag.revoked(partition)
          stalls.revoked(partition)
          batches.revoked(partition)
          void live.delivery?.reset(config.inputTopic, partition)
        }
      }
      stalls.assigned(partitions)
      assigned = partitions
      status = 'running'
      log?.info({ partitions, group: config.groupId }, 'Bridge joined the consumer group')
    })
    next.onCrash((error, restart) => {
      fail(error)
      if (stopping) return
      status = 'reconnecting'
      // A retriable crash (a coordinator loading, a broker restarting) is routine: one info line.
      const fields = { error: error.message, code: error.code, restart }
      if (restart || error.canRetry) log?.info(fields, 'Kafka consumer restarting')
      else log?.error(fields, 'Kafka consumer crashed')
      // kafkajs restarts by itself on retriable failures; for the rest the bridge starts a fresh consumer.
      if (!restart) scheduleRestart()
    })
    await next.connect()
    await next.subscribe([config.inputTopic], { fromBeginning: true })
    await next.run({
      eachBatch: batches.process,
      autoCommit: !exactlyOnce,
      partitionsConsumedConcurrently: config.concurrency,
    })
  }

  const scheduleRestart = (): void => {
    if (restartTimer || stopping) return
    restartTimer = setTimeout(() => {
      restartTimer = undefined
      if (stopping) return
      const previous = live.consumer
      void (async () => {
        await previous?.disconnect().catch(() => {})
        await startConsumer()
      })().catch((error: unknown) => {
        fail(error)
        scheduleRestart()
      })
    }, 2000)
    restartTimer.unref()
  }

  return {
    async start() {
      if (status !== 'stopped') {
        throw new TopicstreamError('ERR_INTERNAL', 'The bridge is already started')
      }
      status = 'starting'
      stopping = false
      starting = startWithRetries()
      await starting
    },
    async stop() {
      if (status === 'stopped') return
      stopping = true
      // A start in progress finishes (or gives up) first, so nothing it creates is left running.
      await starting?.catch(() => {})
      if (restartTimer) clearTimeout(restartTimer)
      restartTimer = undefined
      const timeout = config.shutdownTimeoutMs
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        // stop() waits for the batch in flight, which commits; disconnect() leaves the group so the
        // partitions move to the other members at once instead of after the session timeout.
        (async () => {
          await live.consumer?.stop().catch(() => {})
          await closeAll()
        })(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeout)
          timer.unref()
        }),
      ])
      if (timer) clearTimeout(timer)
      status = 'stopped'
      assigned = []
      stalls.reset()
      lag.reset()
    },
    state: () => ({
      status,
      ...(lastError ? { lastError } : {}),
      partitions: assigned,
      exactlyOnce,
      stalled: stalls.list(),
    }),
  }

  async function startWithRetries(): Promise<void> {
    const deadline = Date.now() + config.startTimeoutMs
    for (let attempt = 1; ; attempt++) {
      try {
        await setUp()
        return
      } catch (error) {
        const failure = fail(error)
        await closeAll()
        // A broker that is starting, or a topic whose leader is not elected yet, answers with
        // retriable errors for a few seconds: wait those out instead of failing the start.
        if (stopping || !failure.canRetry || Date.now() >= deadline) {
          status = 'stopped'
          throw failure
        }
        // Retriable by now: no stack, and not a warning.
        log?.info({ error: failure.message, code: failure.code, attempt }, 'Bridge start failed; retrying')
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 500 * attempt)))
      }
    }
  }

  async function setUp(): Promise<void> {
    live.admin = kafka.admin()
    await live.admin.connect()
    await createBridgeTopics(live.admin, config, log)
    await written.readDlqLimit(live.admin)
    live.delivery = exactlyOnce
      ? exactlyOnceDelivery(kafka, topics, {
          transactionalIdPrefix: config.transactionalIdPrefix,
          admin: live.admin,
          onAbort: () => metrics.transactionsAborted.inc(),
        })
      : atLeastOnceDelivery(kafka, topics)
    await live.delivery.connect()
    if (stopping) return
    await startConsumer()
    lag.start()
  }

  async function closeAll(): Promise<void> {
    lag.stop()
    await live.consumer?.disconnect().catch(() => {})
    await live.delivery?.close().catch(() => {})
    await live.admin?.disconnect().catch(() => {})
    live.consumer = undefined
    live.delivery = undefined
    live.admin = undefined
  }
}

function resolveMetrics(metrics: Registry | BridgeMetrics | undefined): BridgeMetrics {
  if (metrics === undefined) return createBridgeMetrics(new Registry())
  return 'consumed' in metrics ? metrics : createBridgeMetrics(metrics)
}
