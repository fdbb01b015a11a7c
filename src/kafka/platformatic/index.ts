/**
 * The KafkaClient surface implemented with @platformatic/kafka. Selected with
 * `createKafkaClient({ library: 'platformatic' })`; every library error is translated into a
 * TopicstreamError here, where it enters.
 */
import type { KafkaClient, KafkaClientOptions } from '../types.js'
import { wrapAdmin } from './admin.js'
import { wrapConsumer } from './consumer.js'
import { createContext } from './context.js'
import { wrapProducer, wrapTransactionalProducer } from './producer.js'

export function createPlatformaticClient(options: KafkaClientOptions): KafkaClient {
  const context = createContext(options)
  return {
    producer: (producerOptions = {}) => wrapProducer(context, producerOptions.idempotent ?? true),
    transactionalProducer: ({ transactionalId }) => wrapTransactionalProducer(context, transactionalId),
    consumer: (consumerOptions) => wrapConsumer(context, consumerOptions),
    admin: () => wrapAdmin(context),
  }
}
