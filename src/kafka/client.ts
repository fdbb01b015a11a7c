/**
 * The one way into Kafka. Everything else in topicstream talks to Kafka through the small typed
 * surface in types.ts, so the client library stays a replaceable detail: `createKafkaClient` picks
 * the adapter by `library` (kafkajs/ for kafkajs, platformatic/ for @platformatic/kafka), and each
 * adapter translates its library's errors into TopicstreamErrors where they enter.
 */
import { DEFAULT_KAFKA_LIBRARY } from './defaults.js'
import { TopicstreamError } from '../errors.js'
import { createKafkaJsClient } from './kafkajs/index.js'
import { createPlatformaticClient } from './platformatic/index.js'
import type { KafkaClient, KafkaClientOptions } from './types.js'

export type * from './types.js'
export { translateKafkaError } from './kafkajs/errors.js'
export { recordBytes, sliceBySize } from './send-slices.js'

/** Nothing connects here: clients connect when their `connect()` is called. */
export function createKafkaClient(options: KafkaClientOptions): KafkaClient {
  if (options.brokers.length === 0) {
    throw new TopicstreamError('ERR_CONFIG_INVALID', 'At least one Kafka broker (host:port) is required')
  }
  if ((options.library ?? DEFAULT_KAFKA_LIBRARY) === 'platformatic') return createPlatformaticClient(options)
  return createKafkaJsClient(options)
}
