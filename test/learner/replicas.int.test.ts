/**
 * Replicas on one models topic, as they run in production: two `serve --bridge` processes under
 * classify load and one `topicstream learn`. Feedback sent to one replica is learnt, a promotion
 * asked of the other reaches both, a replica started later serves the promoted version from its
 * first ready moment, and a rollback returns all three; the load sees no failed request throughout.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isHeldOut } from '../../src/learning/held-out.js'
import type { LearningStatus } from '../../src/learning/model-learner.js'
import { requireData, twentyNewsgroupsArchive } from '../helpers/data.js'
import { kafkaBrokers, kafkaLibrary, randomTopicName, withAdmin } from '../helpers/kafka.js'
import { until } from '../helpers/poll.js'
import { CliProcesses, type Replica, logMessage, startReplica } from './cli-processes.js'
import { type RunningLoad, startClassifyLoad } from './classify-load.js'
import { MODEL_NAME, NEW_CATEGORY, type NewsFixture, feedbackItems, newsFixture } from './news-feedback.js'

const archive = twentyNewsgroupsArchive()
const present = requireData('the replica tests', [archive])

const HELD_OUT_EVERY = 5
const FEEDBACK_KNOWN = 190
const FEEDBACK_NEW = 10
/** Items per POST /v1/feedback. */
const FEEDBACK_BATCH = 50

interface ModelDetail {
  readonly version: string
  readonly classes: readonly string[]
  readonly learning?: {
    readonly versions?: {
      readonly current: string
      readonly history: readonly string[]
      readonly action: string
      readonly at: string
    }
    readonly status?: LearningStatus
  }
}

async function modelDetail(replica: Replica): Promise<ModelDetail> {
  const response = await fetch(`${replica.rest}/v1/models/${MODEL_NAME}`)
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as ModelDetail
}

/** The version a classify answer names. */
async function classifiedWith(replica: Replica, text: string): Promise<string> {
  const response = await fetch(`${replica.rest}/v1/classify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  })
  expect(response.status, await response.clone().text()).toBe(200)
  const answer = (await response.json()) as { model: { name: string; version: string } }
  expect(answer.model.name).toBe(MODEL_NAME)
  return answer.model.version
}

async function postJson(
  url: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

/** Resolves once /readyz says ready; a server not listening yet counts as not ready. */
async function ready(replica: Replica, intervalMs = 200): Promise<void> {
  await until(
    async () => {
      try {
        const response = await fetch(`${replica.rest}/readyz`)
        await response.body?.cancel()
        return response.status === 200 ? true : undefined
      } catch {
        return undefined
      }
    },
    { timeoutMs: 120_000, intervalMs },
  )
}

/** Resolves once the replica's model and its pointer both name `version`. */
async function serving(replica: Replica, version: string, intervalMs = 20): Promise<ModelDetail> {
  return until(
    async () => {
      const detail = await modelDetail(replica)
      return detail.version === version && detail.learning?.versions?.current === version ? detail : undefined
    },
    { timeoutMs: 60_000, intervalMs },
  )
}

describe.skipIf(!present)('replicas following one models topic', () => {
  const processes = new CliProcesses()
  const loads: RunningLoad[] = []
  const run = randomUUID().slice(0, 8)
  const topics = {
    input: randomTopicName('replicas-in'),
    output: randomTopicName('replicas-out'),
    dlq: randomTopicName('replicas-dlq'),
    feedback: randomTopicName('replicas-feedback'),
    feedbackDlq: randomTopicName('replicas-feedback-dlq'),
    models: randomTopicName('replicas-models'),
  }
  const learnerGroup = randomTopicName('replicas-learner')
  const bridgeGroup = randomTopicName('replicas-bridge')
  let work: string
  let news: NewsFixture

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'topicstream-replicas-'))
    news = await newsFixture(archive.path, work)
  })
  afterAll(async () => {
    await Promise.all(loads.map((load) => load.stop().catch(() => undefined)))
    await processes.stopAll()
    await withAdmin((admin) => admin.deleteTopics(Object.values(topics))).catch(() => undefined)
    if (work !== undefined) await rm(work, { recursive: true, force: true })
  })

  const kafkaArgs = (): string[] => [
    ...['--brokers', kafkaBrokers().join(','), '--kafka-client', kafkaLibrary()],
    ...['--feedback-topic', topics.feedback, '--models-topic', topics.models],
  ]
  const replica = (name: string): Promise<Replica> =>
    startReplica(processes, name, [
      ...['--model', `${MODEL_NAME}=${news.file}`, '--no-grpc', '--bridge', ...kafkaArgs()],
      ...['--input-topic', topics.input, '--output-topic', topics.output, '--dlq-topic', topics.dlq],
      ...['--group', bridgeGroup],
    ])

  it('a promotion asked of any replica reaches all of them under load; a later replica starts on it; a rollback returns all', async () => {
    const original = news.model.metadata.version
    const learner = processes.start('learner', [
      'learn',
      ...['--model', `${MODEL_NAME}=${news.file}`, ...kafkaArgs()],
      ...['--feedback-dlq-topic', topics.feedbackDlq, '--learner-group', learnerGroup],
      ...['--promotion-window', '10', '--held-out-every', String(HELD_OUT_EVERY), '--no-auto-promote'],
    ])
    await learner.waitForLog((line) => logMessage(line) === 'learner started', 90_000)

    const first = await replica('replica-1')
    const second = await replica('replica-2')
    await Promise.all([ready(first), ready(second)])
    for (const each of [first, second]) {
      const detail = await modelDetail(each)
      expect(detail.version).toBe(original)
      expect(detail.learning?.versions?.current).toBe(original)
    }
    const loadTexts = news.known.slice(FEEDBACK_KNOWN, FEEDBACK_KNOWN + 200).map((post) => post.text)
    loads.push(startClassifyLoad(first.rest, loadTexts), startClassifyLoad(second.rest, loadTexts))

    // 1. Feedback on the first replica: known categories and a category the model lacks.
    const feedback = [
      ...feedbackItems(news.known.slice(0, FEEDBACK_KNOWN), `${run}-known`),
      ...feedbackItems(news.unseen.slice(0, FEEDBACK_NEW), `${run}-new`),
    ]
    for (let i = 0; i < feedback.length; i += FEEDBACK_BATCH) {
      const items = feedback.slice(i, i + FEEDBACK_BATCH)
      const answer = await postJson(`${first.rest}/v1/feedback`, { items })
      expect(answer.status, JSON.stringify(answer.body)).toBe(202)
      expect(answer.body.accepted).toBe(items.length)
    }
    const trained = feedback.filter((item) => !isHeldOut(item.id, HELD_OUT_EVERY)).length
    const status = await until(
      async () => {
        const learning = (await modelDetail(first)).learning?.status
        return learning !== undefined && learning.totals.received === feedback.length ? learning : undefined
      },
      { timeoutMs: 90_000, intervalMs: 200 },
    )
    expect(status.candidate.learnt).toBe(trained)
    expect(status.candidate.classes).toBe(news.model.classes.length + 1)
    expect(status.live.version).toBe(original)
    const candidate = status.candidate.version
    expect(candidate).not.toBe(original)

    // 2. Promotion asked of the second replica.
    const asked = performance.now()
    const promote = await postJson(`${second.rest}/v1/models/${MODEL_NAME}/promote`)
    expect(promote.status, JSON.stringify(promote.body)).toBe(202)
    expect(promote.body.model).toBe(MODEL_NAME)
    expect(typeof promote.body.requestId).toBe('string')
    const reachedMs = await Promise.all(
      [first, second].map(async (each) => {
        await serving(each, candidate, 10)
        return performance.now() - asked
      }),
    )
    console.log(
      `promote → both replicas serving ${MODEL_NAME}@${candidate}: ${Math.round(Math.max(...reachedMs))} ms ` +
        `(replica 1 ${Math.round(reachedMs[0] as number)} ms, replica 2 ${Math.round(reachedMs[1] as number)} ms; ` +
        `${kafkaLibrary()}, under classify load)`,
    )
    for (const each of [first, second]) {
      const detail = await modelDetail(each)
      expect(detail.learning?.versions).toMatchObject({ current: candidate, action: 'promote' })
      expect(detail.learning?.versions?.history[0]).toBe(original)
      expect(detail.classes).toContain(NEW_CATEGORY)
      expect(await classifiedWith(each, feedback[0]?.text as string)).toBe(candidate)
    }

    // 3. A replica started now serves the promoted version from its first ready moment.
    const third = await replica('replica-3')
    await ready(third, 10)
    expect(await classifiedWith(third, feedback[1]?.text as string)).toBe(candidate)
    expect((await modelDetail(third)).version).toBe(candidate)

    // 4. Rollback, asked of the late replica.
    const rollback = await postJson(`${third.rest}/v1/models/${MODEL_NAME}/rollback`)
    expect(rollback.status, JSON.stringify(rollback.body)).toBe(200)
    expect(rollback.body).toEqual({ model: MODEL_NAME, version: original, previous: candidate })
    for (const each of [first, second, third]) {
      const detail = await serving(each, original)
      expect(detail.learning?.versions?.action).toBe('rollback')
      expect(detail.classes).not.toContain(NEW_CATEGORY)
      expect(await classifiedWith(each, feedback[2]?.text as string)).toBe(original)
    }

    // 5. The load never saw a failed request.
    const results = await Promise.all(loads.splice(0).map((load) => load.stop()))
    for (const [index, result] of results.entries()) {
      const summary = JSON.stringify({
        replica: index + 1,
        requests: result.requests.total,
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        statusCodes: result.statusCodeStats,
      })
      expect(result.requests.total, summary).toBeGreaterThan(0)
      expect(result.non2xx, summary).toBe(0)
      expect(result.errors, summary).toBe(0)
      expect(result.timeouts, summary).toBe(0)
    }
    console.log(
      `classify load: ${results.map((result, index) => `replica ${index + 1} ${result.requests.total} requests`).join(', ')}, ` +
        'none failed',
    )
  }, 420_000)
})
