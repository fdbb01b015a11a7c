/**
 * The learning loop's parts of a process that serves with Kafka (`serve --bridge`, `up`) or learns
 * (`learn`): the models-topic follower (keeps the registry on the current versions), the feedback
 * sink behind REST and gRPC, the writer promote and rollback act through, and, when asked for, the
 * learner.
 */
import type { Registry } from 'prom-client'
import type { LearningControl } from '../api/learning-control.js'
import type { ModelRegistry } from '../engine/model-registry.js'
import { TopicstreamError } from '../errors.js'
import type { KafkaClient, KafkaProducer } from '../kafka/client.js'
import { type FeedbackOptions, createKafkaFeedbackSink } from '../learning/feedback-sink.js'
import { isLearningStatus } from '../learning/model-learner.js'
import { type Learner, createLearner } from '../learner/learner.js'
import { registerLearningMetrics } from '../learner/metrics.js'
import { type LearnerOptions, learnerConfig } from '../learner/options.js'
import { type ModelsFollower, createModelsFollower } from '../models-topic/follower.js'
import { moveCurrent, sendCommand } from '../models-topic/publish.js'
import type { Logger } from '../runtime/logger.js'
import { type Part, part } from '../runtime/part.js'

export interface LearningLoopOptions extends LearnerOptions {
  readonly maxTextBytes: number
  /** Run the learner in this process. */
  readonly learn: boolean
  /** Take feedback over REST and gRPC: connect the feedback sink. */
  readonly serving: boolean
}

export interface LearningLoop {
  /** Started after the models are loaded: follower first, then writers, then the learner. */
  readonly parts: readonly Part[]
  readonly follower: ModelsFollower
  readonly feedback: FeedbackOptions
  readonly control: LearningControl
  readonly learner: Learner | undefined
}

export function learningLoop(
  options: LearningLoopOptions,
  deps: {
    readonly client: KafkaClient
    readonly registry: ModelRegistry
    readonly metrics: Registry
    readonly logger: Logger
  },
): LearningLoop {
  const { client, registry, logger } = deps
  const topic = options.modelsTopic
  const follower = createModelsFollower({
    client,
    topic,
    registry,
    logger,
    keepVersions: options.keepVersions,
    onCurrent: (event) => {
      if (event.outcome === 'installed' || event.outcome === 'serving') {
        learner?.currentChanged(event.name, event.pointer.version)
      }
    },
    onCommand: (name) => learner?.promoteRequested(name),
  })
  const learner: Learner | undefined = options.learn
    ? createLearner(learnerConfig(options), { client, registry, follower, logger })
    : undefined
  const sink = createKafkaFeedbackSink({ client, topic: options.feedbackTopic, logger })
  const metrics = registerLearningMetrics(deps.metrics, {
    models: () => registry.list().map((entry) => entry.name),
    status: (name) => follower.status(name),
  })
  let writer: KafkaProducer | undefined
  const writing = (): KafkaProducer => {
    if (writer === undefined) {
      throw new TopicstreamError('ERR_NOT_READY', 'The models topic is not connected yet', { canRetry: true })
    }
    return writer
  }
  const counted = async <T>(name: string, action: string, work: () => Promise<T>): Promise<T> => {
    try {
      const result = await work()
      metrics.actions.inc({ model: name, action, outcome: 'accepted' })
      return result
    } catch (error) {
      metrics.actions.inc({ model: name, action, outcome: 'refused' })
      throw error
    }
  }

  const control: LearningControl = {
    versions(name) {
      const pointer = follower.current(name)
      return pointer === undefined
        ? undefined
        : { current: pointer.version, history: pointer.history, action: pointer.action, at: pointer.at }
    },
    status(name) {
      const status = follower.status(name)
      return isLearningStatus(status) ? status : undefined
    },
    promote: (name) =>
      counted(name, 'promote', async () => ({ requestId: (await sendCommand(writing(), topic, name)).id })),
    rollback: (name) =>
      counted(name, 'rollback', async () => {
        const pointer = follower.current(name)
        const previous = pointer?.history[0]
        if (pointer === undefined || previous === undefined) {
          throw new TopicstreamError(
            'ERR_PROMOTION_REFUSED',
            `Model "${name}" has no earlier version to roll back to`,
          )
        }
        if (follower.manifest(name, previous) === undefined) {
          throw new TopicstreamError(
            'ERR_PROMOTION_REFUSED',
            `The snapshot of ${name}@${previous} is no longer on the models topic (--keep-versions)`,
          )
        }
        // Rolling back walks back: the version left is dropped from the history, not made "previous".
        await moveCurrent(writing(), { topic, name, version: previous, history: pointer.history.slice(1) })
        return { version: previous, previous: pointer.version }
      }),
  }

  const parts: Part[] = [
    part(
      'the models topic',
      async () => {
        await follower.start()
        const producer = client.producer({ idempotent: true })
        await producer.connect()
        writer = producer
      },
      async () => {
        await writer?.disconnect().catch(() => {})
        writer = undefined
        await follower.stop()
      },
    ),
  ]
  if (options.serving)
    parts.push(
      part(
        'the feedback sink',
        () => sink.connect(),
        () => sink.close(),
      ),
    )
  if (learner !== undefined) {
    const running = learner
    parts.push(
      part(
        'the learner',
        () => running.start(),
        () => running.stop(),
      ),
    )
  }
  return { parts, follower, feedback: { sink, maxLabelBytes: options.maxLabelBytes }, control, learner }
}
