import { request } from 'node:http'
import type { IncomingMessage } from 'node:http'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { dashboardPlugin } from '../../../src/api/dashboard/plugin.js'
import { createRollingStats } from '../../../src/api/dashboard/rolling-stats.js'
import type { FeedListener, FeedRecord, RecordFeed } from '../../../src/api/dashboard/types.js'

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

async function startDashboard(viewers: number[] = []) {
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
