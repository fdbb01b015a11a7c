/**
 * One learner, two models, one feedback topic: the group's committed offset is shared, so a
 * promotion of one model must not lose the feedback another model's candidate has learnt and not
 * yet promoted, nor make the promoted one learn its feedback twice after a restart. Each promotion
 * records the feedback offset its version holds; a restarted learner replays from the earliest
 * offset any candidate needs and skips, per model, what the live version holds.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ModelRegistry } from '../../src/engine/model-registry.js'
import type { TextClassifier } from '../../src/engine/text-classifier.js'
import { createKafkaClient } from '../../src/kafka/client.js'
import type { KafkaClient, KafkaProducer } from '../../src/kafka/client.js'
import { type FeedbackItem, feedbackRecord } from '../../src/learning/feedback.js'
import { isHeldOut } from '../../src/learning/held-out.js'
import { type LearningStatus, isLearningStatus } from '../../src/learning/model-learner.js'
import { type ModelsFollower, createModelsFollower } from '../../src/models-topic/follower.js'
import { sendCommand } from '../../src/models-topic/publish.js'
import { createLogger } from '../../src/runtime/logger.js'
import { requireData, twentyNewsgroupsArchive } from '../helpers/data.js'
import { kafkaBrokers, kafkaLibrary, randomTopicName, withAdmin } from '../helpers/kafka.js'
import { until } from '../helpers/poll.js'
import { CliProcesses, logMessage } from './cli-processes.js'
import { MODEL_NAME, type NewsFixture, feedbackItems, newsFixture } from './news-feedback.js'

const archive = twentyNewsgroupsArchive()
const present = requireData('the two-model learner test', [archive])

const HELD_OUT_EVERY = 4
const OTHER = 'other'

describe.skipIf(!present)('a learner of two models on one feedback topic, restarted', () => {
  const processes = new CliProcesses()
  const run = randomUUID().slice(0, 8)
  const topics = {
    feedback: randomTopicName('models2-feedback'),
    feedbackDlq: randomTopicName('models2-feedback-dlq'),
    models: randomTopicName('models2-models'),
  }
  const learnerGroup = randomTopicName('models2-learner')
  let work: string
  let news: NewsFixture
  let client: KafkaClient
  let producer: KafkaProducer | undefined
  let follower: ModelsFollower | undefined

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'topicstream-learner-models-'))
    news = await newsFixture(archive.path, work)
    client = createKafkaClient({ brokers: kafkaBrokers(), library: kafkaLibrary(), logLevel: 'silent' })
  })
  afterAll(async () => {
    await processes.stopAll()
    await follower?.stop().catch(() => undefined)
    await producer?.disconnect().catch(() => undefined)
    await withAdmin((admin) => admin.deleteTopics(Object.values(topics))).catch(() => undefined)
    if (work !== undefined) await rm(work, { recursive: true, force: true })
  })

  const startLearner = (name: string) =>
    processes.start(name, [
      'learn',
      ...['--model', `${MODEL_NAME}=${news.file}`, '--model', `${OTHER}=${news.file}`],
      ...['--brokers', kafkaBrokers().join(','), '--kafka-client', kafkaLibrary()],
      ...['--feedback-topic', topics.feedback, '--feedback-dlq-topic', topics.feedbackDlq],
      ...['--models-topic', topics.models, '--learner-group', learnerGroup],
      ...['--promotion-window', '10', '--held-out-every', String(HELD_OUT_EVERY), '--no-auto-promote'],
    ])

  const statusOf = (model: string, received: number): Promise<LearningStatus> =>
    until(
      () => {
        const status = follower?.status(model)
        return isLearningStatus(status) && status.totals.received === received ? status : undefined
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    )

  const promote = async (model: string, from: string): Promise<string> => {
    await sendCommand(producer as KafkaProducer, topics.models, model)
    const pointer = await until(
      () => {
        const current = follower?.current(model)
        return current !== undefined && current.version !== from ? current : undefined
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    )
    return pointer.version
  }

  const send = (items: readonly FeedbackItem[]) =>
    (producer as KafkaProducer).send(
      topics.feedback,
      items.map((item) => ({ ...feedbackRecord(item), partition: 0 })),
    )

  /** The starting model after `partialFit` of the items not held out, one call per group. */
  const expected = (...groups: (readonly FeedbackItem[])[]): TextClassifier => {
    const model = news.model.clone()
    for (const items of groups) {
      const trained = items.filter((item) => !isHeldOut(item.id, HELD_OUT_EVERY))
      model.partialFit(
        trained.map((item) => item.text),
        trained.map((item) => item.label),
      )
    }
    return model
  }

  it('keeps each model exact across a promotion of the other and a kill -9', async () => {
    const original = news.model.metadata.version
    const first = startLearner('learner-1')
    await first.waitForLog((line) => logMessage(line) === 'learner active', 120_000)
    producer = client.producer({ idempotent: true })
    await producer.connect()
    const registry = new ModelRegistry([
      { name: MODEL_NAME, model: news.model.clone() },
      { name: OTHER, model: news.model.clone() },
    ])
    follower = createModelsFollower({
      client,
      topic: topics.models,
      registry,
      logger: createLogger({ level: 'warn' }),
    })
    await follower.start()

    const posts = news.known.slice(0, 160)
    const newsBefore = feedbackItems(posts.slice(0, 40), `${run}-news-a`)
    const otherBefore = feedbackItems(posts.slice(40, 80), `${run}-other-a`).map((item) => ({
      ...item,
      model: OTHER,
    }))
    // Interleaved: one topic, one order, two models.
    await send(newsBefore.flatMap((item, i) => [item, otherBefore[i] as FeedbackItem]))
    await statusOf(MODEL_NAME, newsBefore.length)
    await statusOf(OTHER, otherBefore.length)

    const newsPromoted = await promote(MODEL_NAME, original)
    expect(newsPromoted).toBe(expected(newsBefore).metadata.version)
    await first.kill()

    const newsAfter = feedbackItems(posts.slice(80, 120), `${run}-news-b`)
    const otherAfter = feedbackItems(posts.slice(120, 160), `${run}-other-b`).map((item) => ({
      ...item,
      model: OTHER,
    }))
    await send([...newsAfter, ...otherAfter])

    const second = startLearner('learner-2')
    await second.waitForLog((line) => logMessage(line) === 'learner active', 120_000)
    // The replay starts where "other" began learning; "news" skips what its promoted version holds.
    await statusOf(MODEL_NAME, newsAfter.length)
    await statusOf(OTHER, otherBefore.length + otherAfter.length)

    const newsAgain = await promote(MODEL_NAME, newsPromoted)
    const otherPromoted = await promote(OTHER, original)
    const newsExpected = expected(newsBefore, newsAfter)
    const otherExpected = expected([...otherBefore, ...otherAfter])
    expect(newsAgain).toBe(newsExpected.metadata.version)
    expect(otherPromoted).toBe(otherExpected.metadata.version)
    await until(
      () =>
        registry.entry(MODEL_NAME).ref.version === newsAgain &&
        registry.entry(OTHER).ref.version === otherPromoted
          ? true
          : undefined,
      { timeoutMs: 30_000 },
    )
    for (const probe of news.known.slice(200, 220)) {
      expect(Array.from(registry.get(MODEL_NAME).jointLogLikelihood(probe.text))).toEqual(
        Array.from(newsExpected.jointLogLikelihood(probe.text)),
      )
      expect(Array.from(registry.get(OTHER).jointLogLikelihood(probe.text))).toEqual(
        Array.from(otherExpected.jointLogLikelihood(probe.text)),
      )
    }
  }, 420_000)
})
