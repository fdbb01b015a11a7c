/**
 * A running tweet producer: Kafka client, topic, source and worker wired together. Used by
 * `topicstream produce` and by the pipeline of `topicstream up`.
 */
import type { Readable } from 'node:stream'
import { TopicstreamError } from '../errors.js'
import { canConnect } from '../kafka/broker/lifecycle.js'
import { createKafkaClient } from '../kafka/client.js'
import { type ProducerConfig, resolveProducerConfig } from './config.js'
import type { KafkaLibrary, KafkaLogger } from '../kafka/client.js'
import { createProducerWorker } from './worker.js'
import type { ProducerStats } from './worker.js'
import { createSource } from './sources/index.js'

/** The producer's settings (defaults from DEFAULT_PRODUCER_CONFIG) and what it reads and reports to. */
export interface TweetProducerOptions extends Partial<Omit<ProducerConfig, 'source'>> {
  readonly source: string
  readonly env?: NodeJS.ProcessEnv
  readonly stdin?: Readable
  readonly kafkaLogger?: KafkaLogger
  /** The Kafka client library (default DEFAULT_KAFKA_LIBRARY). */
  readonly kafkaClient?: KafkaLibrary
  /** Rejected inputs, failed sends and stream notices, one line each. */
  readonly onWarning?: (message: string) => void
}

export interface TweetProducer {
  /** e.g. `replay:tweets.csv → tweets @ 20/s`. */
  readonly description: string
  stats(): ProducerStats
  /** Resolves with the final counts when the source ends or after `stop()`; rejects if the source fails. */
  readonly done: Promise<ProducerStats>
  /** Stops reading, flushes, disconnects. */
  stop(): Promise<ProducerStats>
}

/** Connects, creates the topic if missing, then produces in the background. */
export async function startTweetProducer(options: TweetProducerOptions): Promise<TweetProducer> {
  const config = resolveProducerConfig(options)
  const env = options.env ?? process.env
  const warn = options.onWarning ?? (() => {})
  // The source first: a wrong file or spec fails before anything connects.
  const source = await createSource(config.source, {
    stdin: options.stdin ?? process.stdin,
    env,
    loop: config.loop,
    ...(config.bearerToken ? { bearerToken: config.bearerToken } : {}),
    keywords: config.keywords,
    twitterApiUrl: config.twitterApiUrl,
    onNotice: warn,
  })
  await requireReachableBroker(config.brokers)
  const client = createKafkaClient({
    brokers: config.brokers,
    clientId: 'topicstream-producer',
    logLevel: options.kafkaLogger ? 'warn' : 'silent',
    ...(options.kafkaClient ? { library: options.kafkaClient } : {}),
    ...(options.kafkaLogger ? { logger: options.kafkaLogger } : {}),
  })
  const admin = client.admin()
  await admin.connect()
  try {
    await admin.createTopics([{ topic: config.topic, partitions: config.partitions }])
  } finally {
    await admin.disconnect()
  }
  const producer = client.producer({ idempotent: true })
  await producer.connect()

  const worker = createProducerWorker({
    producer,
    topic: config.topic,
    source,
    rate: config.rate,
    onRejected: (error: TopicstreamError) => warn(`rejected: ${error.message}`),
    onSendError: (error, records, willRetry) =>
      warn(
        `sending ${records} records failed${willRetry ? ' (retrying)' : ''}: ${error.message} [${error.code}]`,
      ),
  })
  const done = worker.run().finally(() => producer.disconnect().catch(() => undefined))
  // Callers that only use stop() must not see an unhandled rejection.
  done.catch(() => undefined)
  const rate = config.rate ? ` @ ${config.rate}/s` : ''
  return {
    description: `${source.name} → ${config.topic}${rate}${config.loop ? ' (looping)' : ''}`,
    stats: () => worker.stats(),
    done,
    async stop() {
      worker.stop()
      return done
    },
  }
}

/**
 * Fails at once when no seed broker accepts a TCP connection: the client library would retry for
 * over a minute before saying so. Later outages are the library's to ride out.
 */
async function requireReachableBroker(brokers: readonly string[]): Promise<void> {
  for (const broker of brokers) {
    const colon = broker.lastIndexOf(':')
    const host = broker.slice(0, colon).replace(/^\[|\]$/g, '')
    const port = Number(broker.slice(colon + 1))
    if (colon > 0 && Number.isInteger(port) && (await canConnect(host, port, 3000))) return
  }
  throw new TopicstreamError(
    'ERR_KAFKA_UNAVAILABLE',
    `No Kafka broker answers at ${brokers.join(', ')} (start one with "topicstream kafka start")`,
    { canRetry: true, details: { brokers } },
  )
}
