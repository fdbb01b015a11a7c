/** Defaults every Kafka-facing part shares, each written once. */

/** The local broker's client port; its controller takes the next one. */
export const DEFAULT_BROKER_PORT = 9092

export const DEFAULT_BROKERS: readonly string[] = Object.freeze([`127.0.0.1:${DEFAULT_BROKER_PORT}`])

/** Partitions of a topic topicstream creates (the input topic, and the bridge's when the input is new). */
export const DEFAULT_TOPIC_PARTITIONS = 3

/**
 * The client library when none is named: @platformatic/kafka, which moved the bridge's records
 * 1.5–1.9× faster than kafkajs side by side (BENCHMARKS.md) and passes the same fault scripts.
 */
export const DEFAULT_KAFKA_LIBRARY = 'platformatic'

/** The topic tweets are written to and classified from. */
export const DEFAULT_INPUT_TOPIC = 'tweets'
