/**
 * The models topic: one partition, so that a version's chunks, manifest and pointer keep their
 * order, and compacted, so that only the latest record of each key stays, and a version's snapshot
 * goes once its tombstones are written.
 */
import type { KafkaAdmin, TopicSpec } from '../kafka/client.js'
import { MAX_CHUNK_BYTES } from './records.js'

export const DEFAULT_MODELS_TOPIC = 'topicstream.models'

/**
 * The topic's settings. `max.message.bytes` takes the largest chunk with room to spare. Compaction
 * runs once a tenth of the log is superseded or tombstoned (Kafka's default waits for half), and
 * the active segment, which is never compacted, rolls at least hourly, so the snapshots of versions
 * out of the window really go.
 */
export const MODELS_TOPIC_CONFIGS: Readonly<Record<string, string>> = Object.freeze({
  'cleanup.policy': 'compact',
  'max.message.bytes': String(2 * MAX_CHUNK_BYTES),
  'min.cleanable.dirty.ratio': '0.1',
  'segment.ms': String(60 * 60 * 1000),
})

export function modelsTopicSpec(topic: string = DEFAULT_MODELS_TOPIC): TopicSpec {
  return { topic, partitions: 1, configs: MODELS_TOPIC_CONFIGS }
}

/** Creates the models topic if it is missing; an existing topic is left as it is. */
export async function createModelsTopic(
  admin: KafkaAdmin,
  topic: string = DEFAULT_MODELS_TOPIC,
): Promise<void> {
  await admin.createTopics([modelsTopicSpec(topic)])
}
