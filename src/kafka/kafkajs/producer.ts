/** The kafkajs producers: plain (idempotent by default) and transactional. */
import type { IHeaders, Producer, Transaction } from 'kafkajs'
import { sendInSlices } from '../send-slices.js'
import type {
  KafkaProducer,
  KafkaSender,
  KafkaTransactionalProducer,
  OutgoingRecord,
  SendOptions,
} from '../types.js'
import { guard } from './errors.js'
import { toKafkaJsHeaders } from './headers.js'

function toMessages(records: readonly OutgoingRecord[]): Array<{
  key?: string | Buffer | null
  value: string | Buffer | null
  headers?: IHeaders
  partition?: number
  timestamp?: string
}> {
  return records.map((record) => ({
    key: record.key ?? null,
    value: record.value,
    ...(record.headers ? { headers: toKafkaJsHeaders(record.headers) } : {}),
    ...(record.partition === undefined ? {} : { partition: record.partition }),
    ...(record.timestamp === undefined ? {} : { timestamp: record.timestamp }),
  }))
}

function wrapSender(sender: Producer | Transaction): KafkaSender {
  return {
    send: (topic, records, options: SendOptions = {}) =>
      guard('ERR_KAFKA_PRODUCE_FAILED', () =>
        sendInSlices(records, options, options.maxRecordsPerRequest, (slice) =>
          sender.send({ topic, messages: toMessages(slice), acks: -1 }),
        ),
      ),
  }
}

export function wrapProducer(producer: Producer): KafkaProducer {
  return {
    connect: () => guard('ERR_KAFKA_UNAVAILABLE', () => producer.connect()),
    disconnect: () => guard('ERR_KAFKA_UNAVAILABLE', () => producer.disconnect()),
    ...wrapSender(producer),
  }
}

export function wrapTransactionalProducer(producer: Producer): KafkaTransactionalProducer {
  return {
    connect: () => guard('ERR_KAFKA_UNAVAILABLE', () => producer.connect()),
    disconnect: () => guard('ERR_KAFKA_UNAVAILABLE', () => producer.disconnect()),
    transaction: () =>
      guard('ERR_KAFKA_PRODUCE_FAILED', async () => {
        const transaction = await producer.transaction()
        return {
          ...wrapSender(transaction),
          sendOffsets: (groupId, offsets) =>
            guard('ERR_KAFKA_PRODUCE_FAILED', () =>
              transaction.sendOffsets({
                consumerGroupId: groupId,
                topics: offsets.map(({ topic, partitions }) => ({
                  topic,
                  partitions: partitions.map(({ partition, offset }) => ({ partition, offset })),
                })),
              }),
            ),
          commit: () => guard('ERR_KAFKA_PRODUCE_FAILED', () => transaction.commit()),
          abort: () => guard('ERR_KAFKA_PRODUCE_FAILED', () => transaction.abort()),
        }
      }),
  }
}
