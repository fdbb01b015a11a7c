/** The kafkajs admin client behind the KafkaAdmin surface. */
import type { Admin, ConfigResourceTypes } from 'kafkajs'
import { retrying } from '../guard.js'
import { createMissingTopics } from '../topics.js'
import type { KafkaAdmin } from '../types.js'
import { guard } from './errors.js'

/**
 * kafkajs's `ConfigResourceTypes.TOPIC` (Kafka's resource type 2): the enum is not among the named
 * exports Node finds in kafkajs's CommonJS module, so only its type is imported.
 */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes

export function wrapAdmin(admin: Admin): KafkaAdmin {
  return {
    connect: () => guard('ERR_KAFKA_UNAVAILABLE', () => admin.connect()),
    disconnect: () => guard('ERR_KAFKA_UNAVAILABLE', () => admin.disconnect()),
    listTopics: () => guard('ERR_KAFKA_UNAVAILABLE', () => admin.listTopics()),
    createTopics: (topics) => guard('ERR_KAFKA_UNAVAILABLE', () => createMissingTopics(admin, topics)),
    deleteTopics: (topics) =>
      guard('ERR_KAFKA_UNAVAILABLE', () => admin.deleteTopics({ topics: [...topics] })),
    partitionCount: (topic) =>
      guard('ERR_KAFKA_UNAVAILABLE', async () => {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
        return topics[0]?.partitions.length ?? 0
      }),
    describeTopicConfig: (topic) =>
      guard('ERR_KAFKA_UNAVAILABLE', async () => {
        const { resources } = await admin.describeConfigs({
          resources: [{ type: TOPIC_RESOURCE, name: topic }],
          includeSynonyms: false,
        })
        const entries = resources[0]?.configEntries ?? []
        return new Map(entries.map(({ configName, configValue }) => [configName, configValue]))
      }),
    topicOffsets: (topic) =>
      guard('ERR_KAFKA_UNAVAILABLE', async () =>
        (await admin.fetchTopicOffsets(topic)).map(({ partition, high, low }) => ({ partition, high, low })),
      ),
    groupOffsets: (groupId, topic) =>
      // kafkajs does not retry NOT_COORDINATOR here (seen right after a broker start): retry it briefly.
      retrying(() =>
        guard('ERR_KAFKA_UNAVAILABLE', async () => {
          const topics = await admin.fetchOffsets({ groupId, topics: [topic] })
          return (topics[0]?.partitions ?? []).map(({ partition, offset }) => ({ partition, offset }))
        }),
      ),
  }
}
