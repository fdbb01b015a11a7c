/**
 * POST /v1/models/{name}/promote and /rollback, and the `learning` part of GET /v1/models/{name}:
 * the routes over a recording learning loop (the loop itself runs against Kafka in
 * test/learner/).
 */
import type { FastifyInstance } from 'fastify'
import { afterAll, describe, expect, test } from 'vitest'
import { buildApp } from '../../src/api/app.js'
import type { LearningControl, ModelVersions } from '../../src/api/learning-control.js'
import { TopicstreamError } from '../../src/errors.js'
import { DEFAULT_LEARNING_SETTINGS } from '../../src/learning/settings.js'
import { ModelLearner } from '../../src/learning/model-learner.js'
import { tinyRegistry, trainTinyModel } from './helpers.js'

const apps: FastifyInstance[] = []
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()))
})

interface Recorded {
  promoted: string[]
  rolledBack: string[]
}

function recordingLoop(versions: ModelVersions | undefined): LearningControl & Recorded {
  const learner = new ModelLearner('tiny', trainTinyModel(), DEFAULT_LEARNING_SETTINGS)
  const loop = {
    promoted: [] as string[],
    rolledBack: [] as string[],
    versions: (name: string) => (name === 'tiny' ? versions : undefined),
    status: (name: string) => (name === 'tiny' ? learner.status(new Date(0)) : undefined),
    async promote(name: string) {
      loop.promoted.push(name)
      return { requestId: `request-${loop.promoted.length}` }
    },
    async rollback(name: string) {
      const previous = versions?.history[0]
      if (versions === undefined || previous === undefined) {
        throw new TopicstreamError('ERR_PROMOTION_REFUSED', `Model "${name}" has no earlier version`)
      }
      loop.rolledBack.push(name)
      return { version: previous, previous: versions.current }
    },
  }
  return loop
}

async function app(learning: LearningControl | undefined, apiKeys: string[] = []) {
  const built = await buildApp({
    registry: tinyRegistry(),
    config: { apiKeys },
    ...(learning ? { learning } : {}),
  })
  apps.push(built)
  return built
}

const VERSIONS: ModelVersions = {
  current: 'v2',
  history: ['v1'],
  action: 'promote',
  at: '2026-01-01T00:00:00.000Z',
}

describe('promote and rollback', () => {
  test('promote asks the loop and answers 202 with the request id', async () => {
    const loop = recordingLoop(VERSIONS)
    const server = await app(loop)
    const response = await server.inject({ method: 'POST', url: '/v1/models/tiny/promote' })
    expect(response.statusCode).toBe(202)
    expect(response.json()).toEqual({ model: 'tiny', requestId: 'request-1' })
    expect(loop.promoted).toEqual(['tiny'])
  })

  test('rollback answers with the version now current and the one left', async () => {
    const loop = recordingLoop(VERSIONS)
    const server = await app(loop)
    const response = await server.inject({ method: 'POST', url: '/v1/models/tiny/rollback' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ model: 'tiny', version: 'v1', previous: 'v2' })
  })

  test('a rollback with no earlier version is 409 ERR_PROMOTION_REFUSED', async () => {
    const server = await app(recordingLoop({ ...VERSIONS, history: [] }))
    const response = await server.inject({ method: 'POST', url: '/v1/models/tiny/rollback' })
    expect(response.statusCode).toBe(409)
    expect(response.json().error.code).toBe('ERR_PROMOTION_REFUSED')
  })

  test('without a learning loop both are 409, and an unknown model is 404 first', async () => {
    const server = await app(undefined)
    for (const action of ['promote', 'rollback']) {
      const refused = await server.inject({ method: 'POST', url: `/v1/models/tiny/${action}` })
      expect(refused.statusCode).toBe(409)
      expect(refused.json().error.code).toBe('ERR_PROMOTION_REFUSED')
      const unknown = await server.inject({ method: 'POST', url: `/v1/models/nope/${action}` })
      expect(unknown.statusCode).toBe(404)
      expect(unknown.json().error.code).toBe('ERR_MODEL_NOT_FOUND')
    }
  })

  test('with API keys on, both need a key: 401 without it, and nothing is asked of the loop', async () => {
    const loop = recordingLoop(VERSIONS)
    const server = await app(loop, ['secret-key'])
    for (const action of ['promote', 'rollback']) {
      const refused = await server.inject({ method: 'POST', url: `/v1/models/tiny/${action}` })
      expect(refused.statusCode).toBe(401)
      expect(refused.json().error.code).toBe('ERR_UNAUTHENTICATED')
      const wrong = await server.inject({
        method: 'POST',
        url: `/v1/models/tiny/${action}`,
        headers: { authorization: 'Bearer not-the-key' },
      })
      expect(wrong.statusCode).toBe(401)
    }
    expect(loop.promoted).toEqual([])
    expect(loop.rolledBack).toEqual([])
    const allowed = await server.inject({
      method: 'POST',
      url: '/v1/models/tiny/promote',
      headers: { authorization: 'Bearer secret-key' },
    })
    expect(allowed.statusCode).toBe(202)
  })
})

describe('GET /v1/models/{name}', () => {
  test('carries the versions and the learner figures when the server takes part in the loop', async () => {
    const server = await app(recordingLoop(VERSIONS))
    const body = (await server.inject({ method: 'GET', url: '/v1/models/tiny' })).json()
    expect(body.learning.versions).toEqual(VERSIONS)
    expect(body.learning.status).toMatchObject({
      model: 'tiny',
      live: { version: body.version, heldOutAccuracy: null, heldOutItems: 0 },
      candidate: { learnt: 0, classes: body.classes.length },
      gate: { open: false, reason: 'nothing learnt since the live version', window: 200 },
      totals: { received: 0, promotions: 0 },
      updatedAt: '1970-01-01T00:00:00.000Z',
    })
    const other = (await server.inject({ method: 'GET', url: '/v1/models/other' })).json()
    expect(other.learning).toEqual({})
  })

  test('has no learning part without a loop', async () => {
    const server = await app(undefined)
    const body = (await server.inject({ method: 'GET', url: '/v1/models/tiny' })).json()
    expect(body).not.toHaveProperty('learning')
  })
})
