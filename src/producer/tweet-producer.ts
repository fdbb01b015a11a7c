/**
 * A running tweet producer: Kafka client, topic, source and worker wired together. Used by
 * `topicstream produce` and by the pipeline of `topicstream up`.
 */
import type { Readable } from 'node:stream'
import { TopicstreamError } from '../errors.js'
import { canConnect } from '../kafka/broker/lifecycle.js'
import { createKafkaClient } from '../kafka/client.js'
import { DEFAULT_TOPIC_PARTITIONS } from '../kafka/defaults.js'
import type { KafkaLogger } from '../kafka/client.js'
import { createProducerWorker } from './worker.js'
import type { ProducerStats } from './worker.js'
import { createSource } from './sources/index.js'

export interface TweetProducerOptions {
  readonly brokers: readonly string[]
  readonly topic: string
  /** `replay:FILE`, `stdin`, `twitter` or `20news-test[:PATH]`. */
  readonly source: string
  /** Records per second (0: as fast as possible). */
  readonly rate?: number
  readonly loop?: boolean
  /** Partitions of the topic when it has to be created (default DEFAULT_TOPIC_PARTITIONS). */
  readonly partitions?: number
  readonly env?: NodeJS.ProcessEnv
  readonly stdin?: Readable
  readonly bearerToken?: string
  readonly keywords?: readonly string[]
  readonly twitterApiUrl?: string
  readonly kafkaLogger?: KafkaLogger
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
  const env = options.env ?? process.env
  const warn = options.onWarning ?? (() => {})
  // The source first: a wrong file or spec fails before anything connects.
  const source = await createSource(options.source, {
    stdin: options.stdin ?? process.stdin,
    env,
    loop: options.loop ?? false,
    ...(options.bearerToken ? { bearerToken: options.bearerToken } : {}),
    ...(options.keywords ? { keywords: options.keywords } : {}),
    ...(options.twitterApiUrl ? { twitterApiUrl: options.twitterApiUrl } : {}),
    onNotice: warn,
  })
  await requireReachableBroker(options.brokers)
  const client = createKafkaClient({
    brokers: options.brokers,
    clientId: 'topicstream-producer',
    logLevel: options.kafkaLogger ? 'warn' : 'silent',
    ...(options.kafkaLogger ? { logger: options.kafkaLogger } : {}),
  })
  const admin = client.admin()
  await admin.connect()
  try {
    await admin.createTopics([
      { topic: options.topic, partitions: options.partitions ?? DEFAULT_TOPIC_PARTITIONS },
    ])
  } finally {
    await admin.disconnect()
  }
  const producer = client.producer({ idempotent: true })
  await producer.connect()

  const worker = createProducerWorker({
    producer,
    topic: options.topic,
    source,
    rate: options.rate ?? 0,
    onRejected: (error: TopicstreamError) => warn(`rejected: ${error.message}`),
    onSendError: (error, records, willRetry) =>
      warn(
        `sending ${records} records failed${willRetry ? ' (retrying)' : ''}: ${error.message} [${error.code}]`,
      ),
  })
  const done = worker.run().finally(() => producer.disconnect().catch(() => undefined))
  // Callers that only use stop() must not see an unhandled rejection.
  done.catch(() => undefined)
  const rate = options.rate ? ` @ ${options.rate}/s` : ''
  return {
    description: `${source.name} → ${options.topic}${rate}${options.loop ? ' (looping)' : ''}`,
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
