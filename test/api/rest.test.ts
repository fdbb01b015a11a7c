import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/api/app.js'
import { ECHO_RESULT } from '../../src/api/bench/echo-result.js'
import type { BuildAppOptions } from '../../src/api/app.js'
import { createMetrics } from '../../src/api/metrics.js'
import { ModelRegistry } from '../../src/engine/model-registry.js'
import { FOOD, SPORTS, TECH, tinyRegistry, trainTinyModel } from './helpers.js'

const apps: FastifyInstance[] = []
async function app(options: Partial<BuildAppOptions> = {}): Promise<FastifyInstance> {
  const built = await buildApp({ registry: tinyRegistry(), ...options })
  apps.push(built)
  return built
}
afterAll(async () => {
  await Promise.all(apps.map((built) => built.close()))
})

async function post(
  target: FastifyInstance,
  url: string,
  payload: unknown,
  headers: Record<string, string> = {},
) {
  const response = await target.inject({ method: 'POST', url, payload: payload as object, headers })
  return { status: response.statusCode, body: response.json(), headers: response.headers }
}

describe('POST /v1/classify', () => {
  let server: FastifyInstance
  beforeAll(async () => {
    server = await app()
  })

  test('answers exactly the engine classification plus the model', async () => {
    const registry = tinyRegistry()
    const engine = registry.get()
    const target = await app({ registry })
    for (const text of [...SPORTS, ...TECH, ...FOOD, 'completely unrelated words', '']) {
      const { status, body } = await post(target, '/v1/classify', { text })
      expect(status).toBe(200)
      expect(body).toEqual({
        ...engine.classify(text),
        model: { name: 'tiny', version: engine.metadata.version },
      })
    }
  })

  test('honours top_k, explain and model', async () => {
    const registry = tinyRegistry()
    const target = await app({ registry })
    const text = 'the striker scored a late goal'
    const { status, body } = await post(target, '/v1/classify', {
      text,
      top_k: 2,
      explain: true,
      model: 'other',
    })
    expect(status).toBe(200)
    const other = registry.get('other')
    expect(body).toEqual({
      ...other.classify(text, { topK: 2, explain: true }),
      model: { name: 'other', version: other.metadata.version },
    })
    expect(body.top_k).toHaveLength(2)
    expect(body.explanation.map((term: { term: string }) => term.term)).toContain('striker')
  })

  test.each([
    ['missing text', {}, 'ERR_TEXT_INVALID'],
    ['non-string text', { text: 42 }, 'ERR_TEXT_INVALID'],
    ['null text', { text: null }, 'ERR_TEXT_INVALID'],
    ['unknown field', { text: 'hi', topk: 3 }, 'ERR_REQUEST_INVALID'],
    ['top_k as a string', { text: 'hi', top_k: '3' }, 'ERR_REQUEST_INVALID'],
    ['top_k of 0', { text: 'hi', top_k: 0 }, 'ERR_REQUEST_INVALID'],
    ['explain as a string', { text: 'hi', explain: 'yes' }, 'ERR_REQUEST_INVALID'],
    ['an array body', [{ text: 'hi' }], 'ERR_REQUEST_INVALID'],
  ])('400 for %s', async (_name, payload, code) => {
    const { status, body } = await post(server, '/v1/classify', payload)
    expect(status).toBe(400)
    expect(body).toEqual({ error: { code, message: expect.any(String) } })
  })

  test('400 ERR_REQUEST_INVALID for malformed JSON and for a non-JSON content type', async () => {
    const malformed = await server.inject({
      method: 'POST',
      url: '/v1/classify',
      headers: { 'content-type': 'application/json' },
      payload: '{"text": "unterminated',
    })
    expect(malformed.statusCode).toBe(400)
    expect(malformed.json().error.code).toBe('ERR_REQUEST_INVALID')
    const plain = await server.inject({
      method: 'POST',
      url: '/v1/classify',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    })
    expect(plain.statusCode).toBe(400)
    expect(plain.json().error.code).toBe('ERR_REQUEST_INVALID')
  })

  test('404 ERR_MODEL_NOT_FOUND for an unknown model', async () => {
    const { status, body } = await post(server, '/v1/classify', { text: 'hi', model: 'nope' })
    expect(status).toBe(404)
    expect(body.error.code).toBe('ERR_MODEL_NOT_FOUND')
  })

  test('413 ERR_TEXT_TOO_LARGE counts UTF-8 bytes, not characters', async () => {
    const target = await app({ config: { maxTextBytes: 30 } })
    expect((await post(target, '/v1/classify', { text: 'a'.repeat(30) })).status).toBe(200)
    // 10 characters, 40 bytes.
    const { status, body } = await post(target, '/v1/classify', { text: '😀'.repeat(10) })
    expect(status).toBe(413)
    expect(body.error.code).toBe('ERR_TEXT_TOO_LARGE')
    expect((await post(target, '/v1/classify', { text: 'é'.repeat(16) })).body.error.code).toBe(
      'ERR_TEXT_TOO_LARGE',
    )
  })

  test('413 ERR_PAYLOAD_TOO_LARGE for a body over the limit', async () => {
    const target = await app({ config: { bodyLimit: 1024 } })
    const { status, body } = await post(target, '/v1/classify', { text: 'x'.repeat(2000) })
    expect(status).toBe(413)
    expect(body.error.code).toBe('ERR_PAYLOAD_TOO_LARGE')
  })

  test('503 ERR_NOT_READY while the model loads', async () => {
    const registry = new ModelRegistry([{ name: 'slow', path: 'slow.tsmodel' }], {
      load: () => new Promise(() => undefined),
    })
    const target = await app({ registry })
    const { status, body, headers } = await post(target, '/v1/classify', { text: 'hi' })
    expect(status).toBe(503)
    expect(body.error.code).toBe('ERR_NOT_READY')
    expect(headers['retry-after']).toBe('1')
  })
})

describe('POST /v1/classify/batch', () => {
  test('results in input order, each equal to the single classification', async () => {
    const registry = tinyRegistry()
    const target = await app({ registry })
    const texts = [TECH[0], FOOD[1], SPORTS[2], 'unseen words only', FOOD[0]] as string[]
    const { status, body } = await post(target, '/v1/classify/batch', { texts, top_k: 1 })
    expect(status).toBe(200)
    const engine = registry.get()
    const ref = { name: 'tiny', version: engine.metadata.version }
    expect(body.results).toEqual(texts.map((text) => ({ ...engine.classify(text, { topK: 1 }), model: ref })))
    expect(body.results.map((result: { label: string }) => result.label).slice(0, 3)).toEqual([
      'tech',
      'food',
      'sports',
    ])
  })

  test('413 ERR_BATCH_TOO_LARGE above the configured maximum', async () => {
    const target = await app({ config: { maxBatch: 3 } })
    expect((await post(target, '/v1/classify/batch', { texts: ['a', 'b', 'c'] })).status).toBe(200)
    const { status, body } = await post(target, '/v1/classify/batch', { texts: ['a', 'b', 'c', 'd'] })
    expect(status).toBe(413)
    expect(body.error.code).toBe('ERR_BATCH_TOO_LARGE')
  })

  test('a bad text fails the batch and names its index', async () => {
    const target = await app({ config: { maxTextBytes: 10 } })
    const tooLarge = await post(target, '/v1/classify/batch', { texts: ['ok', 'x'.repeat(11)] })
    expect(tooLarge.status).toBe(413)
    expect(tooLarge.body.error).toEqual({
      code: 'ERR_TEXT_TOO_LARGE',
      message: expect.stringMatching(/^texts\[1\]/),
    })
    const notString = await post(target, '/v1/classify/batch', { texts: ['ok', 7] })
    expect(notString.status).toBe(400)
    expect(notString.body.error.code).toBe('ERR_TEXT_INVALID')
    const empty = await post(target, '/v1/classify/batch', { texts: [] })
    expect(empty.body.error.code).toBe('ERR_TEXT_INVALID')
    const missing = await post(target, '/v1/classify/batch', { text: 'hi' })
    expect(missing.status).toBe(400)
  })
})

describe('models', () => {
  test('GET /v1/models lists every model, default first', async () => {
    const registry = tinyRegistry()
    const target = await app({ registry })
    const response = await target.inject({ method: 'GET', url: '/v1/models' })
    expect(response.statusCode).toBe(200)
    const { models } = response.json()
    expect(models.map((model: { name: string; default: boolean }) => [model.name, model.default])).toEqual([
      ['tiny', true],
      ['other', false],
    ])
    expect(models[0]).toMatchObject({
      version: registry.get('tiny').metadata.version,
      classes: ['food', 'sports', 'tech'],
      vocabulary_size: registry.get('tiny').metadata.vocabularySize,
    })
  })

  test('GET /v1/models/{name} gives metadata; unknown is 404', async () => {
    const registry = tinyRegistry()
    const target = await app({ registry })
    const response = await target.inject({ method: 'GET', url: '/v1/models/other' })
    expect(response.statusCode).toBe(200)
    const metadata = registry.get('other').metadata
    expect(response.json()).toMatchObject({
      name: 'other',
      version: metadata.version,
      classes: [...metadata.classes],
      vocabulary_size: metadata.vocabularySize,
      params: { algorithm: 'multinomial', alpha: 1 },
      dataset: { source: 'inline:api-tests' },
      format_version: metadata.formatVersion,
    })
    const missing = await target.inject({ method: 'GET', url: '/v1/models/nope' })
    expect(missing.statusCode).toBe(404)
    expect(missing.json().error.code).toBe('ERR_MODEL_NOT_FOUND')
  })

  test('POST /v1/models/{name}/reload swaps the model; a model without a file is 404', async () => {
    const models = [trainTinyModel(), trainTinyModel(['fresh extra training words'])]
    let loads = 0
    const registry = new ModelRegistry([{ name: 'live', path: 'live.tsmodel' }], {
      load: async () => models[loads++ % 2] as (typeof models)[number],
    })
    await registry.loadAll()
    const target = await app({ registry })
    const before = await post(target, '/v1/classify', { text: 'fresh words' })
    expect(before.body.model.version).toBe(models[0]?.metadata.version)
    const reload = await post(target, '/v1/models/live/reload', undefined)
    expect(reload.status).toBe(200)
    expect(reload.body.version).toBe(models[1]?.metadata.version)
    const after = await post(target, '/v1/classify', { text: 'fresh words' })
    expect(after.body.model.version).toBe(models[1]?.metadata.version)
    const metrics = await target.inject({ method: 'GET', url: '/metrics' })
    expect(metrics.body).toContain(
      `topicstream_model_info{model="live",version="${models[1]?.metadata.version}"`,
    )
    expect(metrics.body).not.toContain(`version="${models[0]?.metadata.version}"`)

    const inMemory = await app()
    const notFromFile = await post(inMemory, '/v1/models/tiny/reload', undefined)
    expect(notFromFile.status).toBe(404)
    expect((await post(inMemory, '/v1/models/nope/reload', undefined)).body.error.code).toBe(
      'ERR_MODEL_NOT_FOUND',
    )
  })

  test('no request fails while the model is reloaded again and again', async () => {
    const models = [trainTinyModel(), trainTinyModel(['another version of the weights'])]
    let loads = 0
    const registry = new ModelRegistry([{ name: 'busy', path: 'busy.tsmodel' }], {
      load: async () => {
        await new Promise((resolve) => setTimeout(resolve, 1))
        return models[loads++ % 2] as (typeof models)[number]
      },
    })
    await registry.loadAll()
    const target = await app({ registry })
    // Rounds of one reload racing 29 classifications: each round starts on the other version, so
    // classifications see both whichever side of its round's swap they land on.
    type Response = Awaited<ReturnType<typeof post>>
    const reloads: Response[] = []
    const classifications: Response[] = []
    const rounds = 10
    for (let round = 0; round < rounds; round++) {
      const [reload, ...classified] = await Promise.all([
        post(target, '/v1/models/busy/reload', undefined),
        ...Array.from({ length: 29 }, (_, i) =>
          post(target, '/v1/classify', { text: SPORTS[i % SPORTS.length] }),
        ),
      ])
      reloads.push(reload as Response)
      classifications.push(...classified)
    }
    expect([...reloads, ...classifications].filter((response) => response.status !== 200)).toEqual([])
    expect(loads).toBe(1 + rounds)
    const versions = models.map((model) => model.metadata.version)
    expect(new Set(versions).size).toBe(2)
    // The loader alternates, starting from the second model after the initial load.
    expect(reloads.map((response) => response.body.version)).toEqual(
      Array.from({ length: rounds }, (_, i) => versions[(i + 1) % 2]),
    )
    expect(classifications).toHaveLength(rounds * 29)
    expect(new Set(classifications.map((response) => response.body.model.version))).toEqual(new Set(versions))
  })

  test('a reload that fails is 500 with the file error, and the old model keeps serving', async () => {
    const model = trainTinyModel()
    let loads = 0
    const registry = new ModelRegistry([{ name: 'm', path: 'm.tsmodel' }], {
      load: async () => {
        if (loads++ === 0) return model
        const { TopicstreamError } = await import('../../src/errors.js')
        throw new TopicstreamError('ERR_MODEL_FILE_INVALID', 'truncated')
      },
    })
    await registry.loadAll()
    const target = await app({ registry })
    const reload = await post(target, '/v1/models/m/reload', undefined)
    expect(reload.status).toBe(500)
    expect(reload.body.error.code).toBe('ERR_MODEL_FILE_INVALID')
    expect((await post(target, '/v1/classify', { text: 'hi' })).body.model.version).toBe(
      model.metadata.version,
    )
  })
})

describe('health, readiness and metrics', () => {
  test('/healthz is always ok; /readyz waits for every model and every extra check', async () => {
    let resolveLoad: (value: ReturnType<typeof trainTinyModel>) => void = () => undefined
    const registry = new ModelRegistry([{ name: 'slow', path: 'slow.tsmodel' }], {
      load: () => new Promise((resolve) => (resolveLoad = resolve)),
    })
    let kafka = false
    const target = await app({ registry, readiness: { kafka: () => kafka } })
    const loading = registry.loadAll()
    expect((await target.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    const notReady = await target.inject({ method: 'GET', url: '/readyz' })
    expect(notReady.statusCode).toBe(503)
    expect(notReady.json()).toEqual({ status: 'not_ready', checks: { models: false, kafka: false } })
    resolveLoad(trainTinyModel())
    await loading
    expect((await target.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503)
    kafka = true
    const ready = await target.inject({ method: 'GET', url: '/readyz' })
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toEqual({ status: 'ready', checks: { models: true, kafka: true } })
  })

  test('/metrics counts requests per route and status, classifications per label, and process metrics', async () => {
    const metrics = createMetrics()
    const target = await app({ metrics })
    await post(target, '/v1/classify', { text: SPORTS[0] })
    await post(target, '/v1/classify', { text: SPORTS[1] })
    await post(target, '/v1/classify', { text: 3 })
    const response = await target.inject({ method: 'GET', url: '/metrics' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^text\/plain/)
    const body = response.body
    expect(body).toContain(
      'topicstream_http_requests_total{method="POST",route="/v1/classify",status="200"} 2',
    )
    expect(body).toContain(
      'topicstream_http_requests_total{method="POST",route="/v1/classify",status="400"} 1',
    )
    expect(body).toMatch(
      /topicstream_http_request_duration_seconds_count\{method="POST",route="\/v1\/classify",status="200"\} 2/,
    )
    expect(body).toContain('topicstream_classifications_total{model="tiny",label="sports"} 2')
    expect(body).toMatch(
      /topicstream_model_info\{model="tiny",version="[0-9a-f]+",default="true",classes="3"\} 1/,
    )
    expect(body).toContain('topicstream_process_cpu_user_seconds_total')
  })

  test('unknown routes are 404 ERR_ROUTE_NOT_FOUND', async () => {
    const target = await app()
    const response = await target.inject({ method: 'GET', url: '/v2/anything' })
    expect(response.statusCode).toBe(404)
    expect(response.json().error.code).toBe('ERR_ROUTE_NOT_FOUND')
  })
})

describe('docs and benchmark routes', () => {
  test('Swagger UI at /docs and the document at /docs/json; off with docs: false', async () => {
    const target = await app()
    expect((await target.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(200)
    const document = (await target.inject({ method: 'GET', url: '/docs/json' })).json()
    expect(Object.keys(document.paths)).toContain('/v1/classify')
    const noDocs = await app({ config: { docs: false } })
    expect((await noDocs.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(404)
  })

  test('POST /v1/echo exists only with benchmark routes, with the classify body schema', async () => {
    const plain = await app()
    expect((await post(plain, '/v1/echo', { text: 'hi' })).status).toBe(404)
    const bench = await app({ config: { benchmarkRoutes: true } })
    const echo = await post(bench, '/v1/echo', { text: 'hi' })
    expect(echo.status).toBe(200)
    // The typical answer, its probabilities new in their last digits on every request.
    const typical = {
      ...ECHO_RESULT,
      confidence: expect.closeTo(ECHO_RESULT.confidence, 12),
      top_k: ECHO_RESULT.top_k.map(({ label, probability }) => ({
        label,
        probability: expect.closeTo(probability, 12),
      })),
    }
    expect(echo.body).toEqual(typical)
    // busy_us only spends time; a nonsense value is ignored.
    const answers = [echo.body.confidence]
    for (const busy of ['50', 'lots']) {
      const busyEcho = await post(bench, `/v1/echo?busy_us=${busy}`, { text: 'hi' })
      expect([busyEcho.status, busyEcho.body]).toEqual([200, typical])
      answers.push(busyEcho.body.confidence)
    }
    expect(new Set(answers).size).toBe(3)
    // The spin is CPU time of this process (inject runs the route in it): at least what was asked.
    const before = process.cpuUsage()
    await post(bench, '/v1/echo?busy_us=1000', { text: 'hi' })
    const used = process.cpuUsage(before)
    expect(used.user + used.system).toBeGreaterThanOrEqual(1000)
    expect((await post(bench, '/v1/echo', { text: 1 })).body.error.code).toBe('ERR_TEXT_INVALID')
    expect((await post(bench, '/v1/echo', { text: 'hi', extra: 1 })).body.error.code).toBe(
      'ERR_REQUEST_INVALID',
    )
  })
})
