/**
 * The dashboard in a real browser, on a real pipeline: the run's Kafka broker, a small model
 * trained here, the servers with the bridge and the dashboard, and the 20 Newsgroups test-split
 * producer. Then, on a record source of its own, the page on a server that requires API keys (the
 * key prompt, the feed and the classify box sharing one key) and on one that does not. Headless
 * Chromium comes from the system (Debian's `chromium` package), never from a download; without it
 * the tests are skipped locally and fail in CI.
 */
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/api/app.js'
import { dashboardPlugin } from '../../src/api/dashboard/plugin.js'
import { createRollingStats } from '../../src/api/dashboard/rolling-stats.js'
import type { FeedListener, RecordFeed } from '../../src/api/dashboard/types.js'
import { createKafkaClient } from '../../src/kafka/client.js'
import { loadDataset } from '../../src/datasets/spec.js'
import { saveModel, trainClassifier } from '../../src/engine/index.js'
import { pipelineParts } from '../../src/pipeline/up.js'
import type { PipelineEndpoints } from '../../src/pipeline/up.js'
import { createLogger } from '../../src/runtime/logger.js'
import { startParts } from '../../src/runtime/part.js'
import { tinyRegistry } from '../api/helpers.js'
import { requireData, twentyNewsgroupsArchive } from '../helpers/data.js'
import { openBrowser, requireChromium } from '../helpers/browser.js'
import { isolatedLearning, kafkaBrokers, randomTopicName } from '../helpers/kafka.js'

const hasChromium = requireChromium('the dashboard browser tests')
const archive = twentyNewsgroupsArchive()
const ARCHIVE = archive.path

const hasArchive = requireData('the dashboard browser test', [archive])

describe.skipIf(!hasChromium || !hasArchive)('dashboard in a browser', () => {
  let work: string
  let pipeline: { endpoints: PipelineEndpoints; stop(): Promise<void> }
  let context: BrowserContext
  let page: Page
  const topics = {
    inputTopic: randomTopicName('e2e-tweets'),
    outputTopic: randomTopicName('e2e-classified'),
    dlqTopic: randomTopicName('e2e-dlq'),
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'topicstream-dashboard-'))
    // A small but complete model: all 20 categories, a third of the training posts.
    const dataset = await loadDataset(`20news:${ARCHIVE}`)
    const keep = (_: unknown, i: number): boolean => i % 3 === 0
    const train = {
      texts: dataset.train.texts.filter(keep),
      targets: Array.from(dataset.train.targets).filter(keep),
      classes: dataset.train.classes,
    }
    const model = trainClassifier(train, {}, { source: dataset.source, fingerprint: dataset.fingerprint })
    await saveModel(model, join(work, 'small.tsmodel'))

    const logger = createLogger({ level: 'error' })
    const parts = pipelineParts(
      {
        host: '127.0.0.1',
        port: 0,
        grpcPort: 0,
        kafkaBrokers: kafkaBrokers(),
        broker: { host: '127.0.0.1', port: 0, dataDir: join(work, 'unused') },
        model: { name: '20news-small', path: join(work, 'small.tsmodel') },
        bridge: {
          ...topics,
          groupId: randomTopicName('e2e-group'),
          exactlyOnce: false,
          maxTextBytes: 16_384,
          partitions: 2,
        },
        topK: 3,
        producer: { kind: '20news-test', rate: 40 },
        learning: { ...isolatedLearning(), learn: false },
        env: { ...process.env, TOPICSTREAM_20NEWS: ARCHIVE },
      },
      { logger, onForcedExit: () => {} },
    )
    const stop = await startParts(parts.parts, { logger, stopTimeoutMs: 10_000, onStarted: parts.onStarted })
    pipeline = { endpoints: parts.endpoints(), stop }

    ;({ context, page } = await openBrowser(work))
  })

  afterAll(async () => {
    await context?.close()
    await pipeline?.stop()
    const admin = createKafkaClient({ brokers: kafkaBrokers(), logLevel: 'silent' }).admin()
    await admin.connect()
    try {
      await admin.deleteTopics(Object.values(topics))
    } finally {
      await admin.disconnect()
    }
    if (work) await rm(work, { recursive: true, force: true })
  })

  it('shows live records, a changing category chart and classifies typed text', async () => {
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(pipeline.endpoints.dashboard)
    await expect.poll(() => page.locator('#model').textContent()).toContain('20news-small')

    // Live records arrive, with their known labels checked.
    await page.locator('#feed li').nth(4).waitFor({ timeout: 30_000 })
    expect(await page.locator('#feed li .verdict').count()).toBeGreaterThan(0)
    expect(await page.locator('#state').getAttribute('data-state')).toBe('up')

    // The chart draws bars and keeps changing as records flow.
    // Runs in the page; typed loosely because the project's TypeScript has no DOM library.
    const bars = (): Promise<string> =>
      page.locator('#category-chart rect').evaluateAll((rects) =>
        rects
          .map((rect) => {
            const element = rect as unknown as { getAttribute(name: string): string | null }
            return `${element.getAttribute('x')}:${element.getAttribute('height')}`
          })
          .join(),
      )
    await expect.poll(bars, { timeout: 15_000 }).not.toBe('')
    const before = await bars()
    await expect.poll(bars, { timeout: 15_000 }).not.toBe(before)
    expect(await page.locator('#totals li').count()).toBe(20)
    await expect.poll(() => page.locator('#accuracy').textContent()).toMatch(/%$/)

    // The classify box: top-k bars and highlighted terms.
    await page.fill(
      '#classify-text',
      'NASA delayed the shuttle launch: engineers inspected the orbiter heat shield before the mission to orbit.',
    )
    await page.click('#classify-button')
    await page.locator('#topk li').nth(4).waitFor()
    expect(await page.locator('#topk li .name').first().textContent()).toBe('sci.space')
    const widths = await page
      .locator('#topk .bar')
      .evaluateAll((elements) =>
        elements.map((element) =>
          parseFloat((element as unknown as { style: { width: string } }).style.width),
        ),
      )
    expect(widths[0]).toBeGreaterThan(widths[4] ?? 0)
    const highlighted = await page.locator('#highlighted mark').allTextContents()
    expect(highlighted.map((term) => term.toLowerCase())).toEqual(expect.arrayContaining(['orbit']))

    // A few more buckets for the picture kept with the test results.
    await page.waitForTimeout(4000)
    await mkdir('test-results', { recursive: true })
    const shot = 'test-results/dashboard.png'
    await page.screenshot({ path: shot, fullPage: true })
    // Kept small enough to look at beside the results (the stream-health panel made it longer).
    expect((await stat(shot)).size).toBeLessThan(500 * 1024)
    expect(errors).toEqual([])
  }, 120_000)
})

/** An in-memory record source, and the number of browsers connected to the stream. */
function memoryFeed(): RecordFeed & { push(text: string, label?: string): void } {
  const listeners = new Set<FeedListener>()
  return {
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    push(text, label = 'sports') {
      const now = Date.now()
      for (const listener of listeners) {
        listener({ text, label, confidence: 0.9, producedAt: now - 5, classifiedAt: now })
      }
    },
  }
}

interface SmallDashboard {
  readonly app: FastifyInstance
  readonly url: string
  readonly feed: ReturnType<typeof memoryFeed>
  /** Browsers connected to the event stream now. */
  viewers(): number
}

/** The REST API with the dashboard on a record source of our own, as `serve` and `up` wire it. */
async function smallDashboard(apiKeys: readonly string[]): Promise<SmallDashboard> {
  const feed = memoryFeed()
  let viewers = 0
  const app = await buildApp({
    registry: tinyRegistry(),
    config: { apiKeys },
    plugins: [
      (server, { requireApiKey }) =>
        server.register(dashboardPlugin, {
          feed,
          stats: createRollingStats(),
          recordsIntervalMs: 50,
          requireApiKey,
          onViewers: (count) => {
            viewers = count
          },
        }),
    ],
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return { app, url: `http://127.0.0.1:${port}/`, feed, viewers: () => viewers }
}

/** Cuts every connection to the server, as a network drop would; the server keeps listening. */
async function dropConnections(dashboard: SmallDashboard): Promise<void> {
  dashboard.app.server.closeAllConnections()
  await expect.poll(dashboard.viewers).toBe(0)
}

// Runs in the page; typed loosely because the project's TypeScript has no DOM library.
interface PageStorage {
  sessionStorage: { getItem(key: string): string | null }
  localStorage: { length: number }
}
const storedKeys = (page: Page): Promise<{ session: string | null; local: number }> =>
  page.evaluate(() => {
    const { sessionStorage, localStorage } = globalThis as unknown as PageStorage
    return { session: sessionStorage.getItem('topicstream.apiKey'), local: localStorage.length }
  })

const feedTexts = (page: Page): Promise<string[]> => page.locator('#feed li .text').allTextContents()

describe.skipIf(!hasChromium)('dashboard on a server with API keys', () => {
  const KEY = 'dashboard-test-key'
  let work: string
  let dashboard: SmallDashboard
  let context: BrowserContext

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'topicstream-dashboard-keys-'))
    dashboard = await smallDashboard([KEY])
    dashboard.feed.push('the striker scored before anyone watched')
    ;({ context } = await openBrowser(work))
  })

  afterAll(async () => {
    await context?.close()
    await dashboard?.app.close()
    if (work) await rm(work, { recursive: true, force: true })
  })

  it('asks for the key, then shows live records and classifies with it, for this tab only', async () => {
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(dashboard.url)

    // The stream is refused: the page asks for the key and shows nothing of the data.
    await page.locator('#key-form').waitFor()
    await expect.poll(() => page.locator('#key-message').textContent()).toContain('needs an API key')
    expect(await page.locator('#state').getAttribute('data-state')).toBe('locked')
    expect(await page.locator('#feed-empty').textContent()).toContain('needs an API key')
    expect(await page.locator('#feed li').count()).toBe(0)
    expect(dashboard.viewers()).toBe(0)

    await page.fill('#api-key', 'not-the-key')
    await page.click('#key-button')
    await expect.poll(() => page.locator('#key-message').textContent()).toContain('refused')
    expect(await page.locator('#feed li').count()).toBe(0)

    // The right key: the history, then live records, and the prompt goes away.
    await page.fill('#api-key', KEY)
    await page.click('#key-button')
    await expect.poll(() => feedTexts(page)).toContain('the striker scored before anyone watched')
    await expect.poll(() => page.locator('#key-form').isVisible()).toBe(false)
    await expect.poll(dashboard.viewers).toBe(1)
    dashboard.feed.push('a live goal in extra time')
    await expect.poll(() => feedTexts(page)).toContain('a live goal in extra time')
    await expect.poll(() => page.locator('#total').textContent()).toBe('2')

    // After a drop the stream comes back by itself, with the key.
    await dropConnections(dashboard)
    dashboard.feed.push('a record sent while the page was away')
    await expect
      .poll(() => feedTexts(page), { timeout: 20_000 })
      .toContain('a record sent while the page was away')
    expect(await page.locator('#key-form').isVisible()).toBe(false)

    // The classify box uses the same key without asking again.
    await page.fill('#classify-text', 'the striker scored a late goal and the team won the match')
    await page.click('#classify-button')
    await page.locator('#topk li').first().waitFor()
    expect(await page.locator('#topk li .name').first().textContent()).toBe('sports')
    expect(await page.locator('#classify-error').textContent()).toBe('')

    // Kept for the tab's session only: a reload reconnects without asking.
    expect(await storedKeys(page)).toEqual({ session: KEY, local: 0 })
    await page.reload()
    await expect.poll(() => feedTexts(page)).toContain('a live goal in extra time')
    expect(await page.locator('#key-form').isVisible()).toBe(false)
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)

  it('the classify box asks for the same key after a 401, and the feed follows once it is given', async () => {
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(dashboard.url)
    await page.locator('#key-form').waitFor()

    await page.fill('#classify-text', 'the striker scored a late goal and the team won the match')
    await page.click('#classify-button')
    await expect.poll(() => page.locator('#classify-error').textContent()).toContain('needs an API key')
    expect(await page.locator('#api-key').isVisible()).toBe(true)

    await page.fill('#api-key', 'not-the-key')
    await page.click('#classify-button')
    await expect
      .poll(() => page.locator('#classify-error').textContent())
      .toContain('A valid API key is required')
    expect(await page.locator('#feed li').count()).toBe(0)

    await page.fill('#api-key', KEY)
    await page.click('#classify-button')
    await page.locator('#topk li').first().waitFor()
    expect(await page.locator('#topk li .name').first().textContent()).toBe('sports')
    expect(await page.locator('#classify-error').textContent()).toBe('')
    await expect.poll(() => feedTexts(page)).toContain('the striker scored before anyone watched')
    await expect.poll(() => page.locator('#key-form').isVisible()).toBe(false)
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)
})

describe.skipIf(!hasChromium)('dashboard on a server without API keys', () => {
  let work: string
  let dashboard: SmallDashboard
  let context: BrowserContext
  let page: Page

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'topicstream-dashboard-open-'))
    dashboard = await smallDashboard([])
    ;({ context, page } = await openBrowser(work))
  })

  afterAll(async () => {
    await context?.close()
    await dashboard?.app.close()
    if (work) await rm(work, { recursive: true, force: true })
  })

  it('shows live records and classifies without asking, and reconnects after a drop', async () => {
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(dashboard.url)
    await expect.poll(dashboard.viewers).toBe(1)
    dashboard.feed.push('the goalkeeper saved a penalty', 'sports')
    await expect.poll(() => feedTexts(page)).toContain('the goalkeeper saved a penalty')

    await dropConnections(dashboard)
    dashboard.feed.push('the chef cooked a curry', 'food')
    await expect.poll(() => feedTexts(page), { timeout: 20_000 }).toContain('the chef cooked a curry')

    await page.fill('#classify-text', 'the striker scored a late goal and the team won the match')
    await page.click('#classify-button')
    await page.locator('#topk li').first().waitFor()
    expect(await page.locator('#topk li .name').first().textContent()).toBe('sports')
    expect(await page.locator('#key-form').isVisible()).toBe(false)
    expect(await storedKeys(page)).toEqual({ session: null, local: 0 })
    expect(errors).toEqual([])
  }, 60_000)
})
