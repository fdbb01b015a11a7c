/**
 * The abstain threshold and the stream-health statistics over REST: what `--min-confidence` does to
 * an answer, and what `GET /v1/models/{name}/stats` and /metrics report of the requests served.
 */
import { afterAll, describe, expect, test } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/api/app.js'
import type { ApiConfig } from '../../src/api/api-config.js'
import { createMetrics } from '../../src/api/metrics.js'
import { FOOD, SPORTS, TECH, tinyRegistry } from './helpers.js'

const apps: FastifyInstance[] = []
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()))
})

async function app(config: Partial<ApiConfig> = {}, now = () => 1_000_000) {
  const registry = tinyRegistry()
  const metrics = createMetrics({ defaultMetrics: false, streamHealth: { now } })
  const built = await buildApp({ registry, config, metrics })
  apps.push(built)
  return { app: built, registry, metrics }
}

const TEXTS = [...SPORTS, ...TECH, ...FOOD]

describe('--min-confidence', () => {
  test('a result under the threshold keeps its top-k, with label null and abstained true', async () => {
    const { app: server, registry } = await app({ minConfidence: 0.99 })
    const engine = registry.get()
    for (const text of TEXTS) {
      const response = await server.inject({
        method: 'POST',
        url: '/v1/classify',
        payload: { text, top_k: 2 },
      })
      const plain = engine.classify(text, { topK: 2 })
      expect(response.statusCode).toBe(200)
      expect(response.json()).toEqual({
        label: null,
        confidence: plain.confidence,
        abstained: true,
        top_k: plain.top_k,
        model: { name: 'tiny', version: engine.metadata.version },
      })
    }
    const batch = await server.inject({
      method: 'POST',
      url: '/v1/classify/batch',
      payload: { texts: TEXTS },
    })
    const results = (batch.json() as { results: { label: unknown; abstained: boolean }[] }).results
    expect(results.map(({ label, abstained }) => [label, abstained])).toEqual(TEXTS.map(() => [null, true]))
  })

  test('a result at or over the threshold is answered as without one', async () => {
    const { app: server, registry } = await app({ minConfidence: 0.05 })
    const engine = registry.get()
    for (const text of TEXTS) {
      const response = await server.inject({ method: 'POST', url: '/classify', payload: { text } })
      expect(response.json()).toMatchObject({ label: engine.classify(text).label, abstained: false })
    }
  })

  test('abstentions are counted under their own label on /metrics', async () => {
    const { app: server } = await app({ minConfidence: 0.99 })
    await server.inject({ method: 'POST', url: '/v1/classify', payload: { text: SPORTS[0] } })
    const metrics = (await server.inject({ method: 'GET', url: '/metrics' })).body
    expect(metrics).toMatch(/topicstream_classifications_total\{model="tiny",label="\(abstained\)"\} 1/)
  })
})

describe('GET /v1/models/{name}/stats', () => {
  test('reports the requests served, per channel, against the training mix', async () => {
    const { app: server } = await app()
    const empty = await server.inject({ method: 'GET', url: '/v1/models/tiny/stats' })
    expect(empty.json()).toEqual({ model: 'tiny', streams: [] })

    for (const text of SPORTS) await server.inject({ method: 'POST', url: '/v1/classify', payload: { text } })
    const stats = (await server.inject({ method: 'GET', url: '/v1/models/tiny/stats' })).json()
    expect(stats.streams).toHaveLength(1)
    const [stream] = stats.streams
    expect(stream.channel).toBe('api')
    expect(stream.model.name).toBe('tiny')
    expect(stream.window.records).toBe(SPORTS.length)
    expect(stream.horizon.records).toBe(SPORTS.length)
    // Every text is a training text: every token is known.
    expect(stream.window.oovRate).toBe(0)
    // Only sports where training had three classes in equal parts: the mix has drifted.
    expect(stream.window.labelMix.shares.sports).toBe(1)
    expect(stream.window.labelMix.psi).toBeGreaterThan(0.25)
    expect(stream.window.estimatedAccuracy).toBeGreaterThan(0)

    const other = (await server.inject({ method: 'GET', url: '/v1/models/other/stats' })).json()
    expect(other).toEqual({ model: 'other', streams: [] })
  })

  test('texts of unknown words raise the out-of-vocabulary rate', async () => {
    const { app: server } = await app()
    await server.inject({ method: 'POST', url: '/v1/classify', payload: { text: 'zyxw qwvu plokij' } })
    const stats = (await server.inject({ method: 'GET', url: '/v1/models/tiny/stats' })).json()
    expect(stats.streams[0].window.oovRate).toBe(1)
  })

  test('an unknown model is a 404 with the error body', async () => {
    const { app: server } = await app()
    const response = await server.inject({ method: 'GET', url: '/v1/models/nope/stats' })
    expect(response.statusCode).toBe(404)
    expect(response.json().error.code).toBe('ERR_MODEL_NOT_FOUND')
  })

  test('the same statistics are on /metrics, labelled by channel, model and window', async () => {
    const { app: server } = await app()
    for (const text of TEXTS) await server.inject({ method: 'POST', url: '/v1/classify', payload: { text } })
    const metrics = (await server.inject({ method: 'GET', url: '/metrics' })).body
    expect(metrics).toContain(
      `topicstream_stream_records{channel="api",model="tiny",window="short"} ${TEXTS.length}`,
    )
    expect(metrics).toContain(
      `topicstream_stream_records{channel="api",model="tiny",window="hour"} ${TEXTS.length}`,
    )
    expect(metrics).toMatch(/topicstream_stream_oov_rate\{channel="api",model="tiny",window="short"\} 0\b/)
    expect(metrics).toMatch(
      /topicstream_stream_label_psi\{channel="api",model="tiny",window="short"\} [0-9.e-]+/,
    )
  })
})
