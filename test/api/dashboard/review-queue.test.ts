/**
 * The review queue: uncertainty sampling over the latest records (abstentions first, then the
 * lowest confidence, the newest among equals), and how the dashboard serves it: a `review` event on
 * connect and whenever the queue changes, abstentions from the output topic included, and the whole
 * text of records the stream cut.
 */
import { request } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/api/app.js'
import { parseResult } from '../../../src/api/dashboard/output-feed.js'
import { dashboardPlugin } from '../../../src/api/dashboard/plugin.js'
import { createReviewQueue } from '../../../src/api/dashboard/review-queue.js'
import { createRollingStats } from '../../../src/api/dashboard/rolling-stats.js'
import type { FeedListener, FeedRecord } from '../../../src/api/dashboard/types.js'
import { tinyRegistry } from '../helpers.js'

interface Sample {
  readonly name: string
  readonly confidence: number
  readonly abstained?: boolean
}

const sample = (name: string, confidence: number, abstained?: boolean): Sample =>
  abstained ? { name, confidence, abstained } : { name, confidence }
const names = (records: readonly Sample[]): string[] => records.map((record) => record.name)

describe('createReviewQueue', () => {
  it('picks the least confident, least confident first', () => {
    const queue = createReviewQueue<Sample>(10)
    for (const [name, confidence] of [
      ['a', 0.9],
      ['b', 0.31],
      ['c', 0.75],
      ['d', 0.42],
      ['e', 0.99],
    ] as const) {
      queue.add(sample(name, confidence))
    }
    expect(names(queue.select(3))).toEqual(['b', 'd', 'c'])
    expect(names(queue.select(10))).toEqual(['b', 'd', 'c', 'a', 'e'])
    expect(queue.select(0)).toEqual([])
  })

  it('puts abstentions first, whatever their confidence', () => {
    const queue = createReviewQueue<Sample>(10)
    queue.add(sample('sure', 0.95))
    queue.add(sample('unsure', 0.2))
    queue.add(sample('abstained', 0.45, true))
    expect(names(queue.select(2))).toEqual(['abstained', 'unsure'])
  })

  it('prefers the newest among equals', () => {
    const queue = createReviewQueue<Sample>(10)
    for (const name of ['first', 'second', 'third']) queue.add(sample(name, 0.5))
    expect(names(queue.select(2))).toEqual(['third', 'second'])
  })

  it('chooses only among the latest records of its window', () => {
    const queue = createReviewQueue<Sample>(3)
    queue.add(sample('old and unsure', 0.01))
    for (const [name, confidence] of [
      ['x', 0.8],
      ['y', 0.6],
      ['z', 0.7],
    ] as const) {
      queue.add(sample(name, confidence))
    }
    expect(names(queue.select(5))).toEqual(['y', 'z', 'x'])
    expect(queue.added).toBe(4)
    queue.add(sample('w', 0.65))
    expect(names(queue.select(5))).toEqual(['y', 'w', 'z'])
  })

  it('starts empty and refuses a window that holds nothing', () => {
    expect(createReviewQueue<Sample>(5).select(3)).toEqual([])
    expect(() => createReviewQueue<Sample>(0)).toThrow(RangeError)
  })
})

describe('parseResult for an abstention', () => {
  it('keeps the record, flagged, with the class the model leaned to', () => {
    const value = {
      id: 'q1',
      text: 'hmm',
      label: null,
      confidence: 0.21,
      abstained: true,
      top_k: [
        { label: 'sports', probability: 0.21 },
        { label: 'food', probability: 0.2 },
      ],
    }
    const record = parseResult({
      key: null,
      value: Buffer.from(JSON.stringify(value)),
      headers: [],
      offset: '0',
      timestamp: '5',
    })
    expect(record).toMatchObject({ id: 'q1', label: 'sports', confidence: 0.21, abstained: true })
    // A null label without an abstention is still no result.
    const broken = { ...value, abstained: false }
    expect(
      parseResult({
        key: null,
        value: Buffer.from(JSON.stringify(broken)),
        headers: [],
        offset: '0',
        timestamp: '5',
      }),
    ).toBeUndefined()
  })
})

interface BrowserRecord {
  seq: number
  id?: string
  text: string
  cut?: boolean
  confidence: number
  abstained?: boolean
}

describe('the dashboard’s review queue', () => {
  const apps: FastifyInstance[] = []
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close()
  })

  async function start(): Promise<{ base: string; push(record: Partial<FeedRecord>): void }> {
    const listeners = new Set<FeedListener>()
    const app = await buildApp({
      registry: tinyRegistry(),
      config: { apiKeys: [] },
      plugins: [
        (server, { requireApiKey }) =>
          server.register(dashboardPlugin, {
            feed: {
              subscribe(listener) {
                listeners.add(listener)
                return () => listeners.delete(listener)
              },
            },
            stats: createRollingStats(),
            requireApiKey,
            statsIntervalMs: 20,
            reviewWindow: 50,
            reviewSize: 3,
          }),
      ],
    })
    apps.push(app)
    await app.listen({ host: '127.0.0.1', port: 0 })
    const address = app.server.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    return {
      base: `http://127.0.0.1:${port}`,
      push(record) {
        const full = { text: 'a text', label: 'sports', confidence: 0.9, classifiedAt: Date.now(), ...record }
        for (const listener of listeners) listener(full)
      },
    }
  }

  /** The `review` events of the stream until `done` says enough. */
  async function reviewEvents(
    base: string,
    done: (events: BrowserRecord[][]) => boolean,
  ): Promise<BrowserRecord[][]> {
    const events: BrowserRecord[][] = []
    await new Promise<void>((resolve, reject) => {
      const req = request(`${base}/dashboard/events`)
      req.on('error', reject)
      req.on('response', (response) => {
        let buffer = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => {
          buffer += chunk
          let end: number
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            if (!block.startsWith('event: review\n')) continue
            events.push(JSON.parse(block.slice(block.indexOf('data: ') + 6)) as BrowserRecord[])
            if (done(events)) {
              req.destroy()
              resolve()
            }
          }
        })
      })
      req.end()
    })
    return events
  }

  it('sends the least sure records on connect, then again only when the queue changes', async () => {
    const dashboard = await start()
    dashboard.push({ id: 'sure', confidence: 0.97 })
    dashboard.push({ id: 'unsure', confidence: 0.3 })
    dashboard.push({ id: 'abstained', label: 'food', confidence: 0.4, abstained: true })
    dashboard.push({ id: 'middling', confidence: 0.6 })

    const ids = (records: readonly BrowserRecord[]): (string | undefined)[] => records.map(({ id }) => id)
    const events = await reviewEvents(dashboard.base, (seen) => {
      // Once connected: a record too sure to enter the queue, then one that does.
      if (seen.length === 1) {
        dashboard.push({ id: 'sure too', confidence: 0.99 })
        setTimeout(() => dashboard.push({ id: 'least sure', confidence: 0.1 }), 100)
      }
      return seen.length === 2
    })
    expect(ids(events[0] ?? [])).toEqual(['abstained', 'unsure', 'middling'])
    // The sure record changed nothing, so no event came for it.
    expect(ids(events[1] ?? [])).toEqual(['abstained', 'least sure', 'unsure'])
    expect(events[0]?.[0]).toMatchObject({ abstained: true, label: 'food', seq: 3 })
  })

  it('keeps the whole text of a record the stream cut, for its feedback', async () => {
    const dashboard = await start()
    const long = `${'word '.repeat(200)}end`
    dashboard.push({ id: 'long', text: long, confidence: 0.2 })
    dashboard.push({ id: 'short', text: 'short', confidence: 0.3 })
    const [queue] = await reviewEvents(dashboard.base, () => true)
    const [cut, whole] = queue ?? []
    expect(cut).toMatchObject({ id: 'long', cut: true })
    expect(cut?.text.length).toBeLessThan(long.length)
    expect(whole).not.toHaveProperty('cut')

    const response = await fetch(`${dashboard.base}/dashboard/records/${cut?.seq}`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ seq: cut?.seq, text: long })
    // Texts the stream sent whole are not kept: the page has them.
    const missing = await fetch(`${dashboard.base}/dashboard/records/${whole?.seq}`)
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ error: { code: 'ERR_ROUTE_NOT_FOUND' } })
  })
})
