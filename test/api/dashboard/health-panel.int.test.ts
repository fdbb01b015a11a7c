/**
 * The stream-health panel in a real browser: the REST API with the dashboard, a record feed and a
 * stream-health source of the test's own (no Kafka, no model training). A drifting stream shows the
 * banner's warnings, gauges past their thresholds and the language chart; a healthy one, or one with
 * too few records to judge, shows no banner. Headless Chromium comes from the system (Debian's
 * `chromium` package), never from a download; without it the tests are skipped locally and fail in
 * CI.
 */
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/api/app.js'
import { dashboardPlugin } from '../../../src/api/dashboard/plugin.js'
import { createRollingStats } from '../../../src/api/dashboard/rolling-stats.js'
import type { FeedListener, RecordFeed } from '../../../src/api/dashboard/types.js'
import type { StreamHealth } from '../../../src/health/stream-monitor.js'
import { HEALTH_THRESHOLDS } from '../../../src/health/thresholds.js'
import { openBrowser, requireChromium } from '../../helpers/browser.js'
import { tinyRegistry } from '../helpers.js'
import { driftingWindow, streamHealth, windowStats } from './health-helpers.js'

const hasChromium = requireChromium('the health panel browser tests')

const DRIFT_WARNINGS = [
  "62% of the last minute's records are under 20% confidence: the model may not fit this stream",
  'The labels drifted from the reference mix (PSI 0.91)',
  '58% of the tokens are unknown to the model',
  '71% of the records are not English',
]

/** Samples of the chart: 60 of 100 ms, so a few seconds fill it. */
const SAMPLE_MS = 100

/**
 * A stream that drifts over `rampMs`: English with known words and a model sure of itself at first,
 * then mostly Spanish, unknown words and unsure, ending exactly at `driftingWindow()`.
 */
function rampingStream(rampMs: number): () => StreamHealth[] {
  const start = Date.now()
  return () => {
    const t = Math.min(1, (Date.now() - start) / rampMs)
    if (t === 1) return [streamHealth(driftingWindow())]
    return [
      streamHealth(
        windowStats({
          oovRate: 0.1 + 0.48 * t,
          lowShare: 0.05 + 0.57 * t,
          psi: 0.02 + 0.39 * t,
          languages: { en: 0.88 - 0.67 * t, es: 0.52 * t, und: 0.08, pt: 0.12 * t, fr: 0.04 - 0.03 * t },
        }),
      ),
    ]
  }
}

interface HealthDashboard {
  readonly app: FastifyInstance
  readonly url: string
  /** What the health source answers from now on. */
  use(source: () => StreamHealth[]): void
}

/** The REST API with the dashboard, as `serve` and `up` wire it, on sources of the test's own. */
async function healthDashboard(source: () => StreamHealth[]): Promise<HealthDashboard> {
  const listeners = new Set<FeedListener>()
  const feed: RecordFeed = {
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
  let current = source
  const app = await buildApp({
    registry: tinyRegistry(),
    config: { apiKeys: [] },
    plugins: [
      (server, { requireApiKey }) =>
        server.register(dashboardPlugin, {
          feed,
          stats: createRollingStats(),
          requireApiKey,
          streamHealth: () => current(),
          healthSampleMs: SAMPLE_MS,
        }),
    ],
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    app,
    url: `http://127.0.0.1:${port}/`,
    use(next) {
      current = next
    },
  }
}

const bannerItems = (page: Page): Promise<string[]> => page.locator('#health-warnings li').allTextContents()
const reading = (page: Page, gauge: string): Promise<string | null> =>
  page.locator(`#${gauge} .reading`).textContent()
const gaugeState = (page: Page, gauge: string): Promise<string | null> =>
  page.locator(`#${gauge}`).getAttribute('data-state')

describe.skipIf(!hasChromium)('stream health panel in a browser', () => {
  let work: string
  let dashboard: HealthDashboard
  let context: BrowserContext

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'topicstream-health-panel-'))
    dashboard = await healthDashboard(() => [])
    ;({ context } = await openBrowser(work))
  })

  afterAll(async () => {
    await context?.close()
    await dashboard?.app.close()
    if (work) await rm(work, { recursive: true, force: true })
  })

  it('shows a drifting stream: the banner in plain words, gauges past their marks, the chart', async () => {
    dashboard.use(rampingStream(3000))
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(dashboard.url)

    await page.locator('#health-panel').waitFor()
    await expect.poll(() => bannerItems(page), { timeout: 15_000 }).toEqual(DRIFT_WARNINGS)
    expect(await page.locator('#health-banner').isVisible()).toBe(true)
    expect(await page.locator('#health-banner').textContent()).toContain('Stream health')

    expect(await reading(page, 'gauge-psi')).toBe('0.91')
    expect(await reading(page, 'gauge-jsd')).toBe('0.12')
    expect(await reading(page, 'gauge-accuracy')).toBe('31.0%')
    expect(await reading(page, 'gauge-confidence')).toBe('17%')
    expect(await reading(page, 'gauge-oov')).toBe('58%')
    expect(await reading(page, 'gauge-language')).toBe('71%')
    for (const gauge of ['gauge-psi', 'gauge-confidence', 'gauge-oov', 'gauge-language']) {
      expect(await gaugeState(page, gauge), gauge).toBe('over')
    }
    expect(await gaugeState(page, 'gauge-jsd')).toBe('plain')
    expect(await page.locator('#gauge-confidence .sub').textContent()).toBe(
      '62% under 20% · p10 8% · p90 52%',
    )
    expect(await page.locator('#health-hint').textContent()).toBe(
      'Kafka stream · 200 records in the last minute',
    )

    // The chart: a bar of languages per sample and the unknown-token line over them, rising.
    await expect.poll(() => page.locator('#health-chart g').count()).toBeGreaterThan(20)
    const legend = await page.locator('#health-legend li').allTextContents()
    expect(legend).toEqual(expect.arrayContaining(['English', 'Spanish', 'Portuguese', 'undetermined']))
    expect(legend.at(-1)).toBe('unknown tokens (warns above 50%)')
    const oovHeights = await page
      .locator('#health-chart polyline.oov')
      .first()
      .evaluate((line) => {
        const points = (line as unknown as { getAttribute(name: string): string | null }).getAttribute(
          'points',
        )
        return (points ?? '').split(' ').map((point) => Number(point.split(',')[1]))
      })
    // SVG y grows downwards: a rising rate has a smaller y at the end.
    expect(oovHeights.at(-1)).toBeLessThan(oovHeights[0] ?? 0)

    await mkdir('test-results', { recursive: true })
    await page.screenshot({ path: 'test-results/dashboard-health.png', fullPage: true })
    await page.locator('#health-panel').screenshot({ path: 'test-results/dashboard-health-panel.png' })
    expect((await stat('test-results/dashboard-health-panel.png')).size).toBeLessThan(300 * 1024)

    // The stream recovers: the banner goes while the page stays open.
    dashboard.use(() => [streamHealth(windowStats())])
    await expect.poll(() => page.locator('#health-banner').isVisible(), { timeout: 5000 }).toBe(false)
    expect(await gaugeState(page, 'gauge-psi')).toBe('ok')
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)

  it('shows no banner for a healthy stream, nor for one too small to judge', async () => {
    dashboard.use(() => [streamHealth(windowStats())])
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(dashboard.url)

    await expect.poll(() => reading(page, 'gauge-psi')).toBe('0.04')
    expect(await page.locator('#health-panel').isVisible()).toBe(true)
    expect(await page.locator('#health-banner').isVisible()).toBe(false)
    expect(await bannerItems(page)).toEqual([])
    for (const gauge of ['gauge-psi', 'gauge-confidence', 'gauge-oov', 'gauge-language']) {
      expect(await gaugeState(page, gauge), gauge).toBe('ok')
    }

    const few = HEALTH_THRESHOLDS.minRecords - 1
    dashboard.use(() => [streamHealth(driftingWindow({ records: few }))])
    await expect.poll(() => reading(page, 'gauge-psi')).toBe('0.91')
    expect(await page.locator('#health-banner').isVisible()).toBe(false)
    expect(await page.locator('#health-hint').textContent()).toContain(
      `${few} records in the last minute (too few to judge under ${HEALTH_THRESHOLDS.minRecords})`,
    )

    // Before the first classified record the panel waits.
    dashboard.use(() => [])
    await expect.poll(() => page.locator('#health-empty').isVisible()).toBe(true)
    expect(await page.locator('#health-body').isVisible()).toBe(false)
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)
})
