/**
 * The bridge's command-line/environment options, shared by `topicstream bridge` and by the commands
 * that embed a bridge (`serve`, `up`), so flags, variables and defaults are the same everywhere.
 * Defaults come from DEFAULT_BRIDGE_CONFIG.
 */
import type { OptionSpecs, Options } from '../config.js'
import { KAFKA_LIBRARIES } from '../kafka/types.js'
import type { KafkaLibrary } from '../kafka/types.js'
import { type BridgeConfig, DEFAULT_BRIDGE_CONFIG as DEFAULTS } from './config.js'

export const BRIDGE_KAFKA_OPTIONS = {
  brokers: {
    kind: 'list',
    env: 'KAFKA_BROKERS',
    default: DEFAULTS.brokers,
    description: 'Kafka bootstrap brokers, host:port, comma-separated',
  },
  kafkaClient: {
    kind: 'string',
    env: 'TOPICSTREAM_KAFKA_CLIENT',
    default: DEFAULTS.kafkaClient,
    choices: KAFKA_LIBRARIES,
    description: 'Kafka client library: kafkajs or platformatic (@platformatic/kafka)',
  },
  inputTopic: {
    kind: 'string',
    env: 'TOPICSTREAM_INPUT_TOPIC',
    default: DEFAULTS.inputTopic,
    description: 'Topic to classify (JSON {"id","text",...} or raw UTF-8 text values)',
  },
  outputTopic: {
    kind: 'string',
    env: 'TOPICSTREAM_OUTPUT_TOPIC',
    default: DEFAULTS.outputTopic,
    description: 'Topic the classifications are written to (same key as the input)',
  },
  dlqTopic: {
    kind: 'string',
    env: 'TOPICSTREAM_DLQ_TOPIC',
    default: DEFAULTS.dlqTopic,
    description: 'Dead-letter topic for records that cannot be classified (original bytes kept)',
  },
  reviewTopic: {
    kind: 'string',
    env: 'TOPICSTREAM_REVIEW_TOPIC',
    description:
      'Also write abstained results (under --min-confidence) to this topic, for review; off by default',
  },
  group: {
    kind: 'string',
    env: 'TOPICSTREAM_GROUP',
    default: DEFAULTS.groupId,
    description: 'Consumer group; bridges in one group share the input partitions',
  },
  exactlyOnce: {
    kind: 'boolean',
    env: 'TOPICSTREAM_EXACTLY_ONCE',
    description: 'Transactional results + offsets (read_committed consumers see each input once)',
  },
  maxTextBytes: {
    kind: 'integer',
    env: 'TOPICSTREAM_MAX_TEXT_BYTES',
    default: DEFAULTS.maxTextBytes,
    min: 1,
    description: 'Larger texts (UTF-8 bytes) go to the dead-letter topic',
  },
  partitions: {
    kind: 'integer',
    env: 'TOPICSTREAM_PARTITIONS',
    default: DEFAULTS.partitions,
    min: 1,
    description: 'Partitions of the topics the bridge creates when they are missing',
  },
  topK: {
    kind: 'integer',
    env: 'TOPICSTREAM_TOP_K',
    default: 3,
    min: 1,
    description: "Classes listed in each result's top_k",
  },
} as const satisfies OptionSpecs

export type BridgeKafkaOptions = Options<typeof BRIDGE_KAFKA_OPTIONS>

/** The bridge settings these flags decide; the caller adds `classify`, metrics and the logger. */
export function bridgeConfig(options: Omit<BridgeKafkaOptions, 'brokers'>): Partial<BridgeConfig> {
  return {
    inputTopic: options.inputTopic,
    outputTopic: options.outputTopic,
    dlqTopic: options.dlqTopic,
    reviewTopic: options.reviewTopic,
    groupId: options.group,
    exactlyOnce: options.exactlyOnce,
    maxTextBytes: options.maxTextBytes,
    partitions: options.partitions,
    kafkaClient: options.kafkaClient as KafkaLibrary,
  }
}
