/**
 * The bridge's topics: created with the partition counts and dead-letter size limit the bridge
 * needs, and checked before writing, so that a missing topic fails a batch at once.
 */
import { TopicstreamError, toTopicstreamError } from '../errors.js'
import type { KafkaAdmin, KafkaLogger, TopicSpec } from '../kafka/client.js'
import type { BridgeConfig } from './config.js'

/** Kafka's default `max.message.bytes` (1 MiB plus the batch overhead). */
const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588
/** What the dead-letter topic allows beyond the input topic: room for the bridge's headers. */
const DEAD_LETTER_HEADROOM_BYTES = 64 * 1024

/**
 * Creates the bridge's missing topics (see `bridgeTopicSpecs`); a new dead-letter topic gets a
 * `max.message.bytes` above the input topic's, so that any input record fits as a dead letter. If the
 * broker refuses that setting, the topic is created with the broker's default (too large dead
 * letters are then written as references).
 */
export async function createBridgeTopics(
  admin: KafkaAdmin,
  topology: Pick<BridgeConfig, 'inputTopic' | 'outputTopic' | 'dlqTopic' | 'partitions'> &
    Partial<Pick<BridgeConfig, 'reviewTopic'>>,
  log?: KafkaLogger,
): Promise<void> {
  const [input, output, dlq] = await bridgeTopicSpecs(admin, topology)
  if (!input || !output || !dlq) return
  await admin.createTopics([input])
  // The review topic holds copies of results: partitioned like the output topic.
  const written =
    topology.reviewTopic === undefined
      ? [output]
      : [output, { topic: topology.reviewTopic, partitions: output.partitions }]
  const inputMax = Number((await admin.describeTopicConfig(input.topic)).get('max.message.bytes'))
  const dlqMax = Math.max(
    KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
    (Number.isSafeInteger(inputMax) ? inputMax : 0) + DEAD_LETTER_HEADROOM_BYTES,
  )
  try {
    await admin.createTopics([...written, { ...dlq, configs: { 'max.message.bytes': String(dlqMax) } }])
  } catch (error) {
    const failure = toTopicstreamError(error, 'ERR_KAFKA_UNAVAILABLE')
    if (failure.canRetry || failure.code === 'ERR_CONFIG_INVALID') throw failure
    log?.warn(
      { err: failure, topic: dlq.topic },
      'Kafka refused max.message.bytes for the dead-letter topic; creating it with the default',
    )
    await admin.createTopics([...written, dlq])
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

/** What the bridge knows of the topics it writes to. */
export interface WrittenTopics {
  /**
   * The topics written to must exist: with automatic topic creation off (as it should be), a send to
   * a missing topic would be retried by the client for as long as the topic is missing. A missing
   * topic fails the batch at once instead (and stalls its partition until the topic is back). The
   * broker's topic list is read for each batch with dead letters (they are rare), else at most
   * every 2 s.
   */
  ensure(admin: KafkaAdmin | undefined, withDlq: boolean, withReviews?: boolean): Promise<void>
  /** Reads the dead-letter topic's `max.message.bytes`. */
  readDlqLimit(admin: KafkaAdmin): Promise<void>
  /** The dead-letter topic's `max.message.bytes`: larger dead letters go out as references. */
  readonly dlqMaxBytes: number
}

export function writtenTopics(
  config: Pick<BridgeConfig, 'outputTopic' | 'dlqTopic' | 'reviewTopic'>,
): WrittenTopics {
  let topicList: { readonly at: number; readonly topics: ReadonlySet<string> } | undefined
  let dlqMaxBytes = Number.POSITIVE_INFINITY
  return {
    async ensure(from, withDlq, withReviews = false) {
      if (from === undefined) return
      if (withDlq || topicList === undefined || Date.now() - topicList.at > 2000) {
        topicList = { at: Date.now(), topics: new Set(await from.listTopics()) }
      }
      const wanted = [config.outputTopic]
      if (withDlq) wanted.push(config.dlqTopic)
      if (withReviews && config.reviewTopic !== undefined) wanted.push(config.reviewTopic)
      const missing = wanted.filter((topic) => !topicList?.topics.has(topic))
      if (missing.length > 0) {
        topicList = undefined
        throw new TopicstreamError(
          'ERR_KAFKA_PRODUCE_FAILED',
          `The topic${missing.length > 1 ? 's' : ''} ${missing.map((topic) => `"${topic}"`).join(', ')} to write to do${missing.length > 1 ? '' : 'es'} not exist`,
          { details: { topics: missing } },
        )
      }
    },
    async readDlqLimit(from) {
      const limit = Number((await from.describeTopicConfig(config.dlqTopic)).get('max.message.bytes'))
      dlqMaxBytes = Number.isSafeInteger(limit) && limit > 0 ? limit : Number.POSITIVE_INFINITY
    },
    get dlqMaxBytes() {
      return dlqMaxBytes
    },
  }
}
