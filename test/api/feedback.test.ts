/**
 * Feedback over REST and gRPC, with a sink that records what it was given: what is accepted, what
 * is refused (hostile and random bodies included) and with which code, the whole-batch refusal,
 * the server without Kafka, API keys, and the statistics both channels count into.
 */
import {
  Client,
  type ClientWritableStream,
  Metadata,
  type ServiceError,
  credentials,
  status,
} from '@grpc/grpc-js'
import type { FastifyInstance } from 'fastify'
import { afterAll, describe, expect, test } from 'vitest'
import type { ApiConfig } from '../../src/api/api-config.js'
import { type BuildAppOptions, buildApp } from '../../src/api/app.js'
import type { LearningControl } from '../../src/api/learning-control.js'
import {
  ClassifierClient,
  type FeedbackReply,
  FeedbackRequest,
} from '../../src/api/grpc/generated/topicstream/v1/classifier.js'
import { type GrpcServer, createGrpcServer } from '../../src/api/grpc/grpc-server.js'
import { createMetrics } from '../../src/api/metrics.js'
import { type RunningServer, startServer } from '../../src/api/server.js'
import { trainClassifier } from '../../src/engine/index.js'
import { ModelRegistry } from '../../src/engine/model-registry.js'
import { ERROR_CODES, TopicstreamError } from '../../src/errors.js'
import type { FeedbackItem } from '../../src/learning/feedback.js'
import type { LearningStatus } from '../../src/learning/model-learner.js'
import type { FeedbackSink } from '../../src/learning/feedback-sink.js'
import { createFeedbackStats } from '../../src/learning/feedback-stats.js'
import { tinyRegistry } from './helpers.js'

// --- fixtures --------------------------------------------------------------------------------------

interface RecordingSink extends FeedbackSink {
  /** Every submit, in order. */
  readonly batches: FeedbackItem[][]
  readonly items: () => FeedbackItem[]
  /** When set, submit fails with it. */
  failure: TopicstreamError | undefined
}

function recordingSink(): RecordingSink {
  const batches: FeedbackItem[][] = []
  const sink: RecordingSink = {
    batches,
    items: () => batches.flat(),
    failure: undefined,
    async submit(items) {
      if (sink.failure !== undefined) throw sink.failure
      batches.push([...items])
    },
  }
  return sink
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** A model trained on the integer labels 0, 1 and 2. */
function numericRegistry(): ModelRegistry {
  const model = trainClassifier(
    {
      texts: ['goal match team', 'phone chip software', 'pasta bread soup', 'match striker goal'],
      targets: [0, 1, 2, 0],
      classes: ['0', '1', '2'],
      labelType: 'number',
    },
    {},
    { source: 'inline:feedback-tests', fingerprint: 'feedback-tests' },
  )
  return new ModelRegistry([{ name: 'numeric', model }])
}

const apps: FastifyInstance[] = []
const grpcServers: GrpcServer[] = []
const clients: { close(): void }[] = []
const running: RunningServer[] = []
afterAll(async () => {
  for (const client of clients) client.close()
  await Promise.all([
    ...apps.map((app) => app.close()),
    ...grpcServers.map((server) => server.shutdown(1000)),
    ...running.map((server) => server.close(1000)),
  ])
})

/** A learning loop that only reports the status of the model "tiny". */
function learningWith(status: LearningStatus | undefined): LearningControl {
  return {
    versions: () => undefined,
    status: (name) => (name === 'tiny' ? status : undefined),
    promote: () => Promise.reject(new Error('not in this test')),
    rollback: () => Promise.reject(new Error('not in this test')),
  }
}

async function restApp(
  options: Partial<BuildAppOptions> = {},
): Promise<{ app: FastifyInstance; sink: RecordingSink }> {
  const sink = recordingSink()
  const app = await buildApp({ registry: tinyRegistry(), feedback: { sink }, ...options })
  apps.push(app)
  return { app, sink }
}

async function post(app: FastifyInstance, payload: unknown, headers: Record<string, string> = {}) {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/feedback',
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(payload),
  })
  return { status: response.statusCode, body: response.json(), headers: response.headers }
}

async function stats(app: FastifyInstance, headers: Record<string, string> = {}) {
  const response = await app.inject({ method: 'GET', url: '/v1/feedback/stats', headers })
  return { status: response.statusCode, body: response.json() }
}

// --- REST ----------------------------------------------------------------------------------------

describe('POST /v1/feedback', () => {
  test('one item: 202, an id made up, the default model named; the sink gets the item', async () => {
    const { app, sink } = await restApp()
    const { status: code, body } = await post(app, { text: 'the striker scored', label: 'sports' })
    expect(code).toBe(202)
    expect(body).toEqual({
      accepted: 1,
      items: [{ id: expect.stringMatching(UUID), label: 'sports', model: 'tiny' }],
    })
    expect(sink.batches).toEqual([
      [{ id: body.items[0].id, text: 'the striker scored', label: 'sports', model: 'tiny' }],
    ])
  })

  test('labels are limited to 256 bytes, or to the limit the server was given', async () => {
    const label = 'l'.repeat(300)
    const strict = await restApp()
    const refused = await post(strict.app, { text: 'goal', label })
    expect(refused.status).toBe(400)
    expect(refused.body.error.code).toBe('ERR_LABEL_INVALID')
    const sink = recordingSink()
    const { app } = await restApp({ feedback: { sink, maxLabelBytes: 400 } })
    expect((await post(app, { text: 'goal', label })).status).toBe(202)
    expect(sink.items().map((item) => item.label)).toEqual([label])
  })

  test('keeps the id and model sent; a new class name is fine', async () => {
    const { app, sink } = await restApp()
    const item = { id: 'tweet-42', text: 'quantum chips', label: 'science', model: 'other' }
    const { status: code, body } = await post(app, item)
    expect(code).toBe(202)
    expect(body.items).toEqual([{ id: 'tweet-42', label: 'science', model: 'other' }])
    expect(sink.items()).toEqual([item])
  })

  test('a batch is written in one submit, in order, each item with its own id', async () => {
    const { app, sink } = await restApp()
    const items = [
      { text: 'a late goal', label: 'sports' },
      { text: 'new laptop', label: 'tech', id: 'mine' },
      { text: 'fresh pasta', label: 'food', model: 'other' },
    ]
    const { status: code, body } = await post(app, { items })
    expect(code).toBe(202)
    expect(body.accepted).toBe(3)
    expect(body.items.map((item: { label: string }) => item.label)).toEqual(['sports', 'tech', 'food'])
    expect(body.items[1].id).toBe('mine')
    expect(body.items[0].id).toMatch(UUID)
    expect(body.items[2].id).toMatch(UUID)
    expect(body.items[0].id).not.toBe(body.items[2].id)
    expect(sink.batches).toHaveLength(1)
    expect(sink.items().map(({ text, model }) => [text, model])).toEqual([
      ['a late goal', 'tiny'],
      ['new laptop', 'tiny'],
      ['fresh pasta', 'other'],
    ])
  })

  test('a model of numeric labels takes integers and their names; a model of names refuses integers', async () => {
    const { app, sink } = await restApp({ registry: numericRegistry() })
    const accepted = await post(app, {
      items: [
        { text: 'goal', label: 2 },
        { text: 'chip', label: '1' },
      ],
    })
    expect(accepted.status).toBe(202)
    expect(accepted.body.items.map((item: { label: unknown }) => item.label)).toEqual([2, '1'])
    expect(sink.items().map(({ label }) => label)).toEqual([2, '1'])
    expect((await post(app, { text: 'goal', label: 'sports' })).body.error.code).toBe(
      'ERR_MODEL_LABEL_UNKNOWN',
    )

    const named = await restApp()
    const refused = await post(named.app, { text: 'goal', label: 2 })
    expect(refused.status).toBe(400)
    expect(refused.body.error.code).toBe('ERR_MODEL_LABEL_UNKNOWN')
  })

  const BAD_ITEMS: ReadonlyArray<[string, unknown, number, string]> = [
    ['no text', { label: 'sports' }, 400, 'ERR_TEXT_INVALID'],
    ['an empty text', { text: '', label: 'sports' }, 400, 'ERR_TEXT_INVALID'],
    ['a blank text', { text: ' \n\t ', label: 'sports' }, 400, 'ERR_TEXT_INVALID'],
    ['a number as text', { text: 42, label: 'sports' }, 400, 'ERR_TEXT_INVALID'],
    ['a text with a lone surrogate', { text: 'goal \ud800', label: 'sports' }, 400, 'ERR_TEXT_INVALID'],
    ['no label', { text: 'goal' }, 400, 'ERR_LABEL_INVALID'],
    ['an empty label', { text: 'goal', label: '' }, 400, 'ERR_LABEL_INVALID'],
    ['a blank label', { text: 'goal', label: '   ' }, 400, 'ERR_LABEL_INVALID'],
    ['a null label', { text: 'goal', label: null }, 400, 'ERR_LABEL_INVALID'],
    ['a float label', { text: 'goal', label: 2.5 }, 400, 'ERR_LABEL_INVALID'],
    ['a huge number as label', { text: 'goal', label: 1e300 }, 400, 'ERR_LABEL_INVALID'],
    ['an object as label', { text: 'goal', label: { name: 'sports' } }, 400, 'ERR_LABEL_INVALID'],
    ['an array as label', { text: 'goal', label: ['sports'] }, 400, 'ERR_LABEL_INVALID'],
    ['a boolean label', { text: 'goal', label: true }, 400, 'ERR_LABEL_INVALID'],
    ['a label of 257 bytes', { text: 'goal', label: 'x'.repeat(257) }, 400, 'ERR_LABEL_INVALID'],
    [
      'a label of 129 two-byte characters',
      { text: 'goal', label: 'é'.repeat(129) },
      400,
      'ERR_LABEL_INVALID',
    ],
    ['a label with a lone surrogate', { text: 'goal', label: 'sp\udc00rts' }, 400, 'ERR_LABEL_INVALID'],
    ['a number as id', { text: 'goal', label: 'sports', id: 42 }, 400, 'ERR_REQUEST_INVALID'],
    [
      'an id of 513 bytes',
      { text: 'goal', label: 'sports', id: 'i'.repeat(513) },
      400,
      'ERR_REQUEST_INVALID',
    ],
    [
      'an id with a lone surrogate',
      { text: 'goal', label: 'sports', id: '\ud83d' },
      400,
      'ERR_REQUEST_INVALID',
    ],
    ['a null id', { text: 'goal', label: 'sports', id: null }, 400, 'ERR_REQUEST_INVALID'],
    ['a number as model', { text: 'goal', label: 'sports', model: 7 }, 400, 'ERR_REQUEST_INVALID'],
    ['an unknown field', { text: 'goal', label: 'sports', weight: 2 }, 400, 'ERR_REQUEST_INVALID'],
    [
      'constructor as a field',
      { text: 'goal', label: 'sports', constructor: 'x' },
      400,
      'ERR_REQUEST_INVALID',
    ],
    ['a null model', { text: 'goal', label: 'sports', model: null }, 400, 'ERR_REQUEST_INVALID'],
    ['an unknown model', { text: 'goal', label: 'sports', model: 'nope' }, 404, 'ERR_MODEL_NOT_FOUND'],
    ['a text over the limit', { text: 'x'.repeat(65), label: 'sports' }, 413, 'ERR_TEXT_TOO_LARGE'],
    ['a number as body', 42, 400, 'ERR_REQUEST_INVALID'],
    ['a string as body', 'goal', 400, 'ERR_REQUEST_INVALID'],
    ['null as body', null, 400, 'ERR_REQUEST_INVALID'],
    ['an array as body', [{ text: 'goal', label: 'sports' }], 400, 'ERR_REQUEST_INVALID'],
  ]

  test.each(BAD_ITEMS)(
    'refuses %s, alone and in a batch (naming its index)',
    async (_, item, code, errorCode) => {
      const { app, sink } = await restApp({ config: { maxTextBytes: 64 } })
      const alone = await post(app, item)
      expect(alone.status).toBe(code)
      expect(alone.body).toEqual({ error: { code: errorCode, message: expect.any(String) } })

      const good = { text: 'a late goal', label: 'sports' }
      const batch = await post(app, { items: [good, good, item, good] })
      expect(batch.status).toBe(code)
      expect(batch.body.error.code).toBe(errorCode)
      expect(batch.body.error.message).toMatch(/^items\[2\]: /)
      expect(sink.batches).toEqual([])
    },
  )

  test('a body with a __proto__ key is refused by the JSON parser', async () => {
    const { app, sink } = await restApp()
    const response = await app.inject({
      method: 'POST',
      url: '/v1/feedback',
      headers: { 'content-type': 'application/json' },
      payload: '{"text":"goal","label":"sports","__proto__":{"label":"x"}}',
    })
    expect(response.statusCode).toBe(400)
    expect(response.json().error.code).toBe('ERR_REQUEST_INVALID')
    expect(sink.batches).toEqual([])
  })

  test('refuses malformed batches', async () => {
    const { app, sink } = await restApp({ config: { maxBatch: 3 } })
    const item = { text: 'goal', label: 'sports' }
    const cases: ReadonlyArray<[unknown, number, string]> = [
      [{ items: [] }, 400, 'ERR_REQUEST_INVALID'],
      [{ items: item }, 400, 'ERR_REQUEST_INVALID'],
      [{ items: null }, 400, 'ERR_REQUEST_INVALID'],
      [{ items: [item], text: 'goal' }, 400, 'ERR_REQUEST_INVALID'],
      [{ items: [item, 'goal'] }, 400, 'ERR_REQUEST_INVALID'],
      [{ items: [item, [item]] }, 400, 'ERR_REQUEST_INVALID'],
      [{ items: [item, item, item, item] }, 413, 'ERR_BATCH_TOO_LARGE'],
    ]
    for (const [body, code, errorCode] of cases) {
      const answer = await post(app, body)
      expect([answer.status, answer.body.error?.code], JSON.stringify(body)).toEqual([code, errorCode])
    }
    expect((await post(app, { items: [item, item, item] })).status).toBe(202)
    expect(sink.batches).toHaveLength(1)
  })

  test('invalid UTF-8 in the body is refused before parsing (ERR_TEXT_NOT_UTF8)', async () => {
    const { app, sink } = await restApp()
    const payload = Buffer.concat([
      Buffer.from('{"text":"caf'),
      Buffer.from([0xa9]),
      Buffer.from('","label":"food"}'),
    ])
    const response = await app.inject({
      method: 'POST',
      url: '/v1/feedback',
      headers: { 'content-type': 'application/json' },
      payload,
    })
    expect(response.statusCode).toBe(400)
    expect(response.json().error.code).toBe('ERR_TEXT_NOT_UTF8')
    expect(sink.batches).toEqual([])
  })

  test('a server without Kafka refuses feedback with 503 ERR_FEEDBACK_UNAVAILABLE', async () => {
    const app = await buildApp({ registry: tinyRegistry() })
    apps.push(app)
    const { status: code, body } = await post(app, { text: 'goal', label: 'sports' })
    expect(code).toBe(503)
    expect(body.error.code).toBe('ERR_FEEDBACK_UNAVAILABLE')
    expect(body.error.message).toMatch(/Kafka/)
    expect(body.error.message).toMatch(/serve --bridge/)
    expect((await stats(app)).body).toEqual({
      accepted: 0,
      refused: 0,
      labels: {},
      otherLabels: 0,
      refusedByCode: {},
    })
  })

  test('a failed write is 503 with the Kafka code, retry-after when retrying may work', async () => {
    const { app, sink } = await restApp()
    sink.failure = new TopicstreamError('ERR_KAFKA_UNAVAILABLE', 'no broker', { canRetry: true })
    const unavailable = await post(app, {
      items: [
        { text: 'goal', label: 'sports' },
        { text: 'chip', label: 'tech' },
      ],
    })
    expect(unavailable.status).toBe(503)
    expect(unavailable.body.error.code).toBe('ERR_KAFKA_UNAVAILABLE')
    expect(unavailable.headers['retry-after']).toBe('1')
    sink.failure = new TopicstreamError('ERR_KAFKA_PRODUCE_FAILED', 'refused')
    const failed = await post(app, { text: 'goal', label: 'sports' })
    expect(failed.status).toBe(503)
    expect(failed.body.error.code).toBe('ERR_KAFKA_PRODUCE_FAILED')
    expect(failed.headers['retry-after']).toBeUndefined()
    expect((await stats(app)).body).toMatchObject({
      accepted: 0,
      refused: 3,
      refusedByCode: { ERR_KAFKA_UNAVAILABLE: 2, ERR_KAFKA_PRODUCE_FAILED: 1 },
    })
  })

  test('with API keys on, both routes need a key', async () => {
    const { app, sink } = await restApp({ config: { apiKeys: ['feedback-key'] } })
    const item = { text: 'goal', label: 'sports' }
    expect((await post(app, item)).status).toBe(401)
    expect((await post(app, item, { authorization: 'Bearer wrong' })).status).toBe(401)
    expect((await stats(app)).status).toBe(401)
    expect(sink.batches).toEqual([])
    expect((await post(app, item, { authorization: 'Bearer feedback-key' })).status).toBe(202)
    expect((await stats(app, { authorization: 'Bearer feedback-key' })).body.accepted).toBe(1)
  })

  test('the rate limit covers feedback', async () => {
    const { app } = await restApp({ config: { rateLimit: 2 } })
    const item = { text: 'goal', label: 'sports' }
    const answers = [await post(app, item), await post(app, item), await post(app, item)]
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 429])
  })

  test('random and hostile bodies get 202 or a documented 4xx with the error body, never a 5xx', async () => {
    const { app } = await restApp({ config: { maxTextBytes: 200, maxBatch: 8 } })
    const random = seededRandom(20240601)
    const documented = new Set([400, 404, 413])
    const seen = new Set<number>()
    for (let i = 0; i < 400; i++) {
      const body = randomBody(random)
      const answer = await post(app, body)
      seen.add(answer.status)
      if (answer.status === 202) {
        expect(answer.body.accepted).toBeGreaterThan(0)
        continue
      }
      expect(documented.has(answer.status), `${answer.status} for ${JSON.stringify(body)}`).toBe(true)
      expect(answer.body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } })
      expect(Object.keys(ERROR_CODES)).toContain(answer.body.error.code)
    }
    // The generator reaches both outcomes, or it tests nothing.
    expect(seen.has(202)).toBe(true)
    expect(seen.has(400)).toBe(true)
  })
})

describe('GET /v1/feedback/stats', () => {
  test('counts accepted items per label and refused items per code; the learner figures when given', async () => {
    const status = { model: 'news', live: { version: 'v1' } } as unknown as LearningStatus
    const { app } = await restApp({ learning: learningWith(status) })
    await post(app, {
      items: [
        { text: 'a', label: 'sports' },
        { text: 'b', label: 'sports' },
        { text: 'c', label: 'tech' },
      ],
    })
    await post(app, { text: 'goal', label: '' })
    await post(app, {
      items: [
        { text: 'a', label: 'x' },
        { text: 'b', label: 'y', model: 'nope' },
      ],
    })
    const { status: code, body } = await stats(app)
    expect(code).toBe(200)
    expect(body).toEqual({
      accepted: 3,
      refused: 3,
      labels: { sports: 2, tech: 1 },
      otherLabels: 0,
      refusedByCode: { ERR_LABEL_INVALID: 1, ERR_MODEL_NOT_FOUND: 2 },
      learner: { tiny: status },
    })
  })

  test('leaves out `learner` while the learner has nothing to say', async () => {
    const { app } = await restApp({ learning: learningWith(undefined) })
    expect(Object.keys((await stats(app)).body)).not.toContain('learner')
  })

  test('a label such as __proto__ is counted like any other', async () => {
    const { app } = await restApp()
    await post(app, {
      items: [
        { text: 'a', label: '__proto__' },
        { text: 'b', label: 'constructor' },
      ],
    })
    expect((await stats(app)).body.labels).toEqual(JSON.parse('{"__proto__":1,"constructor":1}'))
  })

  test('/metrics counts feedback items by channel, outcome and code', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    const { app } = await restApp({ metrics })
    await post(app, {
      items: [
        { text: 'a', label: 'sports' },
        { text: 'b', label: 'tech' },
      ],
    })
    await post(app, { text: 'a', label: 2.5 })
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
    expect(text).toContain('topicstream_feedback_items_total{channel="rest",outcome="accepted",code=""} 2')
    expect(text).toContain(
      'topicstream_feedback_items_total{channel="rest",outcome="refused",code="ERR_LABEL_INVALID"} 1',
    )
  })
})

// --- gRPC ----------------------------------------------------------------------------------------

const TRAILER = 'topicstream-error-code'
const ACCEPTED = 'topicstream-feedback-accepted'

async function grpcServer(
  options: { config?: Partial<ApiConfig>; sink?: FeedbackSink | null; registry?: ModelRegistry } = {},
) {
  const sink = options.sink === undefined ? recordingSink() : options.sink
  const stats = createFeedbackStats()
  const server = createGrpcServer({
    registry: options.registry ?? tinyRegistry(),
    config: options.config ?? {},
    ...(sink === null ? {} : { feedback: { sink, stats } }),
  })
  grpcServers.push(server)
  const port = await server.listen('127.0.0.1', 0)
  const client = new ClassifierClient(`127.0.0.1:${port}`, credentials.createInsecure())
  clients.push(client)
  return { client, stats, port }
}

function feedback(
  client: ClassifierClient,
  request: Partial<FeedbackRequest>,
  metadata = new Metadata(),
): Promise<{ reply?: FeedbackReply; error?: ServiceError }> {
  return new Promise((resolve) => {
    client.feedback(FeedbackRequest.create(request), metadata, (error, reply) =>
      resolve(error ? { error } : { reply }),
    )
  })
}

function feedbackStream(
  client: ClassifierClient,
  requests: readonly Partial<FeedbackRequest>[],
  metadata = new Metadata(),
): Promise<{ reply?: FeedbackReply; error?: ServiceError }> {
  return new Promise((resolve) => {
    const call: ClientWritableStream<FeedbackRequest> = client.feedbackStream(metadata, (error, reply) =>
      resolve(error ? { error } : { reply }),
    )
    for (const request of requests) call.write(FeedbackRequest.create(request))
    call.end()
  })
}

describe('gRPC Feedback', () => {
  test('one item: the reply names it; the sink gets it with the label as a string', async () => {
    const sink = recordingSink()
    const { client, stats: counted } = await grpcServer({ sink })
    const { reply, error } = await feedback(client, { text: 'the striker scored', label: 'sports' })
    expect(error).toBeUndefined()
    expect(reply).toEqual({
      accepted: 1,
      items: [{ id: expect.stringMatching(UUID), label: 'sports', model: 'tiny' }],
    })
    expect(sink.items()).toEqual([
      { id: reply?.items[0]?.id, text: 'the striker scored', label: 'sports', model: 'tiny' },
    ])
    expect(counted.snapshot()).toMatchObject({ accepted: 1, labels: { sports: 1 } })
  })

  test('a model of numeric labels takes "2"', async () => {
    const sink = recordingSink()
    const { client } = await grpcServer({ sink, registry: numericRegistry() })
    const { reply } = await feedback(client, { id: 'n1', text: 'goal', label: '2' })
    expect(reply?.items).toEqual([{ id: 'n1', label: '2', model: 'numeric' }])
    expect(sink.items()[0]?.label).toBe('2')
  })

  test('bad items are refused with their status and code in the trailer', async () => {
    const sink = recordingSink()
    const { client, stats: counted } = await grpcServer({ sink, config: { maxTextBytes: 64 } })
    const cases: ReadonlyArray<[Partial<FeedbackRequest>, status, string]> = [
      [{ label: 'sports' }, status.INVALID_ARGUMENT, 'ERR_TEXT_INVALID'],
      [{ text: 'goal' }, status.INVALID_ARGUMENT, 'ERR_LABEL_INVALID'],
      [{ text: 'goal', label: '  ' }, status.INVALID_ARGUMENT, 'ERR_LABEL_INVALID'],
      [{ text: 'goal', label: 'x'.repeat(257) }, status.INVALID_ARGUMENT, 'ERR_LABEL_INVALID'],
      [{ text: 'x'.repeat(65), label: 'sports' }, status.INVALID_ARGUMENT, 'ERR_TEXT_TOO_LARGE'],
      [
        { text: 'goal', label: 'sports', id: 'i'.repeat(513) },
        status.INVALID_ARGUMENT,
        'ERR_REQUEST_INVALID',
      ],
      [{ text: 'goal', label: 'sports', model: 'nope' }, status.NOT_FOUND, 'ERR_MODEL_NOT_FOUND'],
    ]
    for (const [request, code, errorCode] of cases) {
      const { error } = await feedback(client, request)
      expect([error?.code, error?.metadata.get(TRAILER)], JSON.stringify(request)).toEqual([
        code,
        [errorCode],
      ])
    }
    expect(sink.batches).toEqual([])
    expect(counted.snapshot().refused).toBe(cases.length)
  })

  test('a label or text that is not UTF-8 is refused with ERR_TEXT_NOT_UTF8', async () => {
    const sink = recordingSink()
    const { port } = await grpcServer({ sink })
    const raw = new Client(`127.0.0.1:${port}`, credentials.createInsecure())
    clients.push(raw)
    const field = (number: number, bytes: Buffer): Buffer =>
      Buffer.concat([Buffer.from([number * 8 + 2, bytes.length]), bytes])
    const notUtf8 = Buffer.from([0x63, 0x61, 0x66, 0xa9])
    for (const bytes of [
      Buffer.concat([field(2, Buffer.from('goal')), field(3, notUtf8)]),
      Buffer.concat([field(2, notUtf8), field(3, Buffer.from('food'))]),
    ]) {
      const error = await new Promise<ServiceError | null>((resolve) => {
        raw.makeUnaryRequest(
          '/topicstream.v1.Classifier/Feedback',
          (value: Buffer) => value,
          (value: Buffer) => value,
          bytes,
          new Metadata(),
          (failure) => resolve(failure),
        )
      })
      expect(error?.code).toBe(status.INVALID_ARGUMENT)
      expect(error?.metadata.get(TRAILER)).toEqual(['ERR_TEXT_NOT_UTF8'])
    }
    expect(sink.batches).toEqual([])
  })

  test('without a sink: FAILED_PRECONDITION with ERR_FEEDBACK_UNAVAILABLE', async () => {
    const { client } = await grpcServer({ sink: null })
    const unary = await feedback(client, { text: 'goal', label: 'sports' })
    expect(unary.error?.code).toBe(status.FAILED_PRECONDITION)
    expect(unary.error?.metadata.get(TRAILER)).toEqual(['ERR_FEEDBACK_UNAVAILABLE'])
    const streamed = await feedbackStream(client, [{ text: 'goal', label: 'sports' }])
    expect(streamed.error?.code).toBe(status.FAILED_PRECONDITION)
    expect(streamed.error?.metadata.get(TRAILER)).toEqual(['ERR_FEEDBACK_UNAVAILABLE'])
  })

  test('a Kafka failure is UNAVAILABLE with the Kafka code', async () => {
    const sink = recordingSink()
    sink.failure = new TopicstreamError('ERR_KAFKA_PRODUCE_FAILED', 'refused')
    const { client } = await grpcServer({ sink })
    const { error } = await feedback(client, { text: 'goal', label: 'sports' })
    expect(error?.code).toBe(status.UNAVAILABLE)
    expect(error?.metadata.get(TRAILER)).toEqual(['ERR_KAFKA_PRODUCE_FAILED'])
  })

  test('with API keys on, both calls need the key', async () => {
    const sink = recordingSink()
    const { client } = await grpcServer({ sink, config: { apiKeys: ['grpc-key'] } })
    const item = { text: 'goal', label: 'sports' }
    for (const outcome of [await feedback(client, item), await feedbackStream(client, [item])]) {
      expect(outcome.error?.code).toBe(status.UNAUTHENTICATED)
      expect(outcome.error?.metadata.get(TRAILER)).toEqual(['ERR_UNAUTHENTICATED'])
    }
    expect(sink.batches).toEqual([])
    const keyed = new Metadata()
    keyed.set('authorization', 'Bearer grpc-key')
    expect((await feedback(client, item, keyed)).reply?.accepted).toBe(1)
    expect((await feedbackStream(client, [item, item], keyed)).reply?.accepted).toBe(2)
  })
})

describe('gRPC FeedbackStream', () => {
  test('accepts every item in order and replies with them all', async () => {
    const sink = recordingSink()
    const { client } = await grpcServer({ sink, config: { maxBatch: 4 } })
    const requests = Array.from({ length: 25 }, (_, i) => ({
      id: `s${i}`,
      text: `text number ${i}`,
      label: ['sports', 'tech', 'food'][i % 3] as string,
    }))
    const { reply, error } = await feedbackStream(client, requests)
    expect(error).toBeUndefined()
    expect(reply?.accepted).toBe(25)
    expect(reply?.items.map(({ id }) => id)).toEqual(requests.map(({ id }) => id))
    expect(sink.items().map(({ id, text, label }) => ({ id, text, label }))).toEqual(requests)
    // Items held back while a write is under way go out together, never more than maxBatch.
    expect(Math.max(...sink.batches.map((batch) => batch.length))).toBeLessThanOrEqual(4)
  })

  test('the reply lists the first items that fit in a message, and counts them all', async () => {
    const sink = recordingSink()
    const { client } = await grpcServer({ sink, config: { grpcMaxMessageBytes: 4096 } })
    const requests = Array.from({ length: 300 }, (_, i) => ({
      id: `item-${i}`,
      text: 'goal',
      label: 'sports',
    }))
    const { reply, error } = await feedbackStream(client, requests)
    expect(error).toBeUndefined()
    expect(reply?.accepted).toBe(300)
    const listed = reply?.items.length ?? 0
    expect(listed).toBeGreaterThan(0)
    expect(listed).toBeLessThan(300)
    expect(reply?.items.map(({ id }) => id)).toEqual(requests.slice(0, listed).map(({ id }) => id))
    expect(sink.items()).toHaveLength(300)
  })

  test('an empty stream is answered with nothing accepted', async () => {
    const { client } = await grpcServer()
    expect((await feedbackStream(client, [])).reply).toEqual({ accepted: 0, items: [] })
  })

  test('the first bad item ends the call after the items before it were accepted', async () => {
    const sink = recordingSink()
    const { client, stats: counted } = await grpcServer({ sink })
    const good = (id: string) => ({ id, text: 'a late goal', label: 'sports' })
    const { reply, error } = await feedbackStream(client, [
      good('g1'),
      good('g2'),
      good('g3'),
      { id: 'bad', text: 'goal', label: '' },
      good('after'),
    ])
    expect(reply).toBeUndefined()
    expect(error?.code).toBe(status.INVALID_ARGUMENT)
    expect(error?.metadata.get(TRAILER)).toEqual(['ERR_LABEL_INVALID'])
    expect(error?.metadata.get(ACCEPTED)).toEqual(['3'])
    expect(sink.items().map(({ id }) => id)).toEqual(['g1', 'g2', 'g3'])
    expect(counted.snapshot()).toMatchObject({ accepted: 3, refused: 1 })
  })

  test('a Kafka failure ends the call with the Kafka code and how many were accepted', async () => {
    const sink = recordingSink()
    sink.failure = new TopicstreamError('ERR_KAFKA_UNAVAILABLE', 'no broker', { canRetry: true })
    const { client } = await grpcServer({ sink })
    const { error } = await feedbackStream(client, [{ text: 'goal', label: 'sports' }])
    expect(error?.code).toBe(status.UNAVAILABLE)
    expect(error?.metadata.get(TRAILER)).toEqual(['ERR_KAFKA_UNAVAILABLE'])
    expect(error?.metadata.get(ACCEPTED)).toEqual(['0'])
  })
})

describe('one server, both channels', () => {
  test('REST and gRPC write to the same sink and count into the same statistics', async () => {
    const sink = recordingSink()
    const server = await startServer({
      registry: tinyRegistry(),
      host: '127.0.0.1',
      port: 0,
      grpcPort: 0,
      feedback: { sink },
      metrics: createMetrics({ defaultMetrics: false }),
    })
    running.push(server)
    const client = new ClassifierClient(`127.0.0.1:${server.grpcPort}`, credentials.createInsecure())
    clients.push(client)
    await post(server.app, { id: 'r1', text: 'goal', label: 'sports' })
    await feedback(client, { id: 'g1', text: 'chip', label: 'tech' })
    await feedbackStream(client, [{ id: 'g2', text: 'soup', label: 'food' }])
    expect(sink.items().map(({ id }) => id)).toEqual(['r1', 'g1', 'g2'])
    expect((await stats(server.app)).body).toMatchObject({
      accepted: 3,
      labels: { sports: 1, tech: 1, food: 1 },
    })
    const text = (await server.app.inject({ method: 'GET', url: '/metrics' })).body
    expect(text).toContain('topicstream_feedback_items_total{channel="grpc",outcome="accepted",code=""} 2')
  })
})

// --- random bodies -------------------------------------------------------------------------------

type Random = () => number

/** mulberry32: the same bodies on every run, so a failure can be replayed. */
function seededRandom(seed: number): Random {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const pick = <T>(random: Random, values: readonly T[]): T => values[Math.floor(random() * values.length)] as T

const STRINGS = [
  '',
  ' ',
  'sports',
  'tech',
  'tiny',
  'other',
  'the striker scored a late goal',
  'é'.repeat(90),
  'x'.repeat(300),
  '\u0000\u001f',
  '\ud800',
  'a\udfffb',
  '😀 emoji',
  '__proto__',
  'constructor',
  '2',
  '-0',
  'null',
  '<script>',
  '\u202e right to left',
]
const NUMBERS = [0, -1, 2, 2.5, -0.5, 1e21, -1e300, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 3.0]

function randomScalar(random: Random): unknown {
  const roll = random()
  if (roll < 0.45) return pick(random, STRINGS)
  if (roll < 0.7) return pick(random, NUMBERS)
  if (roll < 0.8) return random() < 0.5
  if (roll < 0.9) return null
  return random() < 0.5 ? [pick(random, STRINGS)] : { label: pick(random, STRINGS) }
}

function randomValue(random: Random, depth: number): unknown {
  if (depth <= 0 || random() < 0.5) return randomScalar(random)
  if (random() < 0.5)
    return Array.from({ length: Math.floor(random() * 3) }, () => randomValue(random, depth - 1))
  const out: Record<string, unknown> = {}
  for (let i = Math.floor(random() * 4); i > 0; i--)
    out[pick(random, STRINGS)] = randomValue(random, depth - 1)
  return out
}

function randomItem(random: Random): unknown {
  if (random() < 0.1) return randomValue(random, 2)
  const item: Record<string, unknown> = {}
  const field = (name: string, usual: () => unknown, odds: number) => {
    const roll = random()
    if (roll < odds) item[name] = usual()
    else if (roll < odds + (1 - odds) / 2) item[name] = randomValue(random, 2)
  }
  field('text', () => pick(random, ['a late goal', 'new phone', 'fresh pasta', '😀 text']), 0.75)
  field('label', () => pick(random, ['sports', 'tech', 'food', 'science', '😀']), 0.75)
  field('id', () => `id-${Math.floor(random() * 1e6)}`, 0.3)
  field('model', () => pick(random, ['tiny', 'other', 'missing']), 0.3)
  if (random() < 0.05) item[pick(random, STRINGS)] = randomValue(random, 1)
  return item
}

function randomBody(random: Random): unknown {
  const roll = random()
  if (roll < 0.1) return randomValue(random, 3)
  if (roll < 0.55) return randomItem(random)
  const items = Array.from({ length: Math.floor(random() * 10) }, () => randomItem(random))
  return random() < 0.9 ? { items } : { items, [pick(random, STRINGS)]: randomValue(random, 1) }
}
