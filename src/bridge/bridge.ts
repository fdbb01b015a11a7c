/**
 * The Kafka bridge: a consumer group on the input topic that classifies every record and writes the
 * result (same key) to the output topic, or the untouched record to the dead-letter topic.
 *
 * The bridge never loads models: `classify` is supplied by the caller (the API passes its registry's
 * default model, so reloads apply to the stream at once). Batches are processed per partition in
 * order; offsets move only after Kafka has acknowledged what the batch produced.
 */
import { hostname } from 'node:os'
import { Registry } from 'prom-client'
import { TopicstreamError, toTopicstreamError } from '../errors.js'
import type { ModelRef } from '../engine/model-registry.js'
import type { Classification } from '../engine/types.js'
import { deadLetter } from './dead-letter.js'
import { atLeastOnceDelivery, exactlyOnceDelivery } from './delivery.js'
import type { Delivery, ProcessedBatch } from './delivery.js'
import { createKafkaClient } from '../kafka/client.js'
import type {
  BatchControls,
  IncomingBatch,
  KafkaAdmin,
  KafkaConsumer,
  KafkaLogger,
  OutgoingRecord,
  TopicSpec,
} from '../kafka/client.js'
import { type BridgeConfig, resolveBridgeConfig } from './config.js'
import { createBridgeMetrics } from './metrics.js'
import type { BridgeMetrics } from './metrics.js'
import { buildResult, decodeRecord } from './records.js'

/** What `classify` returns: the engine's Classification, optionally naming the model that made it. */
export type BridgeClassification = Classification & { readonly model?: ModelRef }

export interface BridgeOptions extends Partial<BridgeConfig> {
  readonly classify: (text: string) => BridgeClassification
  /** A registry (metrics are created in it) or metrics already created. */
  readonly metrics?: Registry | BridgeMetrics
  readonly logger?: KafkaLogger
}

export type BridgeStatus = 'starting' | 'running' | 'reconnecting' | 'stopped'

export interface BridgeState {
  readonly status: BridgeStatus
  readonly lastError?: { readonly code: string; readonly message: string; readonly at: string }
  /** Input partitions this instance owns now. */
  readonly partitions: readonly number[]
  readonly exactlyOnce: boolean
}

export interface Bridge {
  /** Creates missing topics, joins the group and starts consuming; resolves once consuming started. */
  start(): Promise<void>
  /** Finishes the batch in flight, commits, leaves the group and disconnects. */
  stop(): Promise<void>
  state(): BridgeState
}

/**
 * The bridge's three topics as they should be created: the output and dead-letter topics get as
 * many partitions as the input topic, and a new input topic gets `partitions`.
 */
export async function bridgeTopicSpecs(
  admin: Pick<KafkaAdmin, 'listTopics' | 'partitionCount'>,
  topology: Pick<BridgeConfig, 'inputTopic' | 'outputTopic' | 'dlqTopic' | 'partitions'>,
): Promise<TopicSpec[]> {
  const existing = await admin.listTopics()
  const partitions = existing.includes(topology.inputTopic)
    ? await admin.partitionCount(topology.inputTopic)
    : topology.partitions
  return [topology.inputTopic, topology.outputTopic, topology.dlqTopic].map((topic) => ({
    topic,
    partitions,
  }))
}

export function createBridge(options: BridgeOptions): Bridge {
  const { classify, logger: log } = options
  const config = resolveBridgeConfig(options)
  const { exactlyOnce, maxTextBytes } = config
  const metrics = resolveMetrics(options.metrics)
  const kafka = createKafkaClient({
    brokers: config.brokers,
    clientId: config.clientId ?? `topicstream-bridge-${hostname()}-${process.pid}`,
    logLevel: config.kafkaLogLevel,
    ...(log ? { logger: log } : {}),
  })
  const topics = { outputTopic: config.outputTopic, dlqTopic: config.dlqTopic, groupId: config.groupId }

  let status: BridgeStatus = 'stopped'
  let lastError: BridgeState['lastError']
  let assigned: number[] = []
  let admin: KafkaAdmin | undefined
  let delivery: Delivery | undefined
  let consumer: KafkaConsumer | undefined
  let stopping = false
  let restartTimer: NodeJS.Timeout | undefined
  let starting: Promise<void> | undefined
  /** Input offsets already done, learned when exactly-once takes a partition over. */
  const doneBelow = new Map<number, bigint>()

  const fail = (error: unknown): TopicstreamError => {
    const failure = toTopicstreamError(error, 'ERR_KAFKA_UNAVAILABLE')
    lastError = { code: failure.code, message: failure.message, at: new Date().toISOString() }
    return failure
  }

  const processBatch = async (batch: IncomingBatch, controls: BatchControls): Promise<void> => {
    const started = process.hrtime.bigint()
    const { topic, partition } = batch
    try {
      if (delivery === undefined) return
      const prepared = await delivery.prepare(topic, partition)
      if (prepared !== undefined) doneBelow.set(partition, prepared)
      const floor = doneBelow.get(partition)
      const records =
        floor === undefined ? batch.records : batch.records.filter((record) => BigInt(record.offset) >= floor)
      const last = batch.records[batch.records.length - 1]
      if (records.length === 0 || last === undefined) {
        if (floor !== undefined) consumer?.seek(topic, partition, floor.toString())
        return
      }
      metrics.consumed.inc({ topic }, records.length)

      const classifiedAt = new Date().toISOString()
      const results: OutgoingRecord[] = []
      const deadLetters: OutgoingRecord[] = []
      const deadCodes: string[] = []
      for (const record of records) {
        const decoded = decodeRecord(record, batch, maxTextBytes)
        if (!decoded.ok) {
          deadLetters.push(deadLetter(record, decoded.rejection, batch))
          deadCodes.push(decoded.rejection.code)
          continue
        }
        let classification: BridgeClassification
        try {
          classification = classify(decoded.input.text)
        } catch (error) {
          const failure = toTopicstreamError(error)
          deadLetters.push(deadLetter(record, { code: failure.code, message: failure.message }, batch))
          deadCodes.push(failure.code)
          continue
        }
        const value = buildResult(decoded.input, classification, {
          topic,
          partition,
          offset: record.offset,
          timestamp: record.timestamp,
          classifiedAt,
        })
        results.push({ key: record.key, value: JSON.stringify(value) })
      }
      // Best effort: a failed heartbeat means a rebalance, which the consumer handles on its own; the
      // batch is still delivered (a fenced or duplicate result is the delivery mode's business).
      await controls.heartbeat().catch(() => {})

      const processed: ProcessedBatch = {
        topic,
        partition,
        lastOffset: last.offset,
        results,
        deadLetters,
      }
      await delivery.deliver(processed)
      controls.resolveOffset(last.offset)
      doneBelow.delete(partition)

      metrics.produced.inc({ topic: config.outputTopic }, results.length)
      for (const code of deadCodes) metrics.deadLettered.inc({ code })
      const lag = Number(BigInt(batch.highWatermark) - BigInt(last.offset) - 1n)
      metrics.lag.set({ topic, partition: String(partition) }, Math.max(0, lag))
      metrics.batchSeconds.observe({ outcome: 'ok' }, seconds(started))
      if (status === 'reconnecting') status = 'running'
    } catch (error) {
      const failure = fail(error)
      metrics.batchSeconds.observe({ outcome: 'failed' }, seconds(started))
      log?.warn({ err: failure, topic, partition }, 'Batch not delivered; it will be read again')
      if (failure.code === 'ERR_KAFKA_UNAVAILABLE') status = 'reconnecting'
      await delivery?.reset(topic, partition)
      // Nothing was resolved, so the next fetch returns the same records. Exactly-once rewinds
      // explicitly: the aborted transaction moved nothing, but the in-memory position may have.
      if (exactlyOnce) consumer?.seek(topic, partition, batch.records[0]?.offset ?? '0')
      // Back off before the same records come round again (the producer side is backed up or down).
      const resume = controls.pause()
      setTimeout(resume, 1000).unref()
    }
  }

  const startConsumer = async (): Promise<void> => {
    const next = kafka.consumer({
      groupId: config.groupId,
      readUncommitted: false,
      sessionTimeoutMs: config.sessionTimeoutMs,
      // Smaller fetches make smaller transactions and keep a batch's latency low.
      maxBytesPerPartition: 256 * 1024,
    })
    consumer = next
    next.onGroupJoin((assignment) => {
      const partitions = [...(assignment[config.inputTopic] ?? [])].sort((a, b) => a - b)
      for (const partition of assigned) {
        if (!partitions.includes(partition)) {
          metrics.lag.remove({ topic: config.inputTopic, partition: String(partition) })
          doneBelow.delete(partition)
          void delivery?.reset(config.inputTopic, partition)
        }
      }
      assigned = partitions
      status = 'running'
      log?.info({ partitions, group: config.groupId }, 'Bridge joined the consumer group')
    })
    next.onCrash((error, restart) => {
      fail(error)
      if (stopping) return
      status = 'reconnecting'
      log?.error({ err: error, restart }, 'Kafka consumer crashed')
      // kafkajs restarts by itself on retriable failures; for the rest the bridge starts a fresh consumer.
      if (!restart) scheduleRestart()
    })
    await next.connect()
    await next.subscribe([config.inputTopic], { fromBeginning: true })
    await next.run({
      eachBatch: processBatch,
      autoCommit: !exactlyOnce,
      partitionsConsumedConcurrently: config.concurrency,
    })
  }

  const scheduleRestart = (): void => {
    if (restartTimer || stopping) return
    restartTimer = setTimeout(() => {
      restartTimer = undefined
      if (stopping) return
      const previous = consumer
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
          await consumer?.stop().catch(() => {})
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
      metrics.lag.reset()
    },
    state: () => ({
      status,
      ...(lastError ? { lastError } : {}),
      partitions: assigned,
      exactlyOnce,
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
        log?.warn({ err: failure, attempt }, 'Bridge start failed; retrying')
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 500 * attempt)))
      }
    }
  }

  async function setUp(): Promise<void> {
    admin = kafka.admin()
    await admin.connect()
    await admin.createTopics(await bridgeTopicSpecs(admin, config))
    delivery = exactlyOnce
      ? exactlyOnceDelivery(kafka, topics, {
          transactionalIdPrefix: config.transactionalIdPrefix,
          admin,
          onAbort: () => metrics.transactionsAborted.inc(),
        })
      : atLeastOnceDelivery(kafka, topics)
    await delivery.connect()
    if (stopping) return
    await startConsumer()
  }

  async function closeAll(): Promise<void> {
    await consumer?.disconnect().catch(() => {})
    await delivery?.close().catch(() => {})
    await admin?.disconnect().catch(() => {})
    consumer = undefined
    delivery = undefined
    admin = undefined
  }
}

function resolveMetrics(metrics: Registry | BridgeMetrics | undefined): BridgeMetrics {
  if (metrics === undefined) return createBridgeMetrics(new Registry())
  return 'consumed' in metrics ? metrics : createBridgeMetrics(metrics)
}

function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9
}
