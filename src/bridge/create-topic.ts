/**
 * Creating one topic and waiting until it can be used. Under KRaft a broker learns of a new topic
 * asynchronously, so kafkajs' own wait for leaders can fail with UNKNOWN_TOPIC_OR_PARTITION although
 * the topic was created; then we wait for its metadata ourselves before giving up.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { KafkaAdmin, TopicSpec } from './kafka-client.js'

export async function createTopicAndWait(
  admin: KafkaAdmin,
  spec: TopicSpec,
  timeoutMs = 15_000,
): Promise<void> {
  try {
    await admin.createTopics([spec])
    return
  } catch (error) {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const partitions = await admin.partitionCount(spec.topic).catch(() => 0)
      if (partitions > 0) return
      await sleep(100)
    }
    throw error
  }
}
