/**
 * The Kafka bridge: a consumer group on the input topic that classifies every record and writes the
 * result (same key) to the output topic, or the untouched record to the dead-letter topic.
 *
 * The bridge never loads models: `classify` is supplied by the caller (the API passes its registry's
 * default model, so reloads apply to the stream at once). Batches are processed per partition in
 * order; offsets move only after Kafka has acknowledged what the batch produced.
 *
 * A batch Kafka does not accept is retried with back-off while the failure is retriable. What a
 * failed attempt already got acknowledged is remembered per partition and not sent again, so retries
 * never repeat output. A failure retrying cannot fix, or a retry budget spent, stalls the partition:
 * it is paused, reported (state, readiness, a gauge, one error line) and tried again slowly until it
 * goes through.
 */
import { hostname } from 'node:os'
import { Registry } from 'prom-client'
import { TopicstreamError, toTopicstreamError } from '../errors.js'
import type { ModelRef } from '../engine/model-registry.js'
import type { Classification } from '../engine/types.js'
import { deadLetter, referenceDeadLetter } from './dead-letter.js'
import { atLeastOnceDelivery, exactlyOnceDelivery, newDeliveryProgress } from './delivery.js'
import type { Delivery, ProcessedBatch } from './delivery.js'
import { createKafkaClient, recordBytes } from '../kafka/client.js'
import type {
  BatchControls,
  IncomingBatch,
  IncomingRecord,
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
import type { RecordRejection } from './records.js'

/** What `classify` returns: the engine's Classification, optionally naming the model that made it. */
export type BridgeClassification = Classification & { readonly model?: ModelRef }

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

/** Kafka's default `max.message.bytes` (1 MiB plus the batch overhead). */
const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588
/** What the dead-letter topic allows beyond the input topic: room for the bridge's headers. */
const DEAD_LETTER_HEADROOM_BYTES = 64 * 1024
/** A record batch's own bytes around its records. */
const BATCH_OVERHEAD_BYTES = 128

/**
 * Creates the bridge's missing topics (see `bridgeTopicSpecs`); a new dead-letter topic gets a
 * `max.message.bytes` above the input topic's, so that any input record fits as a dead letter. If the
 * broker refuses that setting, the topic is created with the broker's default (too large dead
 * letters are then written as references).
 */
export async function createBridgeTopics(
  admin: KafkaAdmin,
  topology: Pick<BridgeConfig, 'inputTopic' | 'outputTopic' | 'dlqTopic' | 'partitions'>,
  log?: KafkaLogger,
): Promise<void> {
  const [input, output, dlq] = await bridgeTopicSpecs(admin, topology)
  if (!input || !output || !dlq) return
  await admin.createTopics([input])
  const inputMax = Number((await admin.describeTopicConfig(input.topic)).get('max.message.bytes'))
  const dlqMax = Math.max(
    KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
    (Number.isSafeInteger(inputMax) ? inputMax : 0) + DEAD_LETTER_HEADROOM_BYTES,
  )
  try {
    await admin.createTopics([output, { ...dlq, configs: { 'max.message.bytes': String(dlqMax) } }])
  } catch (error) {
    const failure = toTopicstreamError(error, 'ERR_KAFKA_UNAVAILABLE')
    if (failure.canRetry || failure.code === 'ERR_CONFIG_INVALID') throw failure
    log?.warn(
      { err: failure, topic: dlq.topic },
      'Kafka refused max.message.bytes for the dead-letter topic; creating it with the default',
    )
    await admin.createTopics([output, dlq])
  }
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
    library: config.kafkaClient,
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
  let lagTimer: NodeJS.Timeout | undefined
  let topicList: { readonly at: number; readonly topics: ReadonlySet<string> } | undefined
  /** The dead-letter topic's `max.message.bytes`: larger dead letters go out as references. */
  let dlqMaxBytes = Number.POSITIVE_INFINITY
  /** Input offsets already done, learned when exactly-once takes a partition over. */
  const doneBelow = new Map<number, bigint>()
  /** Next input offset to process, per partition, as far as this instance has delivered. */
  const delivered = new Map<number, bigint>()
  /** Per partition: what the failed attempts of the batch in hand left behind. */
  const retries = new Map<number, PartitionRetry>()
  const stalls = new Map<number, Stall>()
  const lagLabels = (partition: number) => ({ topic: config.inputTopic, partition: String(partition) })

  const fail = (error: unknown): TopicstreamError => {
    const failure = toTopicstreamError(error, 'ERR_KAFKA_UNAVAILABLE')
    lastError = { code: failure.code, message: failure.message, at: new Date().toISOString() }
    return failure
  }

  const processBatch = async (batch: IncomingBatch, controls: BatchControls): Promise<void> => {
    const started = process.hrtime.bigint()
    const { topic, partition } = batch
    const retry = retries.get(partition)
    const resultOffsets: string[] = []
    const deadOffsets: string[] = []
    const deadLetters: OutgoingRecord[] = []
    const progress = newDeliveryProgress()
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
      const deadCodes: string[] = []
      const reject = (record: IncomingRecord, rejection: RecordRejection): void => {
        const full = deadLetter(record, rejection, batch)
        const fits = recordBytes(full) + BATCH_OVERHEAD_BYTES <= dlqMaxBytes
        deadLetters.push(
          fits && !retry?.references.has(record.offset)
            ? full
            : referenceDeadLetter(record, rejection, batch),
        )
        deadOffsets.push(record.offset)
        deadCodes.push(rejection.code)
      }
      for (const record of records) {
        // Acknowledged by an earlier attempt at this batch: sending it again would repeat it.
        if (retry?.acknowledged.has(record.offset)) continue
        const decoded = decodeRecord(record, batch, maxTextBytes)
        if (!decoded.ok) {
          reject(record, decoded.rejection)
          continue
        }
        let classification: BridgeClassification
        try {
          classification = classify(decoded.input.text)
        } catch (error) {
          const failure = toTopicstreamError(error)
          reject(record, { code: failure.code, message: failure.message })
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
        resultOffsets.push(record.offset)
      }
      // Best effort: a failed heartbeat means a rebalance, which the consumer handles on its own; the
      // batch is still delivered (a fenced or duplicate result is the delivery mode's business).
      await controls.heartbeat().catch(() => {})

      await ensureTopics(deadLetters.length > 0)
      const processed: ProcessedBatch = {
        topic,
        partition,
        lastOffset: last.offset,
        results,
        deadLetters,
        ...(retry?.deadLettersOnePerRequest ? { deadLettersOnePerRequest: true } : {}),
      }
      await delivery.deliver(processed, progress)
      controls.resolveOffset(last.offset)
      doneBelow.delete(partition)
      retries.delete(partition)
      delivered.set(partition, BigInt(last.offset) + 1n)

      metrics.produced.inc({ topic: config.outputTopic }, results.length)
      for (const code of deadCodes) metrics.deadLettered.inc({ code })
      const lag = Number(BigInt(batch.highWatermark) - BigInt(last.offset) - 1n)
      metrics.lag.set(lagLabels(partition), Math.max(0, lag))
      metrics.batchSeconds.observe({ outcome: 'ok' }, seconds(started))
      if (status === 'reconnecting') status = 'running'
      const stall = stalls.get(partition)
      if (stall) {
        clearStall(partition)
        metrics.stalled.set(lagLabels(partition), 0)
        log?.info({ topic, partition, since: stall.since }, 'Bridge partition flows again')
      }
    } catch (error) {
      const failure = fail(error)
      metrics.batchSeconds.observe({ outcome: 'failed' }, seconds(started))
      const state: PartitionRetry = retry ?? {
        acknowledged: new Set(),
        references: new Set(),
        deadLettersOnePerRequest: false,
        attempts: 0,
        since: Date.now(),
      }
      retries.set(partition, state)
      if (!exactlyOnce) {
        // Acknowledged is durable in this mode: remembered, so that the next attempt skips it.
        for (const offset of resultOffsets.slice(0, progress.results)) state.acknowledged.add(offset)
        for (const offset of deadOffsets.slice(0, progress.deadLetters)) state.acknowledged.add(offset)
        metrics.produced.inc({ topic: config.outputTopic }, progress.results)
      }
      // The dead-letter topic refused a dead letter for itself (too large, or anything retrying will
      // not fix): find which (one per request), then write that one as a reference.
      let refused = false
      const deadFailure = progress.deadLetterFailure
      if (deadFailure !== undefined && !deadFailure.canRetry) {
        const offset = deadOffsets[progress.deadLetters]
        if (!state.deadLettersOnePerRequest) {
          state.deadLettersOnePerRequest = true
          refused = true
        } else if (offset !== undefined && !state.references.has(offset)) {
          state.references.add(offset)
          refused = true
          log?.warn(
            { err: deadFailure, topic, partition, offset },
            'The dead-letter topic refused a dead letter; writing a reference dead letter instead',
          )
        }
      }
      if (!refused) state.attempts++
      if (failure.code === 'ERR_KAFKA_UNAVAILABLE') status = 'reconnecting'
      await delivery?.reset(topic, partition)
      // Nothing was resolved, so the next fetch returns the same records. Exactly-once rewinds
      // explicitly: the aborted transaction moved nothing, but the in-memory position may have.
      if (exactlyOnce) consumer?.seek(topic, partition, batch.records[0]?.offset ?? '0')
      const resume = controls.pause()
      const stalled = stalls.get(partition)
      const withinBudget =
        failure.canRetry &&
        state.attempts < config.maxDeliveryAttempts &&
        Date.now() - state.since < config.deliveryRetryBudgetMs
      let delayMs: number
      if (refused) {
        delayMs = 0
      } else if (stalled) {
        stalled.cause = { code: failure.code, message: failure.message }
        stalled.resume = resume
        delayMs = config.stallRetryMs
        log?.debug({ err: failure, topic, partition }, 'Stalled partition still not delivered')
      } else if (withinBudget) {
        log?.warn({ err: failure, topic, partition }, 'Batch not delivered; it will be read again')
        delayMs = Math.min(10_000, 1000 * 2 ** (state.attempts - 1))
      } else {
        const stall = {
          topic,
          partition,
          since: new Date().toISOString(),
          cause: { code: failure.code, message: failure.message },
          resume,
        }
        stalls.set(partition, stall)
        metrics.stalled.set(lagLabels(partition), 1)
        log?.error(
          { err: failure, topic, partition, offset: batch.records[0]?.offset, attempts: state.attempts },
          `Bridge partition ${partition} of "${topic}" stalled: its batch is paused and tried again every ${config.stallRetryMs} ms`,
        )
        delayMs = config.stallRetryMs
      }
      const timer = setTimeout(() => {
        const current = stalls.get(partition)
        if (current) current.timer = undefined
        if (current && admin) void readDlqLimit(admin).catch(() => {})
        resume()
      }, delayMs)
      timer.unref()
      const current = stalls.get(partition)
      if (current) current.timer = timer
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
          metrics.lag.remove(lagLabels(partition))
          metrics.stalled.remove(lagLabels(partition))
          doneBelow.delete(partition)
          delivered.delete(partition)
          retries.delete(partition)
          clearStall(partition)
          void delivery?.reset(config.inputTopic, partition)
        }
      }
      for (const partition of partitions) {
        if (!stalls.has(partition)) metrics.stalled.set(lagLabels(partition), 0)
      }
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
      for (const partition of [...stalls.keys()]) clearStall(partition)
      retries.clear()
      delivered.clear()
      metrics.lag.reset()
      metrics.stalled.reset()
    },
    state: () => ({
      status,
      ...(lastError ? { lastError } : {}),
      partitions: assigned,
      exactlyOnce,
      stalled: [...stalls.values()]
        .sort((a, b) => a.partition - b.partition)
        .map(({ topic, partition, since, cause }) => ({ topic, partition, since, cause })),
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
    admin = kafka.admin()
    await admin.connect()
    await createBridgeTopics(admin, config, log)
    await readDlqLimit(admin)
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
    lagTimer = setInterval(() => void pollLag(), config.lagIntervalMs)
    lagTimer.unref()
  }

  /**
   * The topics written to must exist: with automatic topic creation off (as it should be), a send to
   * a missing topic would be retried by the client for as long as the topic is missing. A missing
   * topic fails the batch at once instead (and stalls its partition until the topic is back). The
   * broker's topic list is read for each batch with dead letters (they are rare), else at most
   * every 2 s.
   */
  async function ensureTopics(withDlq: boolean): Promise<void> {
    const from = admin
    if (from === undefined) return
    if (withDlq || topicList === undefined || Date.now() - topicList.at > 2000) {
      topicList = { at: Date.now(), topics: new Set(await from.listTopics()) }
    }
    const wanted = withDlq ? [config.outputTopic, config.dlqTopic] : [config.outputTopic]
    const missing = wanted.filter((topic) => !topicList?.topics.has(topic))
    if (missing.length > 0) {
      topicList = undefined
      throw new TopicstreamError(
        'ERR_KAFKA_PRODUCE_FAILED',
        `The topic${missing.length > 1 ? 's' : ''} ${missing.map((topic) => `"${topic}"`).join(', ')} to write to do${missing.length > 1 ? '' : 'es'} not exist`,
        { details: { topics: missing } },
      )
    }
  }

  async function readDlqLimit(from: KafkaAdmin): Promise<void> {
    const limit = Number((await from.describeTopicConfig(config.dlqTopic)).get('max.message.bytes'))
    dlqMaxBytes = Number.isSafeInteger(limit) && limit > 0 ? limit : Number.POSITIVE_INFINITY
  }

  /**
   * Lag of each owned partition: the high watermark minus the group's committed offset (or what this
   * instance delivered since, if further), so a stalled partition shows its lag growing.
   */
  async function pollLag(): Promise<void> {
    const from = admin
    if (from === undefined || assigned.length === 0 || stopping) return
    try {
      const [ends, committed] = await Promise.all([
        from.topicOffsets(config.inputTopic),
        from.groupOffsets(config.groupId, config.inputTopic),
      ])
      for (const partition of assigned) {
        const end = ends.find((entry) => entry.partition === partition)
        if (end === undefined) continue
        const offset = committed.find((entry) => entry.partition === partition)?.offset
        let position = offset === undefined || BigInt(offset) < 0n ? BigInt(end.low) : BigInt(offset)
        const local = delivered.get(partition)
        if (local !== undefined && local > position) position = local
        const lag = BigInt(end.high) - position
        metrics.lag.set(lagLabels(partition), Number(lag > 0n ? lag : 0n))
      }
    } catch (error) {
      log?.debug({ err: error }, 'Consumer lag not read; trying again at the next interval')
    }
  }

  function clearStall(partition: number): void {
    const stall = stalls.get(partition)
    if (stall === undefined) return
    if (stall.timer) clearTimeout(stall.timer)
    stall.resume?.()
    stalls.delete(partition)
  }

  async function closeAll(): Promise<void> {
    if (lagTimer) clearInterval(lagTimer)
    lagTimer = undefined
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

interface PartitionRetry {
  /** Input offsets whose result or dead letter Kafka acknowledged in a failed attempt (at-least-once). */
  readonly acknowledged: Set<string>
  /** Input offsets whose dead letter is written as a reference (the full one was refused). */
  readonly references: Set<string>
  /** Dead letters one per request, so that a refusal names the dead letter. */
  deadLettersOnePerRequest: boolean
  /** Failed attempts counted against the retry budget. */
  attempts: number
  readonly since: number
}

interface Stall {
  readonly topic: string
  readonly partition: number
  readonly since: string
  cause: { readonly code: string; readonly message: string }
  timer?: NodeJS.Timeout | undefined
  resume?: () => void
}

function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9
}
