/**
 * The dashboard's data behind the REST API's keys: with keys configured, the event stream and the
 * snapshot refuse exactly as /v1 does; the page and its assets stay open; without keys nothing
 * needs one.
 */
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/api/app.js'
import type { AppExtension } from '../../../src/api/app.js'
import { dashboardPlugin } from '../../../src/api/dashboard/plugin.js'
import { createRollingStats } from '../../../src/api/dashboard/rolling-stats.js'
import { createKafkaDashboard } from '../../../src/api/dashboard/kafka-dashboard.js'
import { tinyRegistry } from '../helpers.js'
import { driftingWindow, streamHealth, windowStats } from './health-helpers.js'

const KEY = 'dashboard-key'
const apps: FastifyInstance[] = []
const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close()
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

/** The plugin as every server adds it: with the app's key check from the extension context. */
const memoryDashboard: AppExtension = (app, { requireApiKey }) =>
  app.register(dashboardPlugin, {
    feed: { subscribe: () => () => {} },
    stats: createRollingStats(),
    requireApiKey,
  })

async function start(apiKeys: readonly string[], extension = memoryDashboard): Promise<string> {
  const app = await buildApp({ registry: tinyRegistry(), config: { apiKeys }, plugins: [extension] })
  apps.push(app)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return `http://127.0.0.1:${port}`
}

/** Opens the event stream, reads up to its first `stats` event, and closes it. */
async function firstEvents(
  base: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string | null; text: string }> {
  const controller = new AbortController()
  const response = await fetch(`${base}/dashboard/events`, { headers, signal: controller.signal })
  let text = ''
  try {
    if (response.status !== 200 || response.body === null)
      return { status: response.status, type: null, text }
    const decoder = new TextDecoder()
    for await (const chunk of response.body) {
      text += decoder.decode(chunk as Uint8Array, { stream: true })
      if (text.includes('event: stats\ndata: ')) break
    }
    return { status: response.status, type: response.headers.get('content-type'), text }
  } finally {
    controller.abort()
  }
}

describe('dashboard data with API keys', () => {
  it('refuses the stream and the snapshot without a valid key, exactly as /v1 refuses', async () => {
    const base = await start([KEY, 'another-key'])
    const rest = await fetch(`${base}/v1/models`)
    expect(rest.status).toBe(401)
    const restBody: unknown = await rest.json()
    expect(restBody).toEqual({ error: { code: 'ERR_UNAUTHENTICATED', message: expect.any(String) } })

    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong-key' },
      { authorization: KEY },
    ]
    for (const path of ['/dashboard/events', '/dashboard/snapshot']) {
      for (const headers of attempts) {
        const refused = await fetch(`${base}${path}`, { headers })
        expect(refused.status, `${path} ${JSON.stringify(headers)}`).toBe(401)
        expect(refused.headers.get('content-type')).toMatch(/^application\/json/)
        expect(await refused.json()).toEqual(restBody)
        expect(refused.headers.get('www-authenticate')).toBe(rest.headers.get('www-authenticate'))
      }
    }
  })

  it('serves the stream and the snapshot to a valid key, and the page and assets to anyone', async () => {
    const base = await start([KEY, 'another-key'])
    const snapshot = await fetch(`${base}/dashboard/snapshot`, {
      headers: { authorization: `Bearer ${KEY}` },
    })
    expect(snapshot.status).toBe(200)
    expect(await snapshot.json()).toMatchObject({ totals: { records: 0 } })

    const stream = await firstEvents(base, { authorization: 'bearer another-key' })
    expect(stream.status).toBe(200)
    expect(stream.type).toMatch(/^text\/event-stream/)
    expect(stream.text).toContain('event: stats\ndata: {')

    for (const path of ['/', '/dashboard/app.js', '/dashboard/style.css']) {
      expect((await fetch(`${base}${path}`)).status, path).toBe(200)
    }
  })

  it('needs no key when none is configured', async () => {
    const base = await start([])
    expect((await fetch(`${base}/dashboard/snapshot`)).status).toBe(200)
    const stream = await firstEvents(base)
    expect(stream.status).toBe(200)
    expect(stream.text).toContain('event: stats\ndata: {')
  })

  it('guards the Kafka dashboard of `serve --dashboard` and `up` with the same keys', async () => {
    // Never started: the feed makes no connection, only its routes are exercised.
    const dashboard = createKafkaDashboard({
      brokers: ['127.0.0.1:1'],
      topics: { input: 'in', output: 'out', dlq: 'dlq' },
      groupId: 'dashboard-keys-test',
      registry: tinyRegistry(),
      // A busier stream of a model the bridge does not serve: the panel shows the served one.
      streamHealth: () => [
        streamHealth(driftingWindow({ records: 5000 }), { model: 'other' }),
        streamHealth(windowStats(), { model: 'tiny' }),
      ],
    })
    cleanups.push(() => dashboard.stop())
    const base = await start([KEY], dashboard.extension)
    expect((await fetch(`${base}/dashboard/snapshot`)).status).toBe(401)
    expect((await firstEvents(base)).status).toBe(401)
    const allowed = await fetch(`${base}/dashboard/snapshot`, { headers: { authorization: `Bearer ${KEY}` } })
    expect(allowed.status).toBe(200)
    expect(await allowed.json()).toMatchObject({ health: { model: { name: 'tiny' }, warnings: [] } })
    const events = await firstEvents(base, { authorization: `Bearer ${KEY}` })
    expect(events.status).toBe(200)
  })
})
