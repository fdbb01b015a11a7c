/** The @platformatic/kafka admin client behind the KafkaAdmin surface. */
import { Admin, ConfigResourceTypes, FetchIsolationLevels, ListOffsetTimestamps } from '@platformatic/kafka'
import { retrying } from '../guard.js'
import { createMissingTopics } from '../topics.js'
import type { TopicCreationAdmin } from '../topics.js'
import type { KafkaAdmin, TopicSpec } from '../types.js'
import { forwardEvents, reach } from './context.js'
import type { Context } from './context.js'
import { findApiId, guard, translatePlatformaticError } from './errors.js'

/** Kafka's rule for topic names; the library would refuse others before asking the broker. */
const LEGAL_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/

interface Refusal {
  topic: string
  type: string
  message: string
}

/** The admin as topics.ts's creation logic expects it (kafkajs's shape). */
function creationAdmin(admin: Admin): TopicCreationAdmin {
  return {
    listTopics: () => admin.listTopics(),
    async createTopics({ topics }) {
      const refusals: Refusal[] = []
      const valid = topics.filter(({ topic, numPartitions }) => {
        if (!LEGAL_TOPIC.test(topic) || topic === '.' || topic === '..') {
          refusals.push({ topic, type: 'INVALID_TOPIC_EXCEPTION', message: 'The topic name is not valid' })
        } else if (numPartitions < 1) {
          refusals.push({
            topic,
            type: 'INVALID_PARTITIONS',
            message: 'Number of partitions must be larger than 0',
          })
        } else return true
        return false
      })
      await Promise.all(
        valid.map(async ({ topic, numPartitions, replicationFactor, configEntries }) => {
          try {
            await admin.createTopics({
              topics: [topic],
              partitions: numPartitions,
              replicas: replicationFactor,
              ...(configEntries ? { configs: configEntries } : {}),
            })
          } catch (error) {
            if (findApiId(error, 'TOPIC_ALREADY_EXISTS')) return
            const type = findApiId(error, REFUSAL_IDS)
            if (type === undefined) throw translatePlatformaticError(error, 'ERR_KAFKA_UNAVAILABLE')
            refusals.push({ topic, type, message: (error as Error).message })
          }
        }),
      )
      if (refusals.length > 0) {
        throw Object.assign(new Error('Kafka refused to create topics'), {
          errors: refusals.map((refusal) => ({ ...refusal, retriable: false })),
        })
      }
      // The library does not wait for the new leaders: `false` makes the caller wait until served.
      return false
    },
    async fetchTopicMetadata({ topics }) {
      try {
        const metadata = await admin.metadata({ topics, forceUpdate: true })
        return {
          topics: topics.map((topic) => ({
            partitions: (metadata.topics.get(topic)?.partitions ?? []).filter(
              (entry) => entry && entry.leader >= 0,
            ),
          })),
        }
      } catch (error) {
        if (findApiId(error, 'UNKNOWN_TOPIC_OR_PARTITION') || findApiId(error, 'LEADER_NOT_AVAILABLE')) {
          return { topics: topics.map(() => ({ partitions: [] })) }
        }
        throw translatePlatformaticError(error, 'ERR_KAFKA_UNAVAILABLE')
      }
    },
  }
}

const REFUSAL_IDS = new Set([
  'INVALID_TOPIC_EXCEPTION',
  'INVALID_PARTITIONS',
  'INVALID_REPLICATION_FACTOR',
  'INVALID_CONFIG',
  'POLICY_VIOLATION',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
])

export function wrapAdmin(context: Context): KafkaAdmin {
  const admin = new Admin({ ...context.base })
  forwardEvents(context, admin, 'Admin')
  const partitionsOf = async (topic: string): Promise<number> => {
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true })
    return metadata.topics.get(topic)?.partitionsCount ?? 0
  }
  return {
    connect: () => guard('ERR_KAFKA_UNAVAILABLE', async () => void (await reach(context, admin))),
    disconnect: () => guard('ERR_KAFKA_UNAVAILABLE', () => admin.close()),
    listTopics: () => guard('ERR_KAFKA_UNAVAILABLE', () => admin.listTopics()),
    createTopics: (topics: readonly TopicSpec[]) =>
      guard('ERR_KAFKA_UNAVAILABLE', () => createMissingTopics(creationAdmin(admin), topics)),
    deleteTopics: (topics) =>
      guard('ERR_KAFKA_UNAVAILABLE', async () => {
        if (topics.length > 0) await admin.deleteTopics({ topics: [...topics] })
      }),
    partitionCount: (topic) =>
      guard('ERR_KAFKA_UNAVAILABLE', async () => {
        try {
          return await partitionsOf(topic)
        } catch (error) {
          if (findApiId(error, 'UNKNOWN_TOPIC_OR_PARTITION')) return 0
          throw error
        }
      }),
    describeTopicConfig: (topic) =>
      guard('ERR_KAFKA_UNAVAILABLE', async () => {
        const [described] = await admin.describeConfigs({
          resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }],
          includeSynonyms: false,
        })
        const entries = described?.configs ?? []
        const map = new Map<string, string>()
        for (const { name, value } of entries) if (typeof value === 'string') map.set(name, value)
        return map
      }),
    topicOffsets: (topic) =>
      guard('ERR_KAFKA_UNAVAILABLE', async () => {
        const count = await partitionsOf(topic)
        const list = async (timestamp: bigint) => {
          const [listed] = await admin.listOffsets({
            topics: [
              {
                name: topic,
                partitions: Array.from({ length: count }, (_, i) => ({ partitionIndex: i, timestamp })),
              },
            ],
            isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED,
          })
          return new Map(
            (listed?.partitions ?? []).map(({ partitionIndex, offset }) => [partitionIndex, offset]),
          )
        }
        const [high, low] = await Promise.all([
          list(ListOffsetTimestamps.LATEST),
          list(ListOffsetTimestamps.EARLIEST),
        ])
        return Array.from({ length: count }, (_, partition) => ({
          partition,
          high: (high.get(partition) ?? 0n).toString(),
          low: (low.get(partition) ?? 0n).toString(),
        }))
      }),
    groupOffsets: (groupId, topic) =>
      retrying(() =>
        guard('ERR_KAFKA_UNAVAILABLE', async () => {
          const count = await partitionsOf(topic)
          const partitionIndexes = Array.from({ length: count }, (_, i) => i)
          const [group] = await admin.listConsumerGroupOffsets({
            groups: [{ groupId, topics: [{ name: topic, partitionIndexes }] }],
          })
          const committed = new Map(
            (group?.topics.find(({ name }) => name === topic)?.partitions ?? []).map(
              ({ partitionIndex, committedOffset }) => [partitionIndex, committedOffset],
            ),
          )
          return partitionIndexes.map((partition) => ({
            partition,
            offset: (committed.get(partition) ?? -1n).toString(),
          }))
        }),
      ),
  }
}
