/**
 * `topicstream produce`: feeds a Kafka topic with tweets from a replay file, stdin, the 20
 * Newsgroups test split or the X API filtered stream. Runs until the source ends or SIGINT/SIGTERM,
 * then flushes and prints a summary on stderr.
 */
import type { KafkaLogger } from '../../kafka/client.js'
import { BRIDGE_KAFKA_OPTIONS } from '../../bridge/options.js'
import { DEFAULT_KEYWORDS, DEFAULT_TWITTER_API_URL } from '../../producer/sources/defaults.js'
import type { OptionSpecs } from '../../config.js'
import { type Command, type CommandHelp, parseArguments } from '../command.js'
import { listenForStopSignal } from '../signals.js'

export const PRODUCE_OPTIONS = {
  brokers: BRIDGE_KAFKA_OPTIONS.brokers,
  topic: {
    kind: 'string',
    env: 'TOPICSTREAM_INPUT_TOPIC',
    default: 'tweets',
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
    default: 0,
    min: 0,
    description: 'Records per second, evenly spaced; 0 sends as fast as possible',
  },
  loop: {
    kind: 'boolean',
    env: 'TOPICSTREAM_PRODUCE_LOOP',
    description: 'Replay the file or the test split again from the start when it ends',
  },
  partitions: {
    ...BRIDGE_KAFKA_OPTIONS.partitions,
    description: 'Partitions of the topic if it has to be created',
  },
  keywords: {
    kind: 'list',
    env: 'TOPICSTREAM_TWITTER_KEYWORDS',
    default: DEFAULT_KEYWORDS,
    description: 'twitter: filtered-stream keywords, one rule each (rules are synchronised on start)',
  },
  twitterApiUrl: {
    kind: 'string',
    env: 'TOPICSTREAM_TWITTER_API_URL',
    default: DEFAULT_TWITTER_API_URL,
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
} as const satisfies OptionSpecs

const HELP: CommandHelp = {
  usage: 'topicstream produce --source replay:FILE|stdin|twitter|20news-test[:PATH] [options]',
  summary: `Writes tweets to a Kafka topic: key = tweet id, value = JSON {"id","text","created_at","author_id",
"lang","source"} plus "label" when the source knows the true topic (Sanders corpus Topic column, 20 Newsgroups
category). Uses an idempotent producer. Inputs that cannot be read are reported and counted as failed.
Stops at the end of the source, or on Ctrl-C/SIGTERM after flushing; prints "sent N, failed N" on stderr
and exits 1 when any record was rejected or could not be sent (0 when all were sent).`,
}

/** Rejections beyond this many are counted but no longer printed one by one. */
const MAX_PRINTED_WARNINGS = 100

export const produceCommand: Command = {
  name: 'produce',
  options: PRODUCE_OPTIONS,
  summary: 'Feed a Kafka topic from the X API, a replay file or stdin',
  async run(argv, io) {
    const parsed = parseArguments(PRODUCE_OPTIONS, argv, io, HELP)
    if (parsed === undefined) return 0
    const { options } = parsed
    const { startTweetProducer } = await import('../../producer/tweet-producer.js')

    let warnings = 0
    const warn = (message: string): void => {
      warnings++
      if (warnings <= MAX_PRINTED_WARNINGS) io.stderr.write(`produce: ${message}\n`)
      if (warnings === MAX_PRINTED_WARNINGS) io.stderr.write('produce: further warnings are only counted\n')
    }
    const started = performance.now()
    const producer = await startTweetProducer({
      brokers: options.brokers,
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
      kafkaLogger: stderrLogger(io.stderr),
      onWarning: warn,
    })
    io.stderr.write(`produce: ${producer.description}\n`)

    // The first signal stops the source and flushes; a second one ends the process as usual.
    const stopSignal = listenForStopSignal()
    void stopSignal.signal.then(() => {
      stopSignal.dispose()
      void producer.stop()
    })
    let lastSent = 0
    let lastTime = performance.now()
    const progress =
      options.progressInterval > 0
        ? setInterval(() => {
            const { sent, failed } = producer.stats()
            const now = performance.now()
            const rate = ((sent - lastSent) * 1000) / (now - lastTime)
            lastSent = sent
            lastTime = now
            io.stderr.write(`produce: sent ${sent} (${rate.toFixed(0)}/s), failed ${failed}\n`)
          }, options.progressInterval * 1000)
        : undefined
    try {
      const { sent, failed, read } = await producer.done
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
      const { sent, failed } = producer.stats()
      io.stderr.write(`produce: stopped by an error: sent ${sent}, failed ${failed}\n`)
      throw error
    } finally {
      clearInterval(progress)
      stopSignal.dispose()
    }
  },
}

function stderrLogger(stderr: NodeJS.WritableStream): KafkaLogger {
  const line =
    (level: string) =>
    (_object: object, message?: string): void => {
      stderr.write(`produce: kafka ${level}: ${message ?? ''}\n`)
    }
  return { error: line('error'), warn: line('warn'), info: () => {}, debug: () => {} }
}
