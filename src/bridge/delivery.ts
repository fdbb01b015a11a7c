/**
 * How a processed batch reaches Kafka, in the two delivery modes.
 *
 * At-least-once: results and dead letters are produced (acks=all, idempotent) and only then is the
 * batch's last offset resolved; the consumer commits resolved offsets after each batch. A crash
 * between the two repeats the batch, never skips it.
 *
 * Exactly-once: one transaction per batch holds the results, the dead letters and the consumed
 * offsets. Each input partition has its own transactional id, so whoever owns the partition next
 * fences the previous owner and its open transaction is aborted at once instead of timing out.
 */
import type { TopicstreamError } from '../errors.js'
import { toTopicstreamError } from '../errors.js'
import type {
  KafkaAdmin,
  KafkaClient,
  KafkaProducer,
  KafkaSender,
  KafkaTransactionalProducer,
  OutgoingRecord,
} from '../kafka/client.js'

export interface ProcessedBatch {
  readonly topic: string
  readonly partition: number
  /** Offset of the last record of the batch. */
  readonly lastOffset: string
  readonly results: readonly OutgoingRecord[]
  readonly deadLetters: readonly OutgoingRecord[]
  /** Copies of the abstained results, for the review topic (empty without one). */
  readonly reviews: readonly OutgoingRecord[]
  /** One dead letter per request, so that a refusal names the dead letter refused. */
  readonly deadLettersOnePerRequest?: boolean
}

/**
 * How far a delivery got: the number of results and of dead letters acknowledged (the first ones of
 * each list, as they are sent in order), and why the dead letters failed, if they did. In
 * exactly-once mode acknowledged records of an aborted transaction are never visible.
 */
export interface DeliveryProgress {
  results: number
  deadLetters: number
  reviews: number
  deadLetterFailure?: TopicstreamError
}

export function newDeliveryProgress(): DeliveryProgress {
  return { results: 0, deadLetters: 0, reviews: 0 }
}

/** Sends results, dead letters and reviews side by side; waits for all, so `progress` is final when it throws. */
async function sendAll(
  sender: KafkaSender,
  topics: DeliveryTopics,
  batch: ProcessedBatch,
  progress: DeliveryProgress,
): Promise<void> {
  const [results, deadLetters, reviews] = await Promise.allSettled([
    sender.send(topics.outputTopic, batch.results, {
      onAcknowledged: (count) => (progress.results = count),
    }),
    sender.send(topics.dlqTopic, batch.deadLetters, {
      onAcknowledged: (count) => (progress.deadLetters = count),
      ...(batch.deadLettersOnePerRequest ? { maxRecordsPerRequest: 1 } : {}),
    }),
    topics.reviewTopic === undefined || batch.reviews.length === 0
      ? undefined
      : sender.send(topics.reviewTopic, batch.reviews, {
          onAcknowledged: (count) => (progress.reviews = count),
        }),
  ])
  if (deadLetters.status === 'rejected') {
    progress.deadLetterFailure = toTopicstreamError(deadLetters.reason, 'ERR_KAFKA_PRODUCE_FAILED')
  }
  if (results.status === 'rejected') throw results.reason
  if (reviews.status === 'rejected') throw reviews.reason
  if (progress.deadLetterFailure) throw progress.deadLetterFailure
}

export interface DeliveryTopics {
  readonly outputTopic: string
  readonly dlqTopic: string
  readonly reviewTopic?: string | undefined
  readonly groupId: string
}

export interface Delivery {
  connect(): Promise<void>
  /**
   * Before processing: the offset below which records of this partition are already done (exactly-once
   * takes over a partition by fencing its previous owner first), or undefined to process all.
   */
  prepare(topic: string, partition: number): Promise<bigint | undefined>
  /**
   * Resolves once results, dead letters and (exactly-once) offsets are durable; throws otherwise,
   * with `progress` telling how far it got.
   */
  deliver(batch: ProcessedBatch, progress?: DeliveryProgress): Promise<void>
  /** A failed delivery: drop whatever state the failure may have corrupted. */
  reset(topic: string, partition: number): Promise<void>
  close(): Promise<void>
}

export function atLeastOnceDelivery(kafka: KafkaClient, topics: DeliveryTopics): Delivery {
  const producer: KafkaProducer = kafka.producer({ idempotent: true })
  return {
    connect: () => producer.connect(),
    prepare: async () => undefined,
    deliver: (batch, progress = newDeliveryProgress()) => sendAll(producer, topics, batch, progress),
    reset: async () => {},
    close: () => producer.disconnect(),
  }
}

export interface ExactlyOnceOptions {
  /** Transactional ids are `<prefix>-<group>-<topic>-<partition>`. */
  readonly transactionalIdPrefix: string
  readonly admin: KafkaAdmin
  readonly onAbort?: (error: TopicstreamError) => void
}

export function exactlyOnceDelivery(
  kafka: KafkaClient,
  topics: DeliveryTopics,
  options: ExactlyOnceOptions,
): Delivery {
  const producers = new Map<string, Promise<KafkaTransactionalProducer>>()
  const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`

  const producerFor = (topic: string, partition: number): Promise<KafkaTransactionalProducer> => {
    const key = keyOf(topic, partition)
    let pending = producers.get(key)
    if (pending === undefined) {
      const producer = kafka.transactionalProducer({
        transactionalId: `${options.transactionalIdPrefix}-${topics.groupId}-${topic}-${partition}`,
      })
      pending = producer.connect().then(() => producer)
      // A failed connect must not stick: the next batch tries again.
      pending.catch(() => producers.delete(key))
      producers.set(key, pending)
    }
    return pending
  }

  const discard = async (topic: string, partition: number): Promise<void> => {
    const key = keyOf(topic, partition)
    const pending = producers.get(key)
    producers.delete(key)
    if (pending) await pending.then((producer) => producer.disconnect()).catch(() => {})
  }

  return {
    connect: async () => {},
    async prepare(topic, partition) {
      if (producers.has(keyOf(topic, partition))) return undefined
      const producer = await producerFor(topic, partition)
      // The first transaction registers the transactional id: the broker finishes or aborts the previous
      // owner's open transaction before answering. Only after that is the committed offset final; the
      // consumer may have read an older one when it joined, so it is read again here.
      const transaction = await producer.transaction()
      await transaction.abort().catch(() => {})
      const committed = await options.admin.groupOffsets(topics.groupId, topic)
      const offset = committed.find((entry) => entry.partition === partition)?.offset
      return offset === undefined || Number(offset) < 0 ? undefined : BigInt(offset)
    },
    async deliver(batch, progress = newDeliveryProgress()) {
      const producer = await producerFor(batch.topic, batch.partition)
      const transaction = await producer.transaction()
      try {
        await sendAll(transaction, topics, batch, progress)
        await transaction.sendOffsets(topics.groupId, [
          {
            topic: batch.topic,
            partitions: [{ partition: batch.partition, offset: (BigInt(batch.lastOffset) + 1n).toString() }],
          },
        ])
        await transaction.commit()
      } catch (error) {
        const failure = toTopicstreamError(error, 'ERR_KAFKA_PRODUCE_FAILED')
        options.onAbort?.(failure)
        await transaction.abort().catch(() => {})
        throw failure
      }
    },
    reset: (topic, partition) => discard(topic, partition),
    async close() {
      await Promise.all(
        [...producers.keys()].map((key) => {
          const [topic, partition] = key.split('\u0000') as [string, string]
          return discard(topic, Number(partition))
        }),
      )
    },
  }
}
