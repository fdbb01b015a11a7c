import { afterAll, describe, expect, test } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/api/app.js'
import { ModelRegistry } from '../../src/engine/model-registry.js'
import { SPORTS, TECH, tinyRegistry } from './helpers.js'

const apps: FastifyInstance[] = []
async function app(registry: ModelRegistry): Promise<FastifyInstance> {
  const built = await buildApp({ registry })
  apps.push(built)
  return built
}
afterAll(async () => {
  await Promise.all(apps.map((built) => built.close()))
})

describe('POST /v1/classify/batch with a model it cannot use', () => {
  test('an unknown model is 404 ERR_MODEL_NOT_FOUND for the request, not for texts[0]', async () => {
    const target = await app(tinyRegistry())
    const response = await target.inject({
      method: 'POST',
      url: '/v1/classify/batch',
      payload: { texts: [SPORTS[0], TECH[0]], model: 'nope' },
    })
    expect(response.statusCode).toBe(404)
    const { error } = response.json()
    expect(error.code).toBe('ERR_MODEL_NOT_FOUND')
    expect(error.message).toBe('No model named "nope"')
  })

  test('a model still loading is 503 ERR_NOT_READY without a text index', async () => {
    const registry = new ModelRegistry([{ name: 'slow', path: 'slow.tsmodel' }], {
      load: () => new Promise(() => undefined),
    })
    const target = await app(registry)
    const response = await target.inject({
      method: 'POST',
      url: '/v1/classify/batch',
      payload: { texts: [SPORTS[0]] },
    })
    expect(response.statusCode).toBe(503)
    expect(response.headers['retry-after']).toBe('1')
    const { error } = response.json()
    expect(error.code).toBe('ERR_NOT_READY')
    expect(error.message).not.toMatch(/^texts\[/)
  })
})
