/** The kafkajs consumer, with kafkajs's own `eachBatch` loop behind the KafkaConsumer surface. */
import type { Batch, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs'
import type { ConsumerOptions, IncomingBatch, IncomingRecord, KafkaConsumer } from '../types.js'
import { guard, translateKafkaError } from './errors.js'
import { fromKafkaJsHeaders } from './headers.js'

export function createConsumer(kafka: Kafka, options: ConsumerOptions): Consumer {
  return kafka.consumer({
    groupId: options.groupId,
    readUncommitted: options.readUncommitted ?? false,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: 3000,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 500,
    allowAutoTopicCreation: false,
    // A crashed consumer restarts itself: it rejoins after a broker restart.
    retry: { restartOnFailure: async () => true },
  })
}

function toIncomingRecord(message: KafkaMessage): IncomingRecord {
  return {
    key: message.key,
    value: message.value,
    headers: fromKafkaJsHeaders(message.headers),
    offset: message.offset,
    timestamp: message.timestamp,
  }
}

function toIncomingBatch(batch: Batch): IncomingBatch {
  return {
    topic: batch.topic,
    partition: batch.partition,
    highWatermark: batch.highWatermark,
    records: batch.messages.map(toIncomingRecord),
  }
}

export function wrapConsumer(consumer: Consumer): KafkaConsumer {
  const { events } = consumer
  return {
    connect: () => guard('ERR_KAFKA_UNAVAILABLE', () => consumer.connect()),
    disconnect: () => guard('ERR_KAFKA_UNAVAILABLE', () => consumer.disconnect()),
    subscribe: (topics, options = {}) =>
      guard('ERR_KAFKA_UNAVAILABLE', () =>
        consumer.subscribe({ topics: [...topics], fromBeginning: options.fromBeginning ?? true }),
      ),
    run: ({ eachBatch, autoCommit, partitionsConsumedConcurrently }) =>
      guard('ERR_KAFKA_UNAVAILABLE', () =>
        consumer.run({
          autoCommit,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: partitionsConsumedConcurrently ?? 1,
          eachBatch: async (payload: EachBatchPayload) => {
            if (payload.batch.isEmpty()) return
            await eachBatch(toIncomingBatch(payload.batch), {
              resolveOffset: payload.resolveOffset,
              heartbeat: payload.heartbeat,
              pause: payload.pause,
            })
          },
        }),
      ),
    stop: () => guard('ERR_KAFKA_UNAVAILABLE', () => consumer.stop()),
    seek: (topic, partition, offset) => consumer.seek({ topic, partition, offset }),
    onCrash: (listener) => {
      consumer.on(events.CRASH, (event) =>
        listener(translateKafkaError(event.payload.error, 'ERR_KAFKA_UNAVAILABLE'), event.payload.restart),
      )
    },
    onGroupJoin: (listener) => {
      consumer.on(events.GROUP_JOIN, (event) => listener(event.payload.memberAssignment))
    },
  }
}
