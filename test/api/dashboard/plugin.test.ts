import { request } from 'node:http'
import type { IncomingMessage } from 'node:http'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import type { HealthView } from '../../../src/api/dashboard/health-view.js'
import { buildApp } from '../../../src/api/app.js'
import { createMetrics } from '../../../src/api/metrics.js'
import { dashboardPlugin } from '../../../src/api/dashboard/plugin.js'
import type { DashboardOptions } from '../../../src/api/dashboard/plugin.js'
import { createRollingStats } from '../../../src/api/dashboard/rolling-stats.js'
import type { FeedListener, FeedRecord, RecordFeed } from '../../../src/api/dashboard/types.js'
import type { StreamHealth } from '../../../src/health/stream-monitor.js'
import { HEALTH_THRESHOLDS } from '../../../src/health/thresholds.js'
import { FOOD, SPORTS, TECH, tinyRegistry } from '../helpers.js'
import { driftingWindow, streamHealth, windowStats } from './health-helpers.js'

/** An in-memory feed: what the plugin sees of any record source. */
function memoryFeed(): RecordFeed & { push(record: FeedRecord): void; listeners: Set<FeedListener> } {
  const listeners = new Set<FeedListener>()
  return {
    listeners,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    push(record) {
      for (const listener of listeners) listener(record)
    },
  }
}

interface SseEvent {
  event: string
  data: unknown
}

/** Opens the event stream and collects parsed events until `close()`. */
async function openEvents(base: string): Promise<{
  response: IncomingMessage
  events: SseEvent[]
  next(predicate: (event: SseEvent) => boolean): Promise<SseEvent>
  close(): void
}> {
  const events: SseEvent[] = []
  const waiters: Array<{ predicate: (event: SseEvent) => boolean; resolve: (event: SseEvent) => void }> = []
  const req = request(`${base}/dashboard/events`)
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve).on('error', reject).end()
  })
  let buffer = ''
  response.setEncoding('utf8')
  response.on('data', (chunk: string) => {
    buffer += chunk
    let end: number
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const event = /^event: (.*)$/m.exec(block)?.[1]
      const data = /^data: (.*)$/m.exec(block)?.[1]
      if (event === undefined || data === undefined) continue
      const parsed = { event, data: JSON.parse(data) as unknown }
      events.push(parsed)
      for (const waiter of [...waiters]) {
        if (waiter.predicate(parsed)) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve(parsed)
        }
      }
    }
  })
  response.on('error', () => {})
  return {
    response,
    events,
    next: (predicate) =>
      new Promise((resolve) => {
        const seen = events.find(predicate)
        if (seen) resolve(seen)
        else waiters.push({ predicate, resolve })
      }),
    close: () => req.destroy(),
  }
}

const apps: FastifyInstance[] = []
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close()
})

async function startDashboard(viewers: number[] = [], more: Partial<DashboardOptions> = {}) {
  const feed = memoryFeed()
  const stats = createRollingStats()
  const app = Fastify()
  apps.push(app)
  await app.register(dashboardPlugin, {
    feed,
    stats,
    statsIntervalMs: 50,
    recordsIntervalMs: 20,
    onViewers: (count) => viewers.push(count),
    ...more,
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return { app, feed, base: `http://127.0.0.1:${port}` }
}

const sample = (label: string, text = `a text about ${label}`): FeedRecord => ({
  text,
  label,
  confidence: 0.75,
  trueLabel: 'sci.space',
  producedAt: Date.now() - 12,
  classifiedAt: Date.now(),
})

describe('dashboardPlugin', () => {
  it('serves the page with a strict content security policy, and its assets', async () => {
    const { app } = await startDashboard()
    const page = await app.inject({ url: '/' })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.body).toContain('/dashboard/app.js')
    const script = await app.inject({ url: '/dashboard/app.js' })
    expect(script.headers['content-type']).toMatch(/^text\/javascript/)
    expect(script.body).toContain("const STREAM_URL = '/dashboard/events'")
    const css = await app.inject({ url: '/dashboard/style.css' })
    expect(css.headers['content-type']).toMatch(/^text\/css/)
  })

  it('streams stats first, then recent and new records, over Server-Sent Events', async () => {
    const { feed, base } = await startDashboard()
    feed.push(sample('sci.space', 'before anyone watched'))
    const stream = await openEvents(base)
    expect(stream.response.headers['content-type']).toMatch(/^text\/event-stream/)
    const first = await stream.next(() => true)
    expect(first.event).toBe('stats')
    const history = await stream.next((event) => event.event === 'records')
    expect(history.data).toMatchObject([{ text: 'before anyone watched', label: 'sci.space' }])

    feed.push(sample('sci.med', 'a live one'))
    const live = await stream.next(
      (event) => event.event === 'records' && JSON.stringify(event.data).includes('a live one'),
    )
    expect(live.data).toMatchObject([{ label: 'sci.med', trueLabel: 'sci.space', confidence: 0.75 }])
    const stats = await stream.next(
      (event) =>
        event.event === 'stats' && (event.data as { totals: { records: number } }).totals.records === 2,
    )
    expect(stats.data).toMatchObject({ totals: { records: 2, labelled: 2, correct: 1 } })
    stream.close()
  })

  it('forgets a browser that disconnects and ends open streams when the server closes', async () => {
    const viewers: number[] = []
    const { app, feed, base } = await startDashboard(viewers)
    const one = await openEvents(base)
    const two = await openEvents(base)
    await one.next((event) => event.event === 'stats')
    await two.next((event) => event.event === 'stats')
    expect(viewers.at(-1)).toBe(2)
    one.close()
    await expect.poll(() => viewers.at(-1)).toBe(1)
    const ended = new Promise((resolve) => two.response.on('end', resolve))
    await app.close()
    await ended
    expect(viewers.at(-1)).toBe(0)
    expect(feed.listeners.size).toBe(0)
  })
})

describe('dashboardPlugin stream health', () => {
  /** A monitor's answer that the test changes at will. */
  function fakeMonitor(initial: StreamHealth[] = []) {
    let current = initial
    let calls = 0
    return {
      source: () => {
        calls++
        return current
      },
      set(streams: StreamHealth[]) {
        current = streams
      },
      calls: () => calls,
    }
  }

  it('pushes the bridge stream as a health event every tick, with the banner warnings', async () => {
    const monitor = fakeMonitor([
      streamHealth(windowStats(), { channel: 'api' }),
      streamHealth(driftingWindow(), { channel: 'bridge' }),
    ])
    const { base } = await startDashboard([], { streamHealth: monitor.source })
    const stream = await openEvents(base)
    const first = await stream.next((event) => event.event === 'health')
    // Sent on connect, between the stats and the records.
    expect(stream.events.map((event) => event.event).slice(0, 3)).toEqual(['stats', 'health', 'records'])
    const view = first.data as HealthView
    expect(view).toMatchObject({ channel: 'bridge', span: 'the last minute', thresholds: HEALTH_THRESHOLDS })
    expect(view.warnings.map((warning) => warning.message)).toEqual([
      "62% of the last minute's records are under 20% confidence: the model may not fit this stream",
      'The labels drifted from the reference mix (PSI 0.91)',
      '58% of the tokens are unknown to the model',
      '71% of the records are not English',
    ])

    // The stream recovers: the next ticks carry no warnings.
    monitor.set([streamHealth(windowStats(), { channel: 'bridge' })])
    const healthy = await stream.next(
      (event) => event.event === 'health' && (event.data as HealthView).warnings.length === 0,
    )
    expect((healthy.data as HealthView).window.psi).toBe(0.04)
    stream.close()
  })

  it('sends null before the first classified record', async () => {
    const { base } = await startDashboard([], { streamHealth: () => [] })
    const stream = await openEvents(base)
    expect((await stream.next((event) => event.event === 'health')).data).toBeNull()
    stream.close()
  })

  it('adds the health to the snapshot, and leaves both alone without a source', async () => {
    const monitor = fakeMonitor([streamHealth(driftingWindow({ records: 10 }))])
    const { app } = await startDashboard([], {
      streamHealth: monitor.source,
      healthThresholds: { ...HEALTH_THRESHOLDS, minRecords: 5 },
    })
    const snapshot = (await app.inject({ url: '/dashboard/snapshot' })).json() as {
      totals: unknown
      health: HealthView
    }
    expect(snapshot.totals).toEqual({ records: 0, labelled: 0, correct: 0 })
    expect(snapshot.health).toMatchObject({ channel: 'bridge', window: { records: 10 } })
    expect(snapshot.health.thresholds.minRecords).toBe(5)
    expect(snapshot.health.warnings).toHaveLength(4)

    const plain = await startDashboard()
    expect((await plain.app.inject({ url: '/dashboard/snapshot' })).json()).not.toHaveProperty('health')
    const stream = await openEvents(plain.base)
    await stream.next((event) => event.event === 'stats')
    await stream.next((event) => event.event === 'records')
    await stream.next((event) => event.event === 'stats')
    expect(stream.events.some((event) => event.event === 'health')).toBe(false)
    stream.close()
  })

  it("shows what the process's monitor measured of the requests it classified", async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    const app = await buildApp({
      registry: tinyRegistry(),
      metrics,
      plugins: [
        (server) =>
          server.register(dashboardPlugin, {
            feed: memoryFeed(),
            stats: createRollingStats(),
            streamHealth: () => metrics.streamHealth.snapshots(),
          }),
      ],
    })
    apps.push(app)
    const texts = [...SPORTS, ...TECH, ...FOOD, 'zzgl qqxv wrrp']
    for (const text of texts) {
      expect((await app.inject({ method: 'POST', url: '/v1/classify', payload: { text } })).statusCode).toBe(
        200,
      )
    }
    const { health } = (await app.inject({ url: '/dashboard/snapshot' })).json() as { health: HealthView }
    expect(health).toMatchObject({ channel: 'api', model: { name: 'tiny' }, span: 'the last minute' })
    expect(health.window.records).toBe(texts.length)
    expect(health.window.psi).toEqual(expect.any(Number))
    expect(health.window.oovRate).toBeGreaterThan(0)
    expect(health.window.languages.en).toBeGreaterThan(0)
    // Fewer records than HEALTH_THRESHOLDS.minRecords: nothing to warn about yet.
    expect(health.warnings).toEqual([])
  })

  it('samples the chart whether or not a browser watches, and stops when the server closes', async () => {
    const monitor = fakeMonitor()
    const { app } = await startDashboard([], {
      streamHealth: monitor.source,
      healthSampleMs: 20,
      healthSamples: 3,
    })
    // No stream yet: nothing sampled.
    await expect.poll(monitor.calls).toBeGreaterThan(2)
    monitor.set([streamHealth(windowStats({ oovRate: 0.3 }))])
    const points = async () =>
      ((await app.inject({ url: '/dashboard/snapshot' })).json() as { health: HealthView }).health.series
    await expect.poll(async () => (await points()).points.length).toBe(3)
    const series = await points()
    expect(series).toMatchObject({ sampleMs: 20, capacity: 3 })
    expect(series.points[0]).toMatchObject({ oovRate: 0.3, languages: { en: 0.9, und: 0.1 } })
    await app.close()
    const after = monitor.calls()
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(monitor.calls()).toBe(after)
  })
})
