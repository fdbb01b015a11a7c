/**
 * The bridge's settings: `resolveBridgeConfig` fills every default (written once, here), checks the
 * combination and freezes the result. The option table (options.ts) takes its defaults from here.
 */
import { withDefaults } from '../config.js'
import { TopicstreamError } from '../errors.js'
import {
  DEFAULT_BROKERS,
  DEFAULT_INPUT_TOPIC,
  DEFAULT_KAFKA_LIBRARY,
  DEFAULT_TOPIC_PARTITIONS,
} from '../kafka/defaults.js'
import type { KafkaLibrary, KafkaLogLevel } from '../kafka/types.js'
import { DEFAULT_MAX_TEXT_BYTES } from '../limits.js'

export interface BridgeConfig {
  readonly brokers: readonly string[]
  readonly inputTopic: string
  readonly outputTopic: string
  readonly dlqTopic: string
  /**
   * Where abstained results go as well (with an abstain threshold set, see --min-confidence), for
   * people to label; undefined writes them to the output topic only.
   */
  readonly reviewTopic: string | undefined
  readonly groupId: string
  /** Transactional results and offsets (read_committed consumers see each input once). */
  readonly exactlyOnce: boolean
  /** Texts larger than this (UTF-8 bytes) go to the dead-letter topic. */
  readonly maxTextBytes: number
  /** Partitions of a new input topic; the output and dead-letter topics follow the input's count. */
  readonly partitions: number
  /** Input partitions processed at the same time. */
  readonly concurrency: number
  /**
   * How soon the group notices a bridge that died without leaving. Short, because a killed
   * bridge's partitions stay unprocessed until then.
   */
  readonly sessionTimeoutMs: number
  /** How long `start()` keeps retrying while Kafka answers with retriable errors. */
  readonly startTimeoutMs: number
  /** How long `stop()` waits for the batch in flight before closing anyway. */
  readonly shutdownTimeoutMs: number
  /** Default: `topicstream-bridge-<host>-<pid>`. */
  readonly clientId: string | undefined
  readonly transactionalIdPrefix: string
  /** Library log level forwarded to the logger. */
  readonly kafkaLogLevel: KafkaLogLevel
  /** The Kafka client library (`kafkajs` or `platformatic`). */
  readonly kafkaClient: KafkaLibrary
  /**
   * A batch Kafka does not accept is retried with back-off (1 s, doubling, at most 10 s) while the
   * failure is retriable, up to this many attempts and this long; after that, or at once for a
   * failure retrying cannot fix, its partition stalls: it is paused and reported.
   */
  readonly maxDeliveryAttempts: number
  readonly deliveryRetryBudgetMs: number
  /** How often a stalled partition is tried again; the stall clears on the first success. */
  readonly stallRetryMs: number
  /** How often consumer lag is read from the group's committed offsets and the high watermarks. */
  readonly lagIntervalMs: number
}

export const DEFAULT_BRIDGE_CONFIG: BridgeConfig = Object.freeze({
  brokers: DEFAULT_BROKERS,
  inputTopic: DEFAULT_INPUT_TOPIC,
  outputTopic: `${DEFAULT_INPUT_TOPIC}.classified`,
  dlqTopic: `${DEFAULT_INPUT_TOPIC}.dlq`,
  reviewTopic: undefined,
  groupId: 'topicstream-bridge',
  exactlyOnce: false,
  maxTextBytes: DEFAULT_MAX_TEXT_BYTES,
  partitions: DEFAULT_TOPIC_PARTITIONS,
  concurrency: 3,
  sessionTimeoutMs: 10_000,
  startTimeoutMs: 60_000,
  shutdownTimeoutMs: 30_000,
  clientId: undefined,
  transactionalIdPrefix: 'topicstream',
  kafkaLogLevel: 'warn',
  kafkaClient: DEFAULT_KAFKA_LIBRARY,
  maxDeliveryAttempts: 5,
  deliveryRetryBudgetMs: 60_000,
  stallRetryMs: 30_000,
  lagIntervalMs: 5000,
})

export function resolveBridgeConfig(config: Partial<BridgeConfig> = {}): BridgeConfig {
  const resolved = withDefaults(DEFAULT_BRIDGE_CONFIG, config)
  if (resolved.brokers.length === 0) {
    throw new TopicstreamError('ERR_CONFIG_INVALID', 'At least one Kafka broker (host:port) is required')
  }
  const topics = [resolved.inputTopic, resolved.outputTopic, resolved.dlqTopic]
  if (new Set(topics).size !== topics.length) {
    throw new TopicstreamError(
      'ERR_CONFIG_INVALID',
      `The input, output and dead-letter topics must differ (got ${topics.join(', ')})`,
      { details: { topics } },
    )
  }
  return Object.freeze({ ...resolved, brokers: Object.freeze([...resolved.brokers]) })
}
