/**
 * The KafkaClient surface implemented with kafkajs. Selected with
 * `createKafkaClient({ library: 'kafkajs' })`; every kafkajs error is translated into a
 * TopicstreamError here, where it enters.
 */
import { Kafka, Partitioners } from 'kafkajs'
import type { KafkaClient, KafkaClientOptions } from '../types.js'
import { wrapAdmin } from './admin.js'
import { createConsumer, wrapConsumer } from './consumer.js'
import { forwardLogs, toKafkaLevel } from './logs.js'
import { wrapProducer, wrapTransactionalProducer } from './producer.js'

/**
 * Idempotent and transactional sends keep retrying (kafkajs's own default for them): giving up
 * would leave a gap in the sequence numbers, and a broker restart is waited out instead.
 */
const RETRY_FOREVER = { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 }

export function createKafkaJsClient(options: KafkaClientOptions): KafkaClient {
  const kafka = new Kafka({
    brokers: [...options.brokers],
    clientId: options.clientId ?? 'topicstream',
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: 30_000,
    retry: {
      retries: options.retries ?? 8,
      initialRetryTime: 300,
      maxRetryTime: options.maxRetryTimeMs ?? 30_000,
    },
    logLevel: toKafkaLevel(options.logLevel ?? 'info'),
    logCreator: () => forwardLogs(options.logger),
  })
  return {
    producer: (producerOptions = {}) =>
      wrapProducer(
        kafka.producer({
          idempotent: producerOptions.idempotent ?? true,
          ...(producerOptions.idempotent === false ? {} : { retry: RETRY_FOREVER }),
          createPartitioner: Partitioners.DefaultPartitioner,
          allowAutoTopicCreation: false,
          // Idempotence keeps order and avoids duplicates only with one request in flight per broker.
          ...(producerOptions.idempotent === false ? {} : { maxInFlightRequests: 1 }),
        }),
      ),
    transactionalProducer: ({ transactionalId }) =>
      wrapTransactionalProducer(
        kafka.producer({
          idempotent: true,
          transactionalId,
          retry: RETRY_FOREVER,
          transactionTimeout: 60_000,
          maxInFlightRequests: 1,
          createPartitioner: Partitioners.DefaultPartitioner,
          allowAutoTopicCreation: false,
        }),
      ),
    consumer: (consumerOptions) => wrapConsumer(createConsumer(kafka, consumerOptions)),
    admin: () => wrapAdmin(kafka.admin()),
  }
}
