/**
 * The learner: consumes the feedback topic, keeps one ModelLearner per served model, sends bad
 * feedback to the feedback dead-letter topic, publishes a promoted candidate to the models topic,
 * and shares its figures there as status records.
 *
 * Where feedback resumes after a crash is the consumer group's committed offset, and that offset
 * only moves when a model version goes live: a promotion commits it in the same Kafka transaction
 * as the new version's records, a rebase (rollback, published model) commits it on its own. A
 * restarted learner therefore replays exactly the feedback its lost candidate had learnt, onto the
 * live version, and gets the same candidate back (the updates are exact and deterministic).
 *
 * The feedback topic has one partition, so one learner of the group is active; others wait as
 * standbys and take over from the committed offset.
 */
import { deadLetter, referenceDeadLetter } from '../bridge/dead-letter.js'
import type { ModelRegistry } from '../engine/model-registry.js'
import type { TextClassifier } from '../engine/text-classifier.js'
import { type TopicstreamError, toTopicstreamError } from '../errors.js'
import type {
  BatchControls,
  IncomingBatch,
  IncomingRecord,
  KafkaAdmin,
  KafkaClient,
  KafkaConsumer,
  KafkaProducer,
  KafkaTransaction,
  KafkaTransactionalProducer,
  OutgoingRecord,
} from '../kafka/client.js'
import { decodeFeedbackValue, type FeedbackItem, type FeedbackLimits } from '../learning/feedback.js'
import { feedbackTopicSpecs } from '../learning/feedback-sink.js'
import { ModelLearner } from '../learning/model-learner.js'
import type { LearningSettings } from '../learning/settings.js'
import { modelsTopicSpec } from '../models-topic/topic.js'
import type { ModelsFollower } from '../models-topic/follower.js'
import { publishModel, sendStatus } from '../models-topic/publish.js'
import { type CurrentPointer, makePointer, nextHistory } from '../models-topic/records.js'
import type { Logger } from '../runtime/logger.js'

export interface LearnerConfig {
  readonly feedbackTopic: string
  readonly feedbackDlqTopic: string
  readonly modelsTopic: string
  readonly groupId: string
  readonly settings: LearningSettings
  readonly limits: FeedbackLimits
  /** Versions kept on the models topic for rollback. */
  readonly keepVersions: number
  /** How often, at most, figures are written to the models topic. */
  readonly statusIntervalMs: number
}

export interface LearnerDeps {
  readonly client: KafkaClient
  /** The served models, kept on the current version by the models-topic follower. */
  readonly registry: ModelRegistry
  /** The models topic as this process's follower has read it. */
  readonly follower: Pick<ModelsFollower, 'current' | 'manifest'>
  readonly logger: Logger
}

export type PromotionTrigger = 'auto' | 'manual'

export interface Learner {
  start(): Promise<void>
  stop(): Promise<void>
  /** A promote command arrived (from any replica): promote now if there is anything to promote. */
  promoteRequested(name: string): void
  /** A version went live on the models topic (installed in the registry). */
  currentChanged(name: string, version: string): void
}

/** Records over this size are dead-lettered as a reference: a feedback record is a tweet and a label. */
const FULL_DEAD_LETTER_BYTES = 512 * 1024

export function createLearner(config: LearnerConfig, deps: LearnerDeps): Learner {
  const { client, registry, logger } = deps
  const learners = new Map<string, ModelLearner>()
  /** The next feedback offset to read, once a batch was processed. */
  let position: string | undefined
  let partition = 0
  /**
   * Per model, the first feedback offset its candidate learns from: what comes before is in its
   * live version. Promotions record it in the manifest (`evaluation.feedbackOffset`), so that after
   * a restart each model skips what its live version holds, whatever offset the group resumed at.
   */
  const bases = new Map<string, bigint>()
  let admin: KafkaAdmin | undefined
  let producer: KafkaProducer | undefined
  let transactional: KafkaTransactionalProducer | undefined
  let consumer: KafkaConsumer | undefined
  let statusTimer: NodeJS.Timeout | undefined
  let statusDirty = false
  let stopping = false
  /** Dead letters of learnt batches that Kafka has not acknowledged yet. */
  let unsentDeadLetters: OutgoingRecord[] = []
  /**
   * Versions this learner promoted whose pointers the follower has not delivered yet, per model, in
   * order. A pointer read while some are pending was written before them (the topic has one
   * partition), so it is already superseded and must not restart the loop.
   */
  const pendingPointers = new Map<string, string[]>()
  /** The pointer as this learner last wrote or read it: ahead of the follower right after a promotion. */
  const pointers = new Map<string, CurrentPointer>()
  const pointerOf = (name: string): CurrentPointer | undefined =>
    pointers.get(name) ?? deps.follower.current(name)
  // Batches, promotions and rebases change the same state: one at a time, in arrival order.
  let queue: Promise<unknown> = Promise.resolve()
  const serial = (work: () => Promise<void>): Promise<void> => {
    const run = queue.then(work)
    queue = run.catch((error: unknown) => {
      const failure = toTopicstreamError(error)
      logger.error({ code: failure.code, error: failure.message }, 'learner step failed')
    })
    return run
  }

  /** The model's learner; made from the live model at the first record (`offset`) it sees. */
  const learnerFor = (name: string, offset: bigint): ModelLearner => {
    let learner = learners.get(name)
    if (learner === undefined) {
      const live = registry.get(name)
      learner = new ModelLearner(name, live, config.settings)
      learners.set(name, learner)
      const included = deps.follower.manifest(name, live.metadata.version)?.evaluation?.feedbackOffset
      const holds = typeof included === 'string' && /^\d+$/.test(included) ? BigInt(included) : 0n
      bases.set(name, holds > offset ? holds : offset)
    }
    return learner
  }

  /**
   * The offset to commit: the earliest from which a model's unpromoted candidate learnt, so a
   * restart replays what any candidate would lose; `going` is the model going live in the same
   * transaction, whose feedback so far its new version holds.
   */
  const commitOffset = (going: string | undefined): string | undefined => {
    if (position === undefined) return undefined
    let offset = BigInt(position)
    for (const [name, learner] of learners) {
      const base = bases.get(name)
      if (name !== going && learner.learnt > 0 && base !== undefined && base < offset) offset = base
    }
    return offset.toString()
  }

  /**
   * Learns a batch once, even when the consumer hands it over again after a failed step (a dead
   * letter or a promotion Kafka did not take): records below `position` are in the candidate
   * already and are skipped, and dead letters not yet acknowledged wait in `unsentDeadLetters`
   * for the next attempt.
   */
  const learnBatch = async (batch: IncomingBatch, controls: BatchControls): Promise<void> => {
    const seen = position === undefined || batch.partition !== partition ? undefined : BigInt(position)
    const records = seen === undefined ? batch.records : batch.records.filter((r) => BigInt(r.offset) >= seen)
    const byModel = new Map<string, FeedbackItem[]>()
    const refuse = (record: IncomingRecord, error: TopicstreamError): void => {
      const rejection = { code: error.code, message: error.message }
      const origin = { topic: batch.topic, partition: batch.partition }
      const large = (record.value?.length ?? 0) + (record.key?.length ?? 0) > FULL_DEAD_LETTER_BYTES
      unsentDeadLetters.push(
        large ? referenceDeadLetter(record, rejection, origin) : deadLetter(record, rejection, origin),
      )
    }
    const recordOf = new Map<FeedbackItem, IncomingRecord>()
    for (const record of records) {
      try {
        const item = decodeFeedbackValue(record.value, config.limits, () =>
          record.key !== null && record.key.length > 0
            ? record.key.toString('utf8')
            : `${batch.topic}:${batch.partition}:${record.offset}`,
        )
        const name = item.model ?? registry.defaultName
        registry.entry(name)
        learnerFor(name, BigInt(record.offset))
        // Already in this model's live version (learnt before a promotion the group resumed behind).
        if (BigInt(record.offset) < (bases.get(name) ?? 0n)) continue
        recordOf.set(item, record)
        const items = byModel.get(name) ?? []
        items.push(item)
        byModel.set(name, items)
      } catch (error) {
        refuse(record, toTopicstreamError(error))
      }
    }
    for (const [name, items] of byModel) {
      const outcome = (learners.get(name) as ModelLearner).learn(items)
      for (const { item, error } of outcome.refused) refuse(recordOf.get(item) as IncomingRecord, error)
    }
    const last = batch.records.at(-1)
    if (last !== undefined) {
      partition = batch.partition
      position = (BigInt(last.offset) + 1n).toString()
      controls.resolveOffset(last.offset)
    }
    statusDirty = true
    if (unsentDeadLetters.length > 0) {
      await (producer as KafkaProducer).send(config.feedbackDlqTopic, unsentDeadLetters)
      logger.warn(
        { records: unsentDeadLetters.length, topic: config.feedbackDlqTopic },
        'feedback records refused to the dead-letter topic',
      )
      unsentDeadLetters = []
    }
    for (const learner of learners.values()) {
      if (learner.promotionDue()) await promote(learner, 'auto')
    }
    await controls.heartbeat()
  }

  /**
   * Runs `write` and commits the feedback position in one transaction: what `write` sends becomes
   * visible together with the offsets, or not at all.
   */
  const commitWith = async (
    going: string,
    write: (transaction: KafkaTransaction) => Promise<unknown>,
  ): Promise<void> => {
    const offset = commitOffset(going)
    const transaction = await (transactional as KafkaTransactionalProducer).transaction()
    try {
      await write(transaction)
      if (offset !== undefined) {
        await transaction.sendOffsets(config.groupId, [
          { topic: config.feedbackTopic, partitions: [{ partition, offset }] },
        ])
      }
      await transaction.commit()
    } catch (error) {
      await transaction.abort().catch(() => {})
      throw toTopicstreamError(error, 'ERR_KAFKA_PRODUCE_FAILED')
    }
  }

  /** Publishes the candidate and commits the feedback offsets in one transaction; then swaps. */
  const promote = async (learner: ModelLearner, trigger: PromotionTrigger): Promise<void> => {
    const candidate: TextClassifier = learner.candidate
    const previous = learner.live.metadata.version
    const history = nextHistory(pointerOf(learner.name))
    await commitWith(learner.name, (transaction) =>
      publishModel(transaction, {
        topic: config.modelsTopic,
        name: learner.name,
        model: candidate,
        source: 'learner',
        action: 'promote',
        previous,
        history,
        evaluation: {
          trigger,
          ...(position === undefined ? {} : { feedbackOffset: position }),
          ...learner.status(),
        },
        keepVersions: config.keepVersions,
        manifestOf: (version) => deps.follower.manifest(learner.name, version),
      }),
    )
    learner.promote()
    if (position !== undefined) bases.set(learner.name, BigInt(position))
    pointers.set(learner.name, makePointer(candidate.metadata.version, 'promote', history))
    const pending = pendingPointers.get(learner.name) ?? []
    pending.push(candidate.metadata.version)
    pendingPointers.set(learner.name, pending)
    statusDirty = true
    logger.info(
      { model: learner.name, version: candidate.metadata.version, previous, trigger },
      `model ${learner.name} promoted to ${candidate.metadata.version}`,
    )
  }

  const publishStatuses = async (): Promise<void> => {
    if (!statusDirty || producer === undefined) return
    statusDirty = false
    for (const learner of learners.values()) {
      await sendStatus(producer, config.modelsTopic, learner.name, learner.status())
    }
  }

  /** A served model the models topic has never seen is published as it is, so it can be rolled back to. */
  const publishStartingVersions = async (): Promise<void> => {
    for (const entry of registry.list()) {
      if (entry.model === undefined || deps.follower.current(entry.name) !== undefined) continue
      await publishModel(producer as KafkaProducer, {
        topic: config.modelsTopic,
        name: entry.name,
        model: entry.model,
        source: 'startup',
        history: [],
        keepVersions: config.keepVersions,
      })
      logger.info(
        { model: entry.name, version: entry.model.metadata.version, topic: config.modelsTopic },
        'model published to the models topic',
      )
    }
  }

  return {
    async start() {
      stopping = false
      admin = client.admin()
      await admin.connect()
      await admin.createTopics([
        ...feedbackTopicSpecs(config.feedbackTopic, config.feedbackDlqTopic),
        modelsTopicSpec(config.modelsTopic),
      ])
      producer = client.producer({ idempotent: true })
      await producer.connect()
      transactional = client.transactionalProducer({
        transactionalId: `topicstream-learner-${config.groupId}-${config.feedbackTopic}`,
      })
      await transactional.connect()
      // Registering the transactional id fences a previous learner and ends its open transaction.
      const fence = await transactional.transaction()
      await fence.abort().catch(() => {})
      await publishStartingVersions()
      consumer = client.consumer({ groupId: config.groupId, readUncommitted: false })
      consumer.onGroupJoin((assignment) => {
        const owned = assignment[config.feedbackTopic] ?? []
        // Another learner may have moved the offsets meanwhile: rebuild from the live models.
        void serial(async () => {
          learners.clear()
          pendingPointers.clear()
          pointers.clear()
          // The replay from the committed offset writes them again.
          unsentDeadLetters = []
          position = undefined
          bases.clear()
        })
        logger.info(
          { partitions: owned, group: config.groupId },
          owned.length > 0 ? 'learner active' : 'learner on standby',
        )
      })
      consumer.onCrash((error, restart) => {
        if (!stopping)
          logger.warn({ code: error.code, error: error.message, restart }, 'learner consumer crashed')
      })
      await consumer.connect()
      await consumer.subscribe([config.feedbackTopic], { fromBeginning: true })
      await consumer.run({
        autoCommit: false,
        eachBatch: (batch, controls) => serial(() => learnBatch(batch, controls)),
      })
      statusTimer = setInterval(() => void serial(publishStatuses), config.statusIntervalMs)
      statusTimer.unref()
    },
    async stop() {
      stopping = true
      if (statusTimer) clearInterval(statusTimer)
      await consumer?.stop().catch(() => {})
      await queue
      await publishStatuses().catch(() => {})
      await consumer?.disconnect().catch(() => {})
      await transactional?.disconnect().catch(() => {})
      await producer?.disconnect().catch(() => {})
      await admin?.disconnect().catch(() => {})
      consumer = undefined
      transactional = undefined
      producer = undefined
      admin = undefined
    },
    promoteRequested(name) {
      void serial(async () => {
        const learner = learners.get(name)
        if (learner === undefined || learner.status().candidate.learnt === 0) {
          logger.info(
            { model: name },
            `promotion of ${name} requested: nothing learnt since the live version`,
          )
          return
        }
        await promote(learner, 'manual')
      })
    },
    currentChanged(name, version) {
      void serial(async () => {
        const pending = pendingPointers.get(name) ?? []
        if (pending.length > 0) {
          if (pending[0] === version) pending.shift()
          return
        }
        pointers.delete(name)
        const learner = learners.get(name)
        if (learner === undefined || learner.live.metadata.version === version) return
        learner.rebase(registry.get(name))
        statusDirty = true
        // Feedback up to here is not replayed into the new version after a restart.
        if (position !== undefined) {
          bases.set(name, BigInt(position))
          await commitWith(name, async () => {})
        }
        logger.info({ model: name, version }, `learner of ${name} restarted from ${version}`)
      })
    },
  }
}
