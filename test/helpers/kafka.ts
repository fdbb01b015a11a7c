/**
 * Test topics with random names on the run's broker, deleted after the test that made them, and a
 * reader for what lands in them.
 */
import { randomUUID } from 'node:crypto'
import { inject, onTestFinished } from 'vitest'
import { createKafkaClient } from '../../src/kafka/client.js'
import type { IncomingRecord, KafkaAdmin, KafkaLibrary } from '../../src/kafka/client.js'
import { KAFKA_LIBRARIES } from '../../src/kafka/types.js'
import { type LearnerOptions, learnerOptions } from '../../src/learner/options.js'

export function kafkaBrokers(): string[] {
  return inject('kafkaBrokers').split(',')
}

/**
 * The client library the Kafka integration tests run on: TOPICSTREAM_TEST_KAFKA_CLIENT (set by the
 * `integration-platformatic` project in vitest.config.ts), kafkajs otherwise.
 */
export function kafkaLibrary(): KafkaLibrary {
  const library = process.env.TOPICSTREAM_TEST_KAFKA_CLIENT ?? 'kafkajs'
  if (!(KAFKA_LIBRARIES as readonly string[]).includes(library)) {
    throw new Error(`TOPICSTREAM_TEST_KAFKA_CLIENT must be one of ${KAFKA_LIBRARIES.join(', ')}`)
  }
  return library as KafkaLibrary
}

export function randomTopicName(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`
}

/**
 * The learning loop's options with topics and a group of their own: on a shared broker, another
 * test's model of the same name must never reach this one through the models topic.
 */
export function isolatedLearning(overrides: Partial<LearnerOptions> = {}): LearnerOptions {
  return learnerOptions({
    feedbackTopic: randomTopicName('feedback'),
    feedbackDlqTopic: randomTopicName('feedback-dlq'),
    modelsTopic: randomTopicName('models'),
    learnerGroup: randomTopicName('learner'),
    ...overrides,
  })
}

/**
 * Creates a topic with a random name (call inside a test) and deletes it when the test finishes.
 */
export async function createTestTopic(
  options: { prefix?: string; partitions?: number } = {},
): Promise<string> {
  const topic = randomTopicName(options.prefix)
  await withAdmin((admin) => admin.createTopics([{ topic, partitions: options.partitions ?? 1 }]))
  onTestFinished(async () => {
    await withAdmin((admin) => admin.deleteTopics([topic]))
  })
  return topic
}

export interface Collected extends IncomingRecord {
  readonly partition: number
}

/**
 * Reads `topic` from the beginning (read_committed, so aborted transactions never show) until `count`
 * records arrived or `timeoutMs` passed, and returns what arrived: the caller asserts on it, so a
 * shortfall shows as a clear diff.
 */
export async function collect(
  topic: string,
  count: number,
  { timeoutMs = 30_000, brokers = kafkaBrokers() }: { timeoutMs?: number; brokers?: readonly string[] } = {},
): Promise<Collected[]> {
  const consumer = createKafkaClient({ brokers, logLevel: 'silent', library: kafkaLibrary() }).consumer({
    groupId: randomTopicName('test-reader'),
    readUncommitted: false,
  })
  const records: Collected[] = []
  await consumer.connect()
  try {
    await consumer.subscribe([topic], { fromBeginning: true })
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs)
      void consumer.run({
        autoCommit: false,
        eachBatch: async (batch, controls) => {
          for (const record of batch.records) records.push({ ...record, partition: batch.partition })
          const last = batch.records[batch.records.length - 1]
          if (last) controls.resolveOffset(last.offset)
          if (records.length >= count) {
            clearTimeout(timer)
            resolve()
          }
        },
      })
    })
  } finally {
    await consumer.disconnect()
  }
  return records
}

/** Runs `use` with a connected admin client of the run's broker and library, then disconnects. */
export async function withAdmin<T>(use: (admin: KafkaAdmin) => Promise<T>): Promise<T> {
  const admin = createKafkaClient({
    brokers: kafkaBrokers(),
    library: kafkaLibrary(),
    logLevel: 'silent',
  }).admin()
  await admin.connect()
  try {
    return await use(admin)
  } finally {
    await admin.disconnect()
  }
}
