/**
 * A learner killed with SIGKILL before any promotion loses nothing: a new learner of the same group
 * replays the feedback from the group's committed offset, so the version it promotes is the one
 * `partialFit` of exactly the feedback not held out gives, in topic order: no item lost, none learnt
 * twice. Malformed records written straight to the feedback topic go to the feedback dead-letter
 * topic with their error code, and the learner carries on past them.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEAD_LETTER_HEADERS, lastHeader } from '../../src/bridge/dead-letter.js'
import { ModelRegistry } from '../../src/engine/model-registry.js'
import { createKafkaClient } from '../../src/kafka/client.js'
import type { KafkaClient, KafkaProducer, OutgoingRecord } from '../../src/kafka/client.js'
import { type FeedbackItem, feedbackRecord } from '../../src/learning/feedback.js'
import { isHeldOut } from '../../src/learning/held-out.js'
import { isLearningStatus } from '../../src/learning/model-learner.js'
import { type ModelsFollower, createModelsFollower } from '../../src/models-topic/follower.js'
import { sendCommand } from '../../src/models-topic/publish.js'
import { createLogger } from '../../src/runtime/logger.js'
import { requireData, twentyNewsgroupsArchive } from '../helpers/data.js'
import { collect, kafkaBrokers, kafkaLibrary, randomTopicName, withAdmin } from '../helpers/kafka.js'
import { until } from '../helpers/poll.js'
import { CliProcesses, logMessage } from './cli-processes.js'
import { MODEL_NAME, type NewsFixture, feedbackItems, newsFixture } from './news-feedback.js'

const archive = twentyNewsgroupsArchive()
const present = requireData('the learner crash tests', [archive])

const HELD_OUT_EVERY = 5
/** Past the default label limit (256 bytes). */
const LONG_LABEL = 'x'.repeat(300)

describe.skipIf(!present)('a learner killed before promoting', () => {
  const processes = new CliProcesses()
  const run = randomUUID().slice(0, 8)
  const topics = {
    feedback: randomTopicName('crash-feedback'),
    feedbackDlq: randomTopicName('crash-feedback-dlq'),
    models: randomTopicName('crash-models'),
  }
  const learnerGroup = randomTopicName('crash-learner')
  let work: string
  let news: NewsFixture
  let client: KafkaClient
  let producer: KafkaProducer | undefined
  let follower: ModelsFollower | undefined

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'topicstream-learner-crash-'))
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
      ...['--model', `${MODEL_NAME}=${news.file}`],
      ...['--brokers', kafkaBrokers().join(','), '--kafka-client', kafkaLibrary()],
      ...['--feedback-topic', topics.feedback, '--feedback-dlq-topic', topics.feedbackDlq],
      ...['--models-topic', topics.models, '--learner-group', learnerGroup],
      ...['--promotion-window', '10', '--held-out-every', String(HELD_OUT_EVERY), '--no-auto-promote'],
    ])

  /** What the active learner last shared on the models topic, once `received` items are in it. */
  const learnerReceived = (received: number) =>
    until(
      () => {
        const status = follower?.status(MODEL_NAME)
        return isLearningStatus(status) && status.totals.received === received ? status : undefined
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    )

  const send = async (records: readonly OutgoingRecord[]): Promise<void> => {
    await (producer as KafkaProducer).send(topics.feedback, records)
  }
  const asRecords = (items: readonly FeedbackItem[]): OutgoingRecord[] =>
    items.map((item) => ({ ...feedbackRecord(item), partition: 0 }))

  it('promotes exactly the feedback not held out, and dead-letters malformed records', async () => {
    const original = news.model.metadata.version
    const first = startLearner('learner-1')
    await first.waitForLog((line) => logMessage(line) === 'learner active', 120_000)

    // The learner created the topics and published the starting version before joining its group.
    producer = client.producer({ idempotent: true })
    await producer.connect()
    const registry = new ModelRegistry([{ name: MODEL_NAME, model: news.model.clone() }])
    follower = createModelsFollower({
      client,
      topic: topics.models,
      registry,
      logger: createLogger({ level: 'warn' }),
    })
    await follower.start()
    expect(follower.current(MODEL_NAME)?.version).toBe(original)

    const posts = feedbackItems(news.known.slice(0, 150), `${run}-item`)
    const beforeCrash = posts.slice(0, 60)
    const afterCrash = posts.slice(60, 100)
    const afterMalformed = posts.slice(100)

    await send(asRecords(beforeCrash))
    const learnt = await learnerReceived(beforeCrash.length)
    expect(learnt.candidate.learnt).toBeGreaterThan(0)
    expect(learnt.totals.promotions).toBe(0)
    await first.kill()
    expect(first.exit?.signal).toBe('SIGKILL')

    const malformed: OutgoingRecord[] = [
      {
        key: `${run}-no-label`,
        value: JSON.stringify({ id: `${run}-no-label`, text: 'a post with no label' }),
      },
      {
        key: `${run}-long-label`,
        value: JSON.stringify({
          id: `${run}-long-label`,
          text: 'a post with a long label',
          label: LONG_LABEL,
        }),
      },
      {
        key: `${run}-not-utf8`,
        value: Buffer.concat([
          Buffer.from(`{"id":"${run}-not-utf8","text":"caf`),
          Buffer.from([0xc3, 0x28, 0xff]),
          Buffer.from('","label":"sci.space"}'),
        ]),
      },
    ].map((record) => ({ ...record, partition: 0 }))
    await send(asRecords(afterCrash))
    await send(malformed)
    await send(asRecords(afterMalformed))

    const second = startLearner('learner-2')
    // The killed learner's member stays in the group until its session times out.
    await second.waitForLog((line) => logMessage(line) === 'learner active', 120_000)
    const replayed = await learnerReceived(posts.length)
    expect(replayed.totals.promotions).toBe(0)

    const expected = news.model.clone()
    const trained = posts.filter((item) => !isHeldOut(item.id, HELD_OUT_EVERY))
    expected.partialFit(
      trained.map((item) => item.text),
      trained.map((item) => item.label),
    )
    expect(replayed.candidate.learnt).toBe(trained.length)

    await sendCommand(producer, topics.models, MODEL_NAME)
    const promoted = await until(
      () => {
        const pointer = follower?.current(MODEL_NAME)
        return pointer !== undefined && pointer.version !== original ? pointer : undefined
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    )
    expect(promoted.action).toBe('promote')
    expect(promoted.history[0]).toBe(original)
    const evaluation = follower.manifest(MODEL_NAME, promoted.version)?.evaluation as
      { trigger?: string; candidate?: { learnt?: number } } | undefined
    expect(evaluation?.trigger).toBe('manual')
    expect(evaluation?.candidate?.learnt).toBe(trained.length)

    // The promoted model holds the same counts as the expected one: the same scores to the last bit.
    await until(() => (registry.entry(MODEL_NAME).ref.version === promoted.version ? true : undefined), {
      timeoutMs: 30_000,
    })
    const served = registry.get(MODEL_NAME)
    expect(served.classes).toEqual(expected.classes)
    for (const probe of [...posts.slice(0, 20), ...news.known.slice(150, 170)]) {
      expect(Array.from(served.jointLogLikelihood(probe.text))).toEqual(
        Array.from(expected.jointLogLikelihood(probe.text)),
      )
    }
    // A version chains the documents learnt, one by one: the same whatever the batches.
    expect(promoted.version).toBe(expected.metadata.version)

    // Each malformed record is dead-lettered once, as it was, with the reason's code.
    const deadLetters = await collect(topics.feedbackDlq, malformed.length, { timeoutMs: 60_000 })
    const codes = Object.fromEntries(
      deadLetters.map((record) => [
        record.key?.toString('utf8'),
        lastHeader(record.headers, DEAD_LETTER_HEADERS.code)?.toString('utf8'),
      ]),
    )
    expect(codes).toEqual({
      [`${run}-no-label`]: 'ERR_LABEL_INVALID',
      [`${run}-long-label`]: 'ERR_LABEL_INVALID',
      [`${run}-not-utf8`]: 'ERR_TEXT_NOT_UTF8',
    })
    for (const record of deadLetters) {
      const original = malformed.find((sent) => sent.key === record.key?.toString('utf8'))
      expect(record.value).toEqual(Buffer.from(original?.value as string | Buffer))
    }
    const [dlq] = await withAdmin((admin) => admin.topicOffsets(topics.feedbackDlq))
    expect(dlq?.high).toBe(String(malformed.length))
  }, 420_000)
})
