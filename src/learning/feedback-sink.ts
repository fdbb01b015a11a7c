/**
 * Where accepted feedback goes. The REST and gRPC adapters write through the `FeedbackSink` port;
 * the Kafka sink writes to the feedback topic, the log of truth the learner consumes.
 *
 * The feedback topic has one partition, so a single learner sees every item in the order it was
 * acknowledged. Records also name partition 0 explicitly: if the topic was created beforehand with
 * more partitions, feedback still forms one ordered log instead of being spread by key.
 */
import { TopicstreamError, toTopicstreamError } from '../errors.js'
import type { KafkaClient, KafkaLogger, KafkaProducer, TopicSpec } from '../kafka/client.js'
import { DEFAULT_MAX_LABEL_BYTES, type FeedbackItem, feedbackRecord } from './feedback.js'
import { type FeedbackStats, createFeedbackStats } from './feedback-stats.js'

export const DEFAULT_FEEDBACK_TOPIC = 'tweets.feedback'
/** Where the learner puts feedback records it cannot use. */
export const DEFAULT_FEEDBACK_DLQ_TOPIC = 'tweets.feedback.dlq'

const FEEDBACK_PARTITION = 0

export function FEEDBACK_TOPIC_SPEC(topic: string): TopicSpec {
  return { topic, partitions: 1 }
}

/** The feedback topic and its dead-letter topic, as the learner creates them. */
export function feedbackTopicSpecs(topic: string, dlqTopic: string): TopicSpec[] {
  return [FEEDBACK_TOPIC_SPEC(topic), { topic: dlqTopic, partitions: 1 }]
}

export interface FeedbackSink {
  /**
   * Resolves once every item is durable, in the given order. Rejects with ERR_KAFKA_UNAVAILABLE or
   * ERR_KAFKA_PRODUCE_FAILED (`canRetry` set when trying again later may work); after a failure,
   * some of the first items may have been written.
   */
  submit(items: readonly FeedbackItem[]): Promise<void>
}

/** How a server is given feedback: the sink, and optionally the statistics to count into. */
export interface FeedbackOptions {
  readonly sink: FeedbackSink
  readonly stats?: FeedbackStats
  /** Longest label taken (default DEFAULT_MAX_LABEL_BYTES): the learner's `--max-label-bytes`. */
  readonly maxLabelBytes?: number
}

/** What a server takes feedback with: one sink, and the statistics REST and gRPC both count into. */
export interface FeedbackIntake {
  readonly sink: FeedbackSink
  readonly stats: FeedbackStats
  readonly maxLabelBytes: number
}

/** The options with statistics made when none were given; undefined without a sink. */
export function feedbackIntake(options: FeedbackOptions | undefined): FeedbackIntake | undefined {
  if (options === undefined) return undefined
  return {
    sink: options.sink,
    stats: options.stats ?? createFeedbackStats(),
    maxLabelBytes: options.maxLabelBytes ?? DEFAULT_MAX_LABEL_BYTES,
  }
}

/** The refusal of a server that has no sink. */
export function feedbackUnavailable(): TopicstreamError {
  return new TopicstreamError(
    'ERR_FEEDBACK_UNAVAILABLE',
    'Feedback needs Kafka: its topic is the log the learner reads. Run the server with a broker (`topicstream serve --bridge` or `topicstream up`).',
  )
}

export interface KafkaFeedbackSink extends FeedbackSink {
  /** Creates the topic when missing (one partition), then connects an idempotent producer. */
  connect(): Promise<void>
  /** Lets the sends under way finish, then disconnects. Safe to call twice. */
  close(): Promise<void>
}

export interface KafkaFeedbackSinkOptions {
  readonly client: KafkaClient
  /** Default DEFAULT_FEEDBACK_TOPIC. */
  readonly topic?: string
  readonly logger?: KafkaLogger
}

export function createKafkaFeedbackSink(options: KafkaFeedbackSinkOptions): KafkaFeedbackSink {
  const { client, logger } = options
  const topic = options.topic ?? DEFAULT_FEEDBACK_TOPIC
  let producer: KafkaProducer | undefined
  let state: 'new' | 'connected' | 'closed' = 'new'
  const inFlight = new Set<Promise<void>>()

  const send = async (items: readonly FeedbackItem[]): Promise<void> => {
    const records = items.map((item) => ({ ...feedbackRecord(item), partition: FEEDBACK_PARTITION }))
    try {
      await (producer as KafkaProducer).send(topic, records)
    } catch (error) {
      throw asSinkError(error)
    }
  }

  return {
    async connect() {
      if (state !== 'new') return
      const admin = client.admin()
      await admin.connect()
      try {
        await admin.createTopics([FEEDBACK_TOPIC_SPEC(topic)])
        const partitions = await admin.partitionCount(topic)
        if (partitions !== 1) {
          logger?.warn(
            { topic, partitions },
            'the feedback topic has more than one partition; feedback is written to partition 0 only',
          )
        }
      } finally {
        await admin.disconnect().catch(() => undefined)
      }
      const connecting = client.producer({ idempotent: true })
      await connecting.connect()
      producer = connecting
      state = 'connected'
      logger?.info({ topic }, 'feedback goes to Kafka')
    },

    submit(items) {
      if (state !== 'connected') {
        return Promise.reject(
          new TopicstreamError(
            'ERR_KAFKA_UNAVAILABLE',
            state === 'closed' ? 'The feedback sink is closed' : 'The feedback sink is not connected yet',
            { canRetry: state === 'new' },
          ),
        )
      }
      if (items.length === 0) return Promise.resolve()
      const sending = send(items)
      const tracked = sending.catch(() => undefined)
      inFlight.add(tracked)
      void tracked.then(() => inFlight.delete(tracked))
      return sending
    },

    async close() {
      if (state === 'closed') return
      const wasConnected = state === 'connected'
      state = 'closed'
      await Promise.all(inFlight)
      if (wasConnected) await producer?.disconnect()
    },
  }
}

/** The sink promises two codes; anything else the adapter raised is a failed send. */
function asSinkError(error: unknown): TopicstreamError {
  const ours = toTopicstreamError(error, 'ERR_KAFKA_PRODUCE_FAILED')
  if (ours.code === 'ERR_KAFKA_UNAVAILABLE' || ours.code === 'ERR_KAFKA_PRODUCE_FAILED') return ours
  return new TopicstreamError('ERR_KAFKA_PRODUCE_FAILED', `Feedback could not be written: ${ours.message}`, {
    cause: ours,
    canRetry: ours.canRetry,
  })
}
