/**
 * `topicstream produce`: feeds a Kafka topic with tweets from a replay file, stdin, the 20
 * Newsgroups test split or the X API filtered stream. Runs until the source ends or SIGINT/SIGTERM,
 * then flushes and prints a summary on stderr.
 */
import { BRIDGE_KAFKA_OPTIONS } from '../../bridge/options.js'
import type { OptionSpecs } from '../../config.js'
import type { KafkaLibrary } from '../../kafka/types.js'
import { DEFAULT_PRODUCER_CONFIG as DEFAULTS } from '../../producer/config.js'
import type { ProducerPart } from '../../producer/part.js'
import { LOG_OPTIONS, createLogger } from '../../runtime/logger.js'
import { runService } from '../../runtime/service.js'
import { defineCommand } from '../command.js'

export const PRODUCE_OPTIONS = {
  brokers: BRIDGE_KAFKA_OPTIONS.brokers,
  kafkaClient: BRIDGE_KAFKA_OPTIONS.kafkaClient,
  topic: {
    kind: 'string',
    env: 'TOPICSTREAM_INPUT_TOPIC',
    default: DEFAULTS.topic,
    description: 'Topic to write to (created when missing)',
  },
  source: {
    kind: 'string',
    env: 'TOPICSTREAM_SOURCE',
    required: true,
    description:
      'Where tweets come from: replay:FILE (.csv or .jsonl), stdin, twitter, 20news-test[:ARCHIVE]',
  },
  rate: {
    kind: 'number',
    env: 'TOPICSTREAM_PRODUCE_RATE',
    default: DEFAULTS.rate,
    min: 0,
    description: 'Records per second, evenly spaced; 0 sends as fast as possible',
  },
  loop: {
    kind: 'boolean',
    env: 'TOPICSTREAM_PRODUCE_LOOP',
    description: 'Replay the file or the test split again from the start when it ends',
  },
  partitions: {
    kind: 'integer',
    env: 'TOPICSTREAM_PARTITIONS',
    default: DEFAULTS.partitions,
    min: 1,
    description: 'Partitions of the topic if it has to be created',
  },
  keywords: {
    kind: 'list',
    env: 'TOPICSTREAM_TWITTER_KEYWORDS',
    default: DEFAULTS.keywords,
    description: 'twitter: filtered-stream keywords, one rule each (rules are synchronised on start)',
  },
  twitterApiUrl: {
    kind: 'string',
    env: 'TOPICSTREAM_TWITTER_API_URL',
    default: DEFAULTS.twitterApiUrl,
    description: 'twitter: base URL of the X API v2',
  },
  twitterBearerToken: {
    kind: 'string',
    env: 'TWITTER_BEARER_TOKEN',
    secret: true,
    description: 'twitter: app bearer token (prefer the environment variable: flags show in ps)',
  },
  progressInterval: {
    kind: 'integer',
    env: 'TOPICSTREAM_PROGRESS_INTERVAL',
    default: 5,
    min: 0,
    description: 'Seconds between progress lines on stderr; 0 for none',
  },
  ...LOG_OPTIONS,
} as const satisfies OptionSpecs

/** Rejections beyond this many are counted but no longer printed one by one. */
const MAX_PRINTED_WARNINGS = 100

/** How long flushing and disconnecting may take after a stop request. */
const STOP_TIMEOUT_MS = 30_000

export const produceCommand = defineCommand({
  usage: 'topicstream produce --source replay:FILE|stdin|twitter|20news-test[:PATH] [options]',
  description: `Writes tweets to a Kafka topic: key = tweet id, value = JSON {"id","text","created_at","author_id",
"lang","source"} plus "label" when the source knows the true topic (Sanders corpus Topic column, 20 Newsgroups
category). Uses an idempotent producer. Inputs that cannot be read are reported and counted as failed.
Stops at the end of the source, or on Ctrl-C/SIGTERM after flushing; prints "sent N, failed N" on stderr
and exits 1 when any record was rejected or could not be sent (0 when all were sent).`,
  options: PRODUCE_OPTIONS,
  async run({ options, io }) {
    const logger = createLogger({
      level: options.logLevel,
      format: options.logFormat,
      destination: io.stderr,
    })
    let warnings = 0
    const warn = (message: string): void => {
      warnings++
      if (warnings <= MAX_PRINTED_WARNINGS) io.stderr.write(`produce: ${message}\n`)
      if (warnings === MAX_PRINTED_WARNINGS) io.stderr.write('produce: further warnings are only counted\n')
    }
    const started = performance.now()
    let producer: ProducerPart | undefined
    let progress: NodeJS.Timeout | undefined
    try {
      await runService({
        logger,
        stopTimeoutMs: STOP_TIMEOUT_MS,
        plan: async () => {
          const { producerPart } = await import('../../producer/part.js')
          producer = producerPart({
            brokers: options.brokers,
            kafkaClient: options.kafkaClient as KafkaLibrary,
            topic: options.topic,
            source: options.source,
            rate: options.rate,
            loop: options.loop,
            partitions: options.partitions,
            env: io.env,
            stdin: io.stdin,
            keywords: options.keywords,
            twitterApiUrl: options.twitterApiUrl,
            ...(options.twitterBearerToken ? { bearerToken: options.twitterBearerToken } : {}),
            logger,
            onWarning: warn,
          })
          return {
            parts: [producer],
            until: producer.finished,
            onStarted: () => {
              io.stderr.write(`produce: ${producer?.producer()?.description}\n`)
              progress = progressReporter(producer, options.progressInterval, io.stderr)
            },
          }
        },
      })
      const stats = await producer?.finished
      const { sent = 0, failed = 0, read = 0 } = stats ?? {}
      const seconds = (performance.now() - started) / 1000
      // A script replaying a file must be able to tell that records were dropped.
      const verdict =
        failed === 0
          ? ''
          : `; exit status 1: ${failed} ${failed === 1 ? 'record was' : 'records were'} rejected or not sent`
      io.stderr.write(
        `produce: done: sent ${sent}, failed ${failed} (read ${read}) in ${seconds.toFixed(1)} s${verdict}\n`,
      )
      return failed === 0 ? 0 : 1
    } catch (error) {
      const stats = producer?.producer()?.stats()
      if (stats) io.stderr.write(`produce: stopped by an error: sent ${stats.sent}, failed ${stats.failed}\n`)
      throw error
    } finally {
      clearInterval(progress)
    }
  },
})

function progressReporter(
  producer: ProducerPart | undefined,
  intervalSeconds: number,
  stderr: NodeJS.WritableStream,
): NodeJS.Timeout | undefined {
  if (intervalSeconds <= 0) return undefined
  let lastSent = 0
  let lastTime = performance.now()
  return setInterval(() => {
    const stats = producer?.producer()?.stats()
    if (stats === undefined) return
    const now = performance.now()
    const rate = ((stats.sent - lastSent) * 1000) / (now - lastTime)
    lastSent = stats.sent
    lastTime = now
    stderr.write(`produce: sent ${stats.sent} (${rate.toFixed(0)}/s), failed ${stats.failed}\n`)
  }, intervalSeconds * 1000)
}
