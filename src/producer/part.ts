/** A tweet producer as a part of a process (`produce`, `up`). */
import type { Part } from '../runtime/part.js'
import type { Logger } from '../runtime/logger.js'
import type { ProducerStats } from './worker.js'
import { type TweetProducer, type TweetProducerOptions, startTweetProducer } from './tweet-producer.js'

export interface ProducerPart extends Part {
  /** Settles when the producer ends by itself (its source ran out or failed) or after `stop()`. */
  readonly finished: Promise<ProducerStats>
  /** The running producer; undefined before `start()` has resolved. */
  producer(): TweetProducer | undefined
}

export function producerPart(options: TweetProducerOptions & { readonly logger: Logger }): ProducerPart {
  const { logger } = options
  let producer: TweetProducer | undefined
  let stopping = false
  let settle: { resolve(stats: ProducerStats): void; reject(error: unknown): void } | undefined
  const finished = new Promise<ProducerStats>((resolve, reject) => (settle = { resolve, reject }))
  // Callers that never look at `finished` must not see an unhandled rejection.
  finished.catch(() => undefined)
  return {
    name: 'the producer',
    finished,
    producer: () => producer,
    async start() {
      producer = await startTweetProducer({ ...options, kafkaLogger: options.logger })
      logger.info({ producer: producer.description }, `producing ${producer.description}`)
      producer.done.then(
        (stats) => {
          if (!stopping)
            logger.info({ sent: stats.sent }, `the producer's source ended after ${stats.sent} records`)
          settle?.resolve(stats)
        },
        (error: unknown) => {
          logger.warn({ err: error }, 'the producer failed')
          settle?.reject(error)
        },
      )
    },
    async stop() {
      stopping = true
      await producer?.stop().catch(() => undefined)
    },
  }
}
