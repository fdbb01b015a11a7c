import { afterEach, describe, expect, test } from 'vitest'
import { type RunningServer, startServer } from '../../src/api/server.js'
import type { ApiConfig } from '../../src/api/api-config.js'
import { createKeyChecker } from '../../src/api/api-keys.js'
import { tinyRegistry } from './helpers.js'

const servers: RunningServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close(1000)))
})

async function serve(config: Partial<ApiConfig>): Promise<RunningServer> {
  const server = await startServer({
    registry: tinyRegistry(),
    config,
    host: '127.0.0.1',
    port: 0,
    grpcPort: -1,
  })
  servers.push(server)
  return server
}

function classify(server: RunningServer, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.restUrl}/v1/classify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ text: 'the team won the match' }),
  })
}

describe('API keys', () => {
  test('/v1 routes need a Bearer key; health, readiness and metrics stay open', async () => {
    const server = await serve({ apiKeys: ['first-key', 'second-key'] })
    const missing = await classify(server)
    expect(missing.status).toBe(401)
    // RFC 9110: a 401 names the scheme that would be accepted.
    expect(missing.headers.get('www-authenticate')).toBe('Bearer')
    expect(await missing.json()).toEqual({
      error: { code: 'ERR_UNAUTHENTICATED', message: expect.any(String) },
    })
    expect((await classify(server, { authorization: 'Bearer wrong-key' })).status).toBe(401)
    expect((await classify(server, { authorization: 'first-key' })).status).toBe(401)
    expect((await classify(server, { authorization: 'Bearer first-key' })).status).toBe(200)
    expect((await classify(server, { authorization: 'bearer second-key' })).status).toBe(200)
    const models = await fetch(`${server.restUrl}/v1/models`)
    expect(models.status).toBe(401)
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      expect((await fetch(`${server.restUrl}${path}`)).status).toBe(200)
    }
  })

  test('the key checker accepts only exact keys', () => {
    const check = createKeyChecker(['abc'])
    expect(check?.('Bearer abc')).toBe(true)
    expect(check?.('Bearer abcd')).toBe(false)
    expect(check?.('Bearer ab')).toBe(false)
    expect(check?.('Bearer ')).toBe(false)
    expect(check?.(undefined)).toBe(false)
    expect(createKeyChecker([])).toBeUndefined()
  })
})

describe('rate limiting', () => {
  test('429 ERR_RATE_LIMITED after the per-client budget; probes are not limited', async () => {
    const server = await serve({ rateLimit: 3, rateLimitWindowMs: 60_000 })
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await classify(server)).status)
    expect(statuses).toEqual([200, 200, 200, 429, 429])
    const limited = await classify(server)
    expect(await limited.json()).toEqual({ error: { code: 'ERR_RATE_LIMITED', message: expect.any(String) } })
    expect(limited.headers.get('retry-after')).not.toBeNull()
    for (let i = 0; i < 5; i++) expect((await fetch(`${server.restUrl}/healthz`)).status).toBe(200)
  })

  test('with API keys, each key has its own budget', async () => {
    const server = await serve({ rateLimit: 2, apiKeys: ['key-a', 'key-b'] })
    const a = { authorization: 'Bearer key-a' }
    const b = { authorization: 'Bearer key-b' }
    expect((await classify(server, a)).status).toBe(200)
    expect((await classify(server, a)).status).toBe(200)
    expect((await classify(server, a)).status).toBe(429)
    expect((await classify(server, b)).status).toBe(200)
  })
})

describe('CORS', () => {
  test('off by default; on for the configured origin', async () => {
    const closed = await serve({})
    const noCors = await fetch(`${closed.restUrl}/v1/models`, { headers: { origin: 'https://app.example' } })
    expect(noCors.headers.get('access-control-allow-origin')).toBeNull()

    const open = await serve({ corsOrigins: ['https://app.example'] })
    const allowed = await fetch(`${open.restUrl}/v1/models`, { headers: { origin: 'https://app.example' } })
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example')
    const preflight = await fetch(`${open.restUrl}/v1/classify`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization')
    const other = await fetch(`${open.restUrl}/v1/models`, { headers: { origin: 'https://evil.example' } })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
  })
})
