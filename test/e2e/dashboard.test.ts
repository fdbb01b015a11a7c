/**
 * The dashboard in a real browser, on a real pipeline: the run's Kafka broker, a small model
 * trained here, the servers with the bridge and the dashboard, and the 20 Newsgroups test-split
 * producer; then its classify box on a server that requires API keys. Headless Chromium comes from
 * the system (Debian's `chromium` package), never from a download; without it the tests are
 * skipped locally and fail in CI.
 *
 * `TOPICSTREAM_UPDATE_SCREENSHOT=1` also writes the README's docs/dashboard.png.
 */
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'
import type { BrowserContext, Page } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/api/app.js'
import { dashboardPlugin } from '../../src/api/dashboard/plugin.js'
import { createRollingStats } from '../../src/api/dashboard/rolling-stats.js'
import { createKafkaClient } from '../../src/bridge/kafka-client.js'
import { loadDataset, saveModel, trainClassifier } from '../../src/engine/index.js'
import { startPipeline } from '../../src/pipeline/pipeline.js'
import type { Pipeline } from '../../src/pipeline/pipeline.js'
import { tinyRegistry } from '../api/helpers.js'
import { kafkaBrokers, randomTopicName } from '../helpers/kafka.js'

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const hasChromium = existsSync(CHROMIUM)
const ARCHIVE = process.env.TOPICSTREAM_20NEWS ?? resolve('../shared/data/20news-bydate.tar.gz')

/** Headless Chromium with its profile in `work`. */
async function openBrowser(work: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(join(work, 'chromium-profile'), {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1440, height: 960 },
  })
  return { context, page: context.pages()[0] ?? (await context.newPage()) }
}

if (!hasChromium) {
  const why = `${CHROMIUM} is missing (apt-get install chromium)`
  if (process.env.CI) throw new Error(`The dashboard test needs ${why}`)
  console.warn(`Skipping the dashboard browser test: ${why}`)
}

describe.skipIf(!hasChromium)('dashboard in a browser', () => {
  let work: string
  let pipeline: Pipeline
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

    pipeline = await startPipeline(
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
          limits: { maxTextBytes: 16_384 },
          partitions: 2,
          topK: 3,
        },
        producer: { kind: '20news-test', rate: 40 },
        logLevel: 'error',
        shutdownGraceMs: 1000,
        env: { ...process.env, TOPICSTREAM_20NEWS: ARCHIVE },
      },
      { step: () => {} },
    )

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

    // Let a few more buckets fill for the picture (the README's one gets a fuller chart).
    const updating = process.env.TOPICSTREAM_UPDATE_SCREENSHOT === '1'
    await page.waitForTimeout(updating ? 50_000 : 4000)
    await mkdir('test-results', { recursive: true })
    const shot = 'test-results/dashboard.png'
    await page.screenshot({ path: shot, fullPage: true })
    expect((await stat(shot)).size).toBeLessThan(300 * 1024)
    if (updating) {
      await mkdir('docs', { recursive: true })
      await copyFile(shot, 'docs/dashboard.png')
    }
    expect(errors).toEqual([])
  }, 120_000)
})

describe.skipIf(!hasChromium)('dashboard classify box on a server with API keys', () => {
  const KEY = 'dashboard-test-key'
  let work: string
  let app: FastifyInstance
  let context: BrowserContext
  let page: Page

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'topicstream-dashboard-keys-'))
    app = await buildApp({
      registry: tinyRegistry(),
      config: { apiKeys: [KEY] },
      plugins: [
        (server) =>
          server.register(dashboardPlugin, {
            feed: { subscribe: () => () => {} },
            stats: createRollingStats(),
          }),
      ],
    })
    await app.listen({ host: '127.0.0.1', port: 0 })
    ;({ context, page } = await openBrowser(work))
  })

  afterAll(async () => {
    await context?.close()
    await app?.close()
    if (work) await rm(work, { recursive: true, force: true })
  })

  it('asks for the key after a 401, shows a refused key, and classifies with the right one', async () => {
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    const address = app.server.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    await page.goto(`http://127.0.0.1:${port}/`)
    expect(await page.locator('#classify-key').isVisible()).toBe(false)

    await page.fill('#classify-text', 'the striker scored a late goal and the team won the match')
    await page.click('#classify-button')
    await expect.poll(() => page.locator('#classify-error').textContent()).toContain('needs an API key')
    expect(await page.locator('#classify-key').isVisible()).toBe(true)

    await page.fill('#classify-key', 'not-the-key')
    await page.click('#classify-button')
    await expect
      .poll(() => page.locator('#classify-error').textContent())
      .toContain('A valid API key is required')

    await page.fill('#classify-key', KEY)
    await page.click('#classify-button')
    await page.locator('#topk li').first().waitFor()
    expect(await page.locator('#topk li .name').first().textContent()).toBe('sports')
    expect(await page.locator('#classify-error').textContent()).toBe('')
    expect(errors).toEqual([])
  }, 60_000)
})
