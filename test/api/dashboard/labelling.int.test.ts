/**
 * Labelling in a real browser, on a real pipeline: `serve --bridge --learn --dashboard` on the run's
 * broker with a tiny model, tweets produced to the input topic, then in the page a label confirmed
 * in the live feed and one corrected in the review queue. The feedback must reach the feedback
 * topic, the panel's count must rise, and the learner's candidate must show figures on the panel.
 * Headless Chromium comes from the system (Debian's `chromium` package), never from a download;
 * without it the test is skipped locally and fails in CI.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { parseCommandLine } from '../../../src/config.js'
import { saveModel } from '../../../src/engine/index.js'
import { createKafkaClient } from '../../../src/kafka/client.js'
import { isHeldOut } from '../../../src/learning/held-out.js'
import { SERVE_OPTIONS } from '../../../src/pipeline/serve-options.js'
import { serveParts } from '../../../src/pipeline/serve.js'
import { createLogger } from '../../../src/runtime/logger.js'
import { startParts } from '../../../src/runtime/part.js'
import { cleanupTopics, parseValues } from '../../bridge/bridge-helpers.js'
import { openBrowser, requireChromium } from '../../helpers/browser.js'
import { collect, createTestTopic, kafkaBrokers, kafkaLibrary, randomTopicName } from '../../helpers/kafka.js'
import { until } from '../../helpers/poll.js'
import { tempDir } from '../../helpers/temp-dir.js'
import { SPORTS, trainTinyModel } from '../helpers.js'

const hasChromium = requireChromium('the labelling browser test')

const HELD_OUT_EVERY = 2
/** Sure to be read as sports, and an ambiguous one the model is less sure of. */
const SURE = SPORTS[1] as string
const UNSURE = 'the chef watched the match and cooked pasta for the team'

/** The next id of the form `${prefix}-N` the learner holds out (or trains on). */
function idMaker(prefix: string, heldOut: boolean): () => string {
  let n = 0
  return () => {
    for (;;) {
      const id = `${prefix}-${n++}`
      if (isHeldOut(id, HELD_OUT_EVERY) === heldOut) return id
    }
  }
}

describe.skipIf(!hasChromium)('labelling in the dashboard', () => {
  it('labels from the live feed and the review queue; the feedback reaches Kafka and the learner', async () => {
    const work = await tempDir('topicstream-labelling-')
    const file = join(work, 'tiny.tsmodel')
    await saveModel(trainTinyModel(), file)
    const input = await createTestTopic({ prefix: 'label-in' })
    const topics = {
      output: randomTopicName('label-out'),
      dlq: randomTopicName('label-dlq'),
      feedback: randomTopicName('label-feedback'),
      feedbackDlq: randomTopicName('label-feedback-dlq'),
      models: randomTopicName('label-models'),
    }
    cleanupTopics(Object.values(topics))
    const { options } = parseCommandLine(
      SERVE_OPTIONS,
      [
        ...['--model', `tiny=${file}`, '--port', '0', '--no-grpc', '--log-level', 'error'],
        ...['--bridge', '--learn', '--dashboard', '--brokers', kafkaBrokers().join(',')],
        ...['--input-topic', input, '--output-topic', topics.output, '--dlq-topic', topics.dlq],
        ...['--group', randomTopicName('label-group'), '--learner-group', randomTopicName('label-learner')],
        ...['--feedback-topic', topics.feedback, '--feedback-dlq-topic', topics.feedbackDlq],
        ...['--models-topic', topics.models, '--promotion-window', '5'],
        ...['--held-out-every', String(HELD_OUT_EVERY)],
      ],
      {},
    )
    const logger = createLogger({ level: 'error' })
    const served = await serveParts(options, logger)
    const stop = await startParts(served.parts, {
      logger,
      stopTimeoutMs: 15_000,
      onStarted: served.onStarted,
    })
    const { context, page } = await openBrowser(work)
    const producer = createKafkaClient({
      brokers: kafkaBrokers(),
      library: kafkaLibrary(),
      logLevel: 'silent',
    }).producer()
    onTestFinished(async () => {
      await producer.disconnect().catch(() => {})
      await context.close()
      await stop()
    })
    const rest = served.server.server().restUrl
    await until(async () => ((await fetch(`${rest}/readyz`)).status === 200 ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 200,
    })

    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(`${rest}/`)
    // The learning loop is on, and nothing was learnt yet.
    await page.locator('#learning-body').waitFor()
    expect(await page.locator('#feedback-accepted').textContent()).toBe('0')
    expect(await page.locator('#candidate-items').textContent()).toBe('0')

    // The dashboard reads the output topic from its end: keep producing until the page shows a held-out
    // record in the feed and a trained-on one in the review queue.
    await producer.connect()
    const heldOutId = idMaker('h', true)
    const trainedId = idMaker('t', false)
    const feedRecord = page.locator('#feed li[data-id^="h-"]').first()
    const queueRecord = page.locator('#review li[data-id^="t-"]').first()
    await expect
      .poll(
        async () => {
          await producer.send(input, [
            { value: JSON.stringify({ id: heldOutId(), text: SURE }) },
            { value: JSON.stringify({ id: trainedId(), text: UNSURE }) },
          ])
          return (await feedRecord.count()) > 0 && (await queueRecord.count()) > 0
        },
        { timeout: 90_000, interval: 1000 },
      )
      .toBe(true)

    // The type-ahead offers the model's classes.
    await expect
      .poll(() => page.locator('#known-labels option').evaluateAll((options) => options.length))
      .toBeGreaterThanOrEqual(3)
    const known = await page
      .locator('#known-labels option')
      .evaluateAll((options) => options.map((option) => option.getAttribute('value')))
    expect(known).toEqual(expect.arrayContaining(['food', 'sports', 'tech']))

    // 1. The live feed: ✓ confirms the predicted label.
    const feedId = (await feedRecord.getAttribute('data-id')) as string
    const inFeed = page.locator(`#feed li[data-id="${feedId}"]`)
    const predicted = (await inFeed.locator('.chip').textContent()) as string
    await inFeed.getByRole('button', { name: `Confirm ${predicted}` }).click()
    await expect.poll(() => inFeed.locator('.outcome').textContent()).toBe(`✓ accepted: ${predicted}`)
    await expect.poll(() => page.locator('#feedback-accepted').textContent(), { timeout: 30_000 }).toBe('1')

    // 2. The review queue: ✎, then a label typed with the keyboard.
    const queueId = (await queueRecord.getAttribute('data-id')) as string
    const inQueue = page.locator(`#review li[data-id="${queueId}"]`)
    await inQueue.getByRole('button', { name: 'Correct the label' }).click()
    const field = inQueue.getByRole('combobox', { name: /Right label/ })
    await field.fill('food')
    await field.press('Enter')
    // A labelled record leaves the queue.
    await expect.poll(() => inQueue.count()).toBe(0)
    expect(await page.locator('#review-status').textContent()).toContain('Accepted “food”')
    await expect.poll(() => page.locator('#feedback-accepted').textContent(), { timeout: 30_000 }).toBe('2')

    // Both reached the feedback topic, with their records' ids, texts and model.
    const written = parseValues(await collect(topics.feedback, 2, { timeoutMs: 30_000 }))
    expect(written).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: feedId, text: SURE, label: predicted, model: 'tiny' }),
        expect.objectContaining({ id: queueId, text: UNSURE, label: 'food', model: 'tiny' }),
      ]),
    )
    const stats = (await (await fetch(`${rest}/v1/feedback/stats`)).json()) as { accepted: number }
    expect(stats.accepted).toBe(2)

    // The learner scored the held-out record and trained on the other: the candidate's figures show.
    await expect.poll(() => page.locator('#candidate-items').textContent(), { timeout: 60_000 }).toBe('1')
    await expect.poll(() => page.locator('#candidate-learnt').textContent(), { timeout: 60_000 }).toBe('1')
    expect(await page.locator('#candidate-accuracy').textContent()).toBe('100.0%')
    expect(await page.locator('#gate-reason').textContent()).toContain('1 of 5 held-out items scored')
    await expect
      .poll(() => page.locator('#learning-chart polyline, #learning-chart circle').count())
      .toBeGreaterThan(0)
    await mkdir('test-results', { recursive: true })
    await page.screenshot({ path: 'test-results/dashboard-labelling.png', fullPage: true })
    expect(errors).toEqual([])
  }, 180_000)
})
