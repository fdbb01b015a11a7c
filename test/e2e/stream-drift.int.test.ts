/**
 * Stream health on a real pipeline (the run's Kafka broker, the servers, the bridge and the
 * dashboard) with the 20 Newsgroups model: the stream is the 20 Newsgroups test split, then the
 * Sanders tweets. The drift statistics, the estimated accuracy and the out-of-vocabulary rate move by
 * clear margins, the dashboard's banner appears in a browser, and promtool evaluates the alert rules
 * on the scraped metrics: quiet on the first stream, firing on the second.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { WindowStats } from '../../src/engine/stream-stats.js'
import { evaluateModel, saveModel, trainClassifier } from '../../src/engine/index.js'
import { mulberry32, shuffle } from '../../src/engine/datasets/split.js'
import { loadDataset } from '../../src/datasets/spec.js'
import { streamHealthSettings } from '../../src/health/options.js'
import type { StreamHealth } from '../../src/health/stream-monitor.js'
import { createKafkaClient } from '../../src/kafka/client.js'
import { type PipelineEndpoints, pipelineParts } from '../../src/pipeline/up.js'
import { createLogger } from '../../src/runtime/logger.js'
import { startParts } from '../../src/runtime/part.js'
import { openBrowser, requireChromium } from '../helpers/browser.js'
import { requireData, sandersTweets, twentyNewsgroupsArchive } from '../helpers/data.js'
import { isolatedLearning, kafkaBrokers, randomTopicName } from '../helpers/kafka.js'
import { promtoolTestRules, requirePromtool } from '../helpers/promtool.js'

const archive = twentyNewsgroupsArchive()
const tweets = sandersTweets()
const hasData = requireData('the stream drift test', [archive, tweets])
const promtool = requirePromtool('the stream drift test')
const hasChromium = requireChromium('the stream drift test')
const RULES = fileURLToPath(new URL('../../deploy/prometheus/topicstream-alerts.yml', import.meta.url))

/** The shortest window the option allows, so the test sees whole windows in seconds. */
const WINDOW_MS = 6000
/** Records of each stream: at about 100 a second, each fills more than one window. */
const RECORDS = 900

describe.skipIf(!hasData || promtool === undefined || !hasChromium)('stream drift', () => {
  let work: string
  let pipeline: { endpoints: PipelineEndpoints; stop(): Promise<void> }
  const topics = {
    inputTopic: randomTopicName('drift-in'),
    outputTopic: randomTopicName('drift-out'),
    dlqTopic: randomTopicName('drift-dlq'),
  }
  let newsTexts: string[]
  let tweetTexts: string[]

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'topicstream-drift-'))
    const news = await loadDataset(`20news:${archive.path}`)
    const model = trainClassifier(news.train, {}, { source: news.source, fingerprint: news.fingerprint })
    const test = news.test as NonNullable<typeof news.test>
    const evaluation = evaluateModel(model, test)
    await saveModel(model, join(work, '20news.tsmodel'), {
      testAccuracy: evaluation.accuracy,
      reference: evaluation.reference,
    })
    const order = shuffle(
      Array.from(test.texts, (_, i) => i),
      mulberry32(7),
    )
    newsTexts = order.slice(0, RECORDS).map((i) => test.texts[i] as string)
    const sanders = await loadDataset(`csv:${tweets.path}`, { textColumn: 'TweetText', labelColumn: 'Topic' })
    tweetTexts = shuffle([...sanders.train.texts], mulberry32(7)).slice(0, RECORDS)

    const logger = createLogger({ level: 'error' })
    const parts = pipelineParts(
      {
        host: '127.0.0.1',
        port: 0,
        grpcPort: 0,
        kafkaBrokers: kafkaBrokers(),
        broker: { host: '127.0.0.1', port: 0, dataDir: join(work, 'unused') },
        model: { name: '20news', path: join(work, '20news.tsmodel') },
        bridge: { ...topics, groupId: randomTopicName('drift-group'), partitions: 1 },
        topK: 3,
        health: streamHealthSettings({ healthWindow: WINDOW_MS }),
        producer: { kind: 'none' },
        learning: { ...isolatedLearning(), learn: false },
        env: process.env,
      },
      { logger, onForcedExit: () => {} },
    )
    const stop = await startParts(parts.parts, { logger, stopTimeoutMs: 10_000, onStarted: parts.onStarted })
    pipeline = { endpoints: parts.endpoints(), stop }
  }, 180_000)

  afterAll(async () => {
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

  /** Sends `texts` to the input topic at about 100 a second, so that they span several windows. */
  async function replay(texts: readonly string[], prefix: string): Promise<void> {
    const producer = createKafkaClient({ brokers: kafkaBrokers(), logLevel: 'silent' }).producer()
    await producer.connect()
    try {
      for (let i = 0; i < texts.length; i += 50) {
        const slice = texts.slice(i, i + 50)
        await producer.send(
          topics.inputTopic,
          slice.map((text, j) => ({
            key: `${prefix}-${i + j}`,
            value: JSON.stringify({ id: `${prefix}-${i + j}`, text }),
          })),
        )
        await new Promise((resolve) => setTimeout(resolve, 500))
      }
    } finally {
      await producer.disconnect()
    }
  }

  /** The bridge's short window for the model. */
  async function bridgeWindow(): Promise<WindowStats | undefined> {
    const response = await fetch(`${pipeline.endpoints.rest}/models/20news/stats`)
    const { streams } = (await response.json()) as { streams: StreamHealth[] }
    return streams.find((stream) => stream.channel === 'bridge')?.window
  }

  /** Waits until the replay has ended and the bridge has classified all of it, then reads the window. */
  async function windowAfter(texts: readonly string[], prefix: string): Promise<WindowStats> {
    const consumed = async () => {
      const metrics = await (await fetch(pipeline.endpoints.metrics)).text()
      const line = metrics.match(/^topicstream_bridge_results_produced_total\{[^}]*\} (\d+)/m)
      return Number(line?.[1] ?? 0)
    }
    const before = await consumed()
    await replay(texts, prefix)
    await expect
      .poll(consumed, { timeout: 60_000, interval: 250 })
      .toBeGreaterThanOrEqual(before + texts.length)
    const window = await bridgeWindow()
    expect(window).toBeDefined()
    return window as WindowStats
  }

  /** Which alerts promtool fires on the scraped stream-health metrics, held for 15 minutes. */
  async function firingAlerts(): Promise<string[]> {
    const metrics = await (await fetch(pipeline.endpoints.metrics)).text()
    const series = metrics
      .split('\n')
      .filter((line) => line.startsWith('topicstream_stream_'))
      .map((line) => {
        const at = line.lastIndexOf(' ')
        return { series: line.slice(0, at), values: `${line.slice(at + 1)}x20` }
      })
    const alerts = [
      'TopicstreamLowConfidence',
      'TopicstreamLabelDrift',
      'TopicstreamUnknownWords',
      'TopicstreamNotEnglish',
    ]
    const firing: string[] = []
    for (const alert of alerts) {
      // One promtool test per alert: it passes when the alert fires for the bridge's stream.
      const file = join(work, `${alert}.test.yml`)
      await writeFile(
        file,
        JSON.stringify({
          rule_files: [RULES],
          evaluation_interval: '1m',
          tests: [
            {
              interval: '1m',
              input_series: series,
              promql_expr_test: [
                {
                  expr: `count by (alertname) (ALERTS{alertstate="firing", alertname="${alert}", channel="bridge"})`,
                  eval_time: '15m',
                  exp_samples: [{ labels: `{alertname="${alert}"}`, value: 1 }],
                },
              ],
            },
          ],
        }),
      )
      const fired = await promtoolTestRules(promtool as string, file).then(
        () => true,
        () => false,
      )
      if (fired) firing.push(alert)
    }
    return firing
  }

  test('the statistics move, the banner appears and the alerts fire when the stream changes', async () => {
    const { context, page } = await openBrowser(work)
    try {
      await page.goto(pipeline.endpoints.dashboard)
      /** Resolves with the banner's text the first time it shows. */
      const bannerText = () =>
        page
          .locator('#health-banner')
          .waitFor({ state: 'visible', timeout: 120_000 })
          .then(() => page.locator('#health-banner').textContent())

      const news = await windowAfter(newsTexts, 'news')
      const newsAlerts = await firingAlerts()
      expect(await page.locator('#health-banner').isVisible()).toBe(false)

      const banner = bannerText()
      const drifted = await windowAfter(tweetTexts, 'tweet')
      const driftAlerts = await firingAlerts()

      const figures = (w: WindowStats) => ({
        records: w.records,
        psi: w.labelMix.psi,
        jsd: w.labelMix.jsd,
        estimatedAccuracy: w.estimatedAccuracy,
        lowShare: w.confidence.lowShare,
        oovRate: w.oovRate,
        english: w.languages.shares.en ?? 0,
      })
      console.log('20 Newsgroups window:', figures(news), 'alerts:', newsAlerts)
      console.log('Sanders tweets window:', figures(drifted), 'alerts:', driftAlerts)

      expect(news.records).toBeGreaterThanOrEqual(100)
      expect(drifted.records).toBeGreaterThanOrEqual(100)
      expect(drifted.labelMix.jsd as number).toBeGreaterThan((news.labelMix.jsd as number) + 0.1)
      expect(drifted.labelMix.psi as number).toBeGreaterThan((news.labelMix.psi as number) + 0.5)
      expect(drifted.estimatedAccuracy as number).toBeLessThan((news.estimatedAccuracy as number) - 0.3)
      expect(drifted.confidence.lowShare as number).toBeGreaterThan(
        (news.confidence.lowShare as number) + 0.4,
      )
      expect(drifted.oovRate as number).toBeGreaterThan((news.oovRate as number) + 0.15)

      expect(newsAlerts).toEqual([])
      expect(driftAlerts).toEqual(
        expect.arrayContaining(['TopicstreamLowConfidence', 'TopicstreamLabelDrift']),
      )

      expect(await banner).toMatch(/records are under 20% confidence: the model may not fit this stream/)
    } finally {
      await context.close()
    }
  }, 300_000)
})
