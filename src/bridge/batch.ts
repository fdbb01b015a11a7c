/**
 * One batch of an input partition, in offset order: each record classified into a result (same key)
 * or a dead letter, both delivered, then the batch's last offset resolved. A batch Kafka does not
 * accept leaves its partition paused, to be read again when stalls.ts says so.
 */
import { toTopicstreamError } from '../errors.js'
import type { TopicstreamError } from '../errors.js'
import type { ModelRef } from '../engine/model-registry.js'
import type { Classification } from '../engine/types.js'
import { recordBytes } from '../kafka/client.js'
import type {
  BatchControls,
  IncomingBatch,
  IncomingRecord,
  KafkaAdmin,
  KafkaConsumer,
  OutgoingRecord,
} from '../kafka/client.js'
import type { BridgeConfig } from './config.js'
import { deadLetter, referenceDeadLetter } from './dead-letter.js'
import { newDeliveryProgress } from './delivery.js'
import type { Delivery, ProcessedBatch } from './delivery.js'
import type { LagPoller } from './lag.js'
import type { BridgeMetrics } from './metrics.js'
import { buildResult, decodeRecord } from './records.js'
import type { RecordRejection } from './records.js'
import type { PartitionRetry, Stalls } from './stalls.js'
import type { WrittenTopics } from './topics.js'

/** What `classify` returns: the engine's Classification, optionally naming the model that made it. */
export type BridgeClassification = Classification & { readonly model?: ModelRef }

/** A record batch's own bytes around its records. */
const BATCH_OVERHEAD_BYTES = 128

/** What a batch's records became, each list in input order. */
interface ClassifiedBatch {
  readonly results: OutgoingRecord[]
  /** The input offset of each result. */
  readonly resultOffsets: string[]
  readonly deadLetters: OutgoingRecord[]
  /** The input offset of each dead letter. */
  readonly deadOffsets: string[]
  /** The rejection code of each dead letter. */
  readonly deadCodes: string[]
  /** Copies of the abstained results, for the review topic, and their input offsets. */
  readonly reviews: OutgoingRecord[]
  readonly reviewOffsets: string[]
}

/**
 * Classifies `records` of `batch`. A record an earlier attempt at this batch got acknowledged is
 * skipped (sending it again would repeat it); a record that cannot be decoded or classified becomes
 * a dead letter, a reference dead letter when the full one would not fit the dead-letter topic or
 * was refused before.
 */
function classifyRecords(
  records: readonly IncomingRecord[],
  batch: IncomingBatch,
  options: {
    readonly classify: (text: string) => BridgeClassification
    readonly maxTextBytes: number
    readonly dlqMaxBytes: number
    readonly retry: PartitionRetry | undefined
    /** Copy abstained results for the review topic. */
    readonly review: boolean
  },
): ClassifiedBatch {
  const { topic, partition } = batch
  const { classify, maxTextBytes, dlqMaxBytes, retry, review } = options
  const classified: ClassifiedBatch = {
    results: [],
    resultOffsets: [],
    deadLetters: [],
    deadOffsets: [],
    deadCodes: [],
    reviews: [],
    reviewOffsets: [],
  }
  const classifiedAt = new Date().toISOString()
  const reject = (record: IncomingRecord, rejection: RecordRejection): void => {
    const full = deadLetter(record, rejection, batch)
    const fits = recordBytes(full) + BATCH_OVERHEAD_BYTES <= dlqMaxBytes
    classified.deadLetters.push(
      fits && !retry?.references.has(record.offset) ? full : referenceDeadLetter(record, rejection, batch),
    )
    classified.deadOffsets.push(record.offset)
    classified.deadCodes.push(rejection.code)
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
    const result = { key: record.key, value: JSON.stringify(value) }
    classified.results.push(result)
    classified.resultOffsets.push(record.offset)
    if (review && classification.abstained) {
      classified.reviews.push(result)
      classified.reviewOffsets.push(record.offset)
    }
  }
  return classified
}

/** The bridge's connections of the moment (replaced when the bridge restarts, unset when it stops). */
export interface BridgeConnections {
  readonly admin?: KafkaAdmin | undefined
  readonly delivery?: Delivery | undefined
  readonly consumer?: KafkaConsumer | undefined
}

export interface BatchProcessorOptions {
  readonly config: Pick<BridgeConfig, 'exactlyOnce' | 'maxTextBytes' | 'outputTopic' | 'reviewTopic'>
  readonly classify: (text: string) => BridgeClassification
  readonly metrics: BridgeMetrics
  readonly live: BridgeConnections
  readonly topics: WrittenTopics
  readonly stalls: Stalls
  readonly lag: LagPoller
  /** Records a failure as the bridge's last error; returns it translated. */
  readonly fail: (error: unknown) => TopicstreamError
  /** A batch went through. */
  readonly onDelivered: () => void
  /** Kafka was not reachable for a batch. */
  readonly onUnavailable: () => void
}

export interface BatchProcessor {
  /** The consumer's `eachBatch`. */
  process(batch: IncomingBatch, controls: BatchControls): Promise<void>
  /** A partition this instance no longer owns: what was learned of it is forgotten. */
  revoked(partition: number): void
}

export function createBatchProcessor(options: BatchProcessorOptions): BatchProcessor {
  const { config, classify, metrics, live, topics, stalls, lag } = options
  const { exactlyOnce, maxTextBytes } = config
  /** Input offsets already done, learned when exactly-once takes a partition over. */
  const doneBelow = new Map<number, bigint>()

  const processBatch = async (batch: IncomingBatch, controls: BatchControls): Promise<void> => {
    const started = process.hrtime.bigint()
    const { topic, partition } = batch
    const retry = stalls.retry(partition)
    let classified: ClassifiedBatch | undefined
    const progress = newDeliveryProgress()
    try {
      if (live.delivery === undefined) return
      const prepared = await live.delivery.prepare(topic, partition)
      if (prepared !== undefined) doneBelow.set(partition, prepared)
      const floor = doneBelow.get(partition)
      const records =
        floor === undefined ? batch.records : batch.records.filter((record) => BigInt(record.offset) >= floor)
      const last = batch.records[batch.records.length - 1]
      if (records.length === 0 || last === undefined) {
        if (floor !== undefined) live.consumer?.seek(topic, partition, floor.toString())
        return
      }
      metrics.consumed.inc({ topic }, records.length)

      classified = classifyRecords(records, batch, {
        classify,
        maxTextBytes,
        dlqMaxBytes: topics.dlqMaxBytes,
        retry,
        review: config.reviewTopic !== undefined,
      })
      const { results, deadLetters, deadCodes, reviews } = classified
      // Best effort: a failed heartbeat means a rebalance, which the consumer handles on its own; the
      // batch is still delivered (a fenced or duplicate result is the delivery mode's business).
      await controls.heartbeat().catch(() => {})

      await topics.ensure(live.admin, deadLetters.length > 0, reviews.length > 0)
      const processed: ProcessedBatch = {
        topic,
        partition,
        lastOffset: last.offset,
        results,
        deadLetters,
        reviews,
        ...(retry?.deadLettersOnePerRequest ? { deadLettersOnePerRequest: true } : {}),
      }
      await live.delivery.deliver(processed, progress)
      controls.resolveOffset(last.offset)
      doneBelow.delete(partition)

      metrics.produced.inc({ topic: config.outputTopic }, results.length)
      if (config.reviewTopic !== undefined && reviews.length > 0) {
        metrics.produced.inc({ topic: config.reviewTopic }, reviews.length)
      }
      for (const code of deadCodes) metrics.deadLettered.inc({ code })
      lag.delivered(partition, last.offset, batch.highWatermark)
      metrics.batchSeconds.observe({ outcome: 'ok' }, seconds(started))
      options.onDelivered()
      stalls.delivered(topic, partition)
    } catch (error) {
      const failure = options.fail(error)
      metrics.batchSeconds.observe({ outcome: 'failed' }, seconds(started))
      const state = stalls.failed({
        topic,
        partition,
        failure,
        retry,
        progress,
        resultOffsets: classified?.resultOffsets ?? [],
        deadOffsets: classified?.deadOffsets ?? [],
        reviewOffsets: classified?.reviewOffsets ?? [],
      })
      // At-least-once: what the failed attempt got acknowledged is out there.
      if (!exactlyOnce) metrics.produced.inc({ topic: config.outputTopic }, progress.results)
      if (failure.code === 'ERR_KAFKA_UNAVAILABLE') options.onUnavailable()
      await live.delivery?.reset(topic, partition)
      // Nothing was resolved, so the next fetch returns the same records. Exactly-once rewinds
      // explicitly: the aborted transaction moved nothing, but the in-memory position may have.
      if (exactlyOnce) live.consumer?.seek(topic, partition, batch.records[0]?.offset ?? '0')
      const resume = controls.pause()
      stalls.retryLater({ topic, partition, failure }, state, batch.records[0]?.offset, resume)
    }
  }

  return {
    process: processBatch,
    revoked: (partition) => void doneBelow.delete(partition),
  }
}

function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9
}
