/**
 * Which producer `up` runs, and starting it: the X filtered stream when a bearer token is given,
 * otherwise an endless replay (a file, or the labelled 20 Newsgroups test split) at a steady rate.
 */
import { startTweetProducer } from './tweet-producer.js'
import type { TweetProducer } from './tweet-producer.js'
import type { KafkaLogger } from '../kafka/client.js'

export type ProducerChoice =
  | { readonly kind: 'none' }
  | { readonly kind: 'x'; readonly bearerToken: string }
  | { readonly kind: 'replay'; readonly file: string; readonly rate: number }
  | { readonly kind: '20news-test'; readonly rate: number }

export interface ProducerPartOptions {
  readonly brokers: readonly string[]
  readonly topic: string
  readonly partitions: number
  readonly env: NodeJS.ProcessEnv
  readonly logger: KafkaLogger
  /** Rejected inputs, failed sends, the source ending or failing. */
  readonly onWarning: (message: string) => void
}

export async function startProducer(
  choice: ProducerChoice,
  options: ProducerPartOptions,
): Promise<TweetProducer | undefined> {
  if (choice.kind === 'none') return undefined
  const common = {
    brokers: options.brokers,
    topic: options.topic,
    partitions: options.partitions,
    env: options.env,
    kafkaLogger: options.logger,
    onWarning: options.onWarning,
  }
  const producer =
    choice.kind === 'x'
      ? await startTweetProducer({ ...common, source: 'twitter', bearerToken: choice.bearerToken })
      : // A demo stream should not run dry: replays start over at the end.
        await startTweetProducer({
          ...common,
          source: choice.kind === 'replay' ? `replay:${choice.file}` : '20news-test',
          rate: choice.rate,
          loop: true,
        })
  producer.done.then(
    (stats) => options.onWarning(`the producer stopped after sending ${stats.sent} records`),
    (error: unknown) =>
      options.onWarning(`the producer failed: ${error instanceof Error ? error.message : String(error)}`),
  )
  return producer
}
