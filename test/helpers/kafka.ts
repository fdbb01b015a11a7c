/**
 * Test topics with random names on the run's broker, deleted after the test that made them.
 */
import { randomUUID } from 'node:crypto'
import { inject, onTestFinished } from 'vitest'
import { createTopicAndWait } from '../../src/bridge/create-topic.js'
import { createKafkaClient } from '../../src/bridge/kafka-client.js'

export function kafkaBrokers(): string[] {
  return inject('kafkaBrokers').split(',')
}

export function randomTopicName(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`
}

/**
 * Creates a topic with a random name (call inside a test) and deletes it when the test finishes.
 */
export async function createTestTopic(
  options: { prefix?: string; partitions?: number } = {},
): Promise<string> {
  const topic = randomTopicName(options.prefix)
  const admin = createKafkaClient({ brokers: kafkaBrokers(), logLevel: 'silent' }).admin()
  await admin.connect()
  try {
    await createTopicAndWait(admin, { topic, partitions: options.partitions ?? 1 })
  } finally {
    await admin.disconnect()
  }
  onTestFinished(async () => {
    const cleanup = createKafkaClient({ brokers: kafkaBrokers(), logLevel: 'silent' }).admin()
    await cleanup.connect()
    try {
      await cleanup.deleteTopics([topic])
    } finally {
      await cleanup.disconnect()
    }
  })
  return topic
}
