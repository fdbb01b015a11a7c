/**
 * Abuse against the real server on a free port (startServer): rate-limit bypasses, wrong keys,
 * stalled and trickled requests, invalid UTF-8, errors raised below the routes (raw sockets for
 * framing and oversized headers), the /classify short form, and reload failures that must not
 * reveal server paths. No timing assertion beyond "closed before N s".
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { type Socket, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ApiConfig } from '../../src/api/api-config.js'
import { type RunningServer, startServer } from '../../src/api/server.js'
import { ModelRegistry } from '../../src/engine/model-registry.js'
import { saveModel } from '../../src/engine/index.js'
import { tinyRegistry, trainTinyModel } from './helpers.js'

const KEY = 'abuse-test-key-0123456789'
const servers: RunningServer[] = []

async function serve(
  config: Partial<ApiConfig>,
  registry: ModelRegistry = tinyRegistry(),
): Promise<RunningServer> {
  const server = await startServer({ registry, host: '127.0.0.1', port: 0, grpcPort: -1, config })
  servers.push(server)
  return server
}

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close(0)))
})

interface RawResult {
  readonly status: number
  readonly headers: string
  readonly body: string
  readonly closedAfterMs: number
}

/** Writes raw bytes and reads until the server closes the socket (or `waitMs` passes). */
function raw(
  port: number,
  write: (socket: Socket) => void,
  waitMs = 10_000,
): Promise<RawResult & { closed: boolean }> {
  return new Promise((resolve) => {
    const started = Date.now()
    const socket = connect(port, '127.0.0.1', () => write(socket))
    let data = ''
    let closed = false
    const finish = (): void => {
      clearTimeout(timer)
      const [head = '', body = ''] = data.split('\r\n\r\n', 2)
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)
      resolve({ status, headers: head.toLowerCase(), body, closedAfterMs: Date.now() - started, closed })
    }
    const timer = setTimeout(() => {
      socket.destroy()
      finish()
    }, waitMs)
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')))
    socket.on('error', () => undefined)
    socket.on('close', () => {
      closed = true
      finish()
    })
  })
}

function expectErrorBody(body: string, code: string): void {
  expect(JSON.parse(body)).toEqual({ error: { code, message: expect.any(String) } })
}

async function getModels(server: RunningServer, authorization?: string): Promise<number> {
  const response = await fetch(`${server.restUrl}/v1/models`, {
    headers: authorization === undefined ? {} : { authorization },
  })
  await response.arrayBuffer()
  return response.status
}

describe('rate limiting cannot be bypassed', () => {
  test('respelling the Authorization header shares the key bucket', async () => {
    const server = await serve({ apiKeys: [KEY], rateLimit: 5 })
    const variants = [`Bearer ${KEY}`, `bearer ${KEY}`, `Bearer  ${KEY}`, `BEARER ${KEY}`, `Bearer ${KEY} `]
    const statuses: number[] = []
    for (let i = 0; i < 40; i++) statuses.push(await getModels(server, variants[i % variants.length]))
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200])
    expect(statuses.slice(5).every((status) => status === 429)).toBe(true)
  })

  test('wrong keys are limited by address, without touching a valid key', async () => {
    const server = await serve({ apiKeys: [KEY], rateLimit: 5 })
    const statuses: number[] = []
    for (let i = 0; i < 20; i++) statuses.push(await getModels(server, `Bearer wrong-${i}`))
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
    expect(statuses.slice(5).every((status) => status === 429)).toBe(true)
    expect(await getModels(server)).toBe(429)
    expect(await getModels(server, `Bearer ${KEY}`)).toBe(200)
  })

  test('without keys, any header value shares the address bucket', async () => {
    const server = await serve({ rateLimit: 3 })
    const statuses: number[] = []
    for (let i = 0; i < 10; i++) statuses.push(await getModels(server, `Bearer anything-${i}`))
    expect(statuses.filter((status) => status === 200)).toHaveLength(3)
    expect(statuses.slice(3).every((status) => status === 429)).toBe(true)
  })
})

describe('slow clients are cut off', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await serve({ requestTimeoutMs: 500, headersTimeoutMs: 300 })
  })

  test('a chunked body that never ends gets 408 and is closed', async () => {
    const result = await raw(server.restPort, (socket) =>
      socket.write(
        'POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
          'Transfer-Encoding: chunked\r\n\r\n5\r\n{"tex\r\n',
      ),
    )
    expect(result.closed).toBe(true)
    expect(result.closedAfterMs).toBeLessThan(5000)
    expect(result.status).toBe(408)
    expectErrorBody(result.body, 'ERR_REQUEST_TIMEOUT')
  })

  test('a body trickled a byte at a time is closed too', async () => {
    let trickle: NodeJS.Timeout | undefined
    const result = await raw(server.restPort, (socket) => {
      socket.write(
        'POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
      )
      trickle = setInterval(() => socket.writable && socket.write(' '), 50)
    })
    clearInterval(trickle)
    expect(result.closed).toBe(true)
    expect(result.closedAfterMs).toBeLessThan(5000)
    expect(result.status).toBe(408)
  })

  test('headers that never end get 408 and are closed', async () => {
    const result = await raw(server.restPort, (socket) =>
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'),
    )
    expect(result.closed).toBe(true)
    expect(result.closedAfterMs).toBeLessThan(5000)
    expect(result.status).toBe(408)
    expectErrorBody(result.body, 'ERR_REQUEST_TIMEOUT')
  })

  test('a prompt request on the same server is unaffected', async () => {
    const response = await fetch(`${server.restUrl}/v1/classify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'the team won the match' }),
    })
    expect(response.status).toBe(200)
  })
})

describe('invalid UTF-8', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await serve({})
  })
  const latin1 = (json: string): Buffer => Buffer.from(json, 'latin1') // é → the lone byte 0xE9

  test.each([
    ['/v1/classify', '{"text":"caf\u00e9"}'],
    ['/classify', '{"text":"caf\u00e9"}'],
    ['/v1/classify/batch', '{"texts":["ok","caf\u00e9"]}'],
    ['/v1/classify', '{"text":"ok","model":"caf\u00e9"}'],
  ])('%s %s → 400 ERR_TEXT_NOT_UTF8', async (path, json) => {
    const response = await fetch(`${server.restUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: latin1(json),
    })
    expect(response.status).toBe(400)
    expectErrorBody(await response.text(), 'ERR_TEXT_NOT_UTF8')
  })

  test('valid multi-byte UTF-8 still classifies', async () => {
    const response = await fetch(`${server.restUrl}/v1/classify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: Buffer.from('{"text":"café ⚽ 🏀 the team won the match"}', 'utf8'),
    })
    expect(response.status).toBe(200)
  })
})

describe('every error has the JSON error body', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await serve({ bodyLimit: 1024 })
  })

  test.each([
    [
      'malformed Content-Length',
      'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      400,
      'ERR_REQUEST_INVALID',
    ],
    ['unknown method', 'FOO /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'ERR_REQUEST_INVALID'],
    [
      'bad chunk framing',
      'POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      400,
      'ERR_REQUEST_INVALID',
    ],
    [
      'oversized headers',
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'ERR_HEADERS_TOO_LARGE',
    ],
    [
      'TRACE on a known path',
      'TRACE /v1/classify HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      405,
      'ERR_METHOD_NOT_ALLOWED',
    ],
    [
      'GET on a POST route',
      'GET /classify HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      405,
      'ERR_METHOD_NOT_ALLOWED',
    ],
    [
      'an undecodable URL',
      'GET /v1/models/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      400,
      'ERR_REQUEST_INVALID',
    ],
    [
      'an unknown route',
      'GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      404,
      'ERR_ROUTE_NOT_FOUND',
    ],
  ])('%s → %i', async (_name, request, status, code) => {
    const result = await raw(server.restPort, (socket) => socket.write(request))
    expect(result.status).toBe(status)
    expect(result.headers).toContain('content-type: application/json')
    expectErrorBody(result.body, code)
  })

  test('405 lists the allowed methods', async () => {
    const response = await fetch(`${server.restUrl}/v1/classify`, { method: 'PUT' })
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST')
    expectErrorBody(await response.text(), 'ERR_METHOD_NOT_ALLOWED')
  })

  test.each([
    ['bad JSON', 'application/json', '{"text": ', 400, 'ERR_REQUEST_INVALID'],
    ['empty JSON body', 'application/json', '', 400, 'ERR_REQUEST_INVALID'],
    ['unsupported media type', 'application/xml', '<text/>', 415, 'ERR_UNSUPPORTED_MEDIA_TYPE'],
    [
      'body over the limit',
      'application/json',
      JSON.stringify({ text: 'x'.repeat(5000) }),
      413,
      'ERR_PAYLOAD_TOO_LARGE',
    ],
  ])('%s → %i', async (_name, contentType, body, status, code) => {
    const response = await fetch(`${server.restUrl}/v1/classify`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    })
    expect(response.status).toBe(status)
    expectErrorBody(await response.text(), code)
  })
})

test('with CORS on, unknown paths stay 404 and wrong methods 405', async () => {
  const server = await serve({ corsOrigins: ['*'] })
  const unknown = await fetch(`${server.restUrl}/nope`)
  expect(unknown.status).toBe(404)
  expectErrorBody(await unknown.text(), 'ERR_ROUTE_NOT_FOUND')
  const wrong = await fetch(`${server.restUrl}/v1/classify`, { method: 'DELETE' })
  expect(wrong.status).toBe(405)
  expect(wrong.headers.get('allow')).toBe('POST')
  const preflight = await fetch(`${server.restUrl}/v1/classify`, {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
  })
  expect(preflight.status).toBe(204)
})

describe('POST /classify is POST /v1/classify', () => {
  test('same answers, same key check, one rate-limit bucket', async () => {
    const server = await serve({ apiKeys: [KEY], rateLimit: 6 })
    const post = async (path: string, body: unknown, authorization?: string) => {
      const response = await fetch(`${server.restUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(body),
      })
      return { status: response.status, body: (await response.json()) as unknown }
    }
    const auth = `Bearer ${KEY}`
    const text = { text: 'the striker scored a goal in the match', top_k: 2, explain: true }
    expect(await post('/classify', text, auth)).toEqual(await post('/v1/classify', text, auth))
    expect(await post('/classify', { text: 1 }, auth)).toEqual(await post('/v1/classify', { text: 1 }, auth))
    const unauthenticated = await post('/classify', text)
    expect(unauthenticated.status).toBe(401)
    expect(unauthenticated).toEqual(await post('/v1/classify', text))
    // 4 keyed requests so far; the bucket holds 6 for both paths together.
    expect((await post('/classify', text, auth)).status).toBe(200)
    expect((await post('/v1/classify', text, auth)).status).toBe(200)
    expect((await post('/classify', text, auth)).status).toBe(429)
    expect((await post('/v1/classify', text, auth)).status).toBe(429)
  })
})

describe('model reload failures', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'topicstream-abuse-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test('name the model, never the file path', async () => {
    const file = join(dir, 'tiny.tsmodel')
    await saveModel(trainTinyModel(), file)
    const registry = new ModelRegistry([{ name: 'tiny', path: file }])
    await registry.loadAll()
    const server = await serve({}, registry)

    await writeFile(file, 'not a model')
    const corrupt = await fetch(`${server.restUrl}/v1/models/tiny/reload`, { method: 'POST' })
    const corruptBody = await corrupt.text()
    expect(corrupt.status).toBe(500)
    expectErrorBody(corruptBody, 'ERR_MODEL_FILE_INVALID')
    expect(corruptBody).toContain('tiny')

    await rm(file)
    const missing = await fetch(`${server.restUrl}/v1/models/tiny/reload`, { method: 'POST' })
    const missingBody = await missing.text()
    expect(missing.status).toBeGreaterThanOrEqual(400)
    expect(missingBody).toContain('tiny')

    for (const body of [corruptBody, missingBody]) {
      expect(body).not.toContain(dir)
      expect(body).not.toContain('tsmodel')
      expect(body).not.toMatch(/\/(tmp|home|root|var)\//)
    }
    // The old instance keeps serving.
    const classify = await fetch(`${server.restUrl}/classify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"the team won"}',
    })
    expect(classify.status).toBe(200)
  })
})

describe('serve --api-key-file', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'topicstream-keyfile-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test('keys come from the file, stay out of argv and logs, and are enforced', async () => {
    await saveModel(trainTinyModel(), join(dir, 'tiny.tsmodel'))
    await writeFile(join(dir, 'keys'), `# clients\n\n${KEY}\n`)
    const child = spawn(
      process.execPath,
      [
        'bin/topicstream.js',
        'serve',
        '--model',
        `tiny=${join(dir, 'tiny.tsmodel')}`,
        '--port',
        '0',
        '--no-grpc',
      ],
      {
        env: { ...process.env, TOPICSTREAM_API_KEY_FILE: join(dir, 'keys'), TOPICSTREAM_LOG_LEVEL: 'debug' },
      },
    )
    let output = ''
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    try {
      const rest = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), 20_000)
        child.stderr.on('data', () => {
          const match = /"rest":"([^"]+)"/.exec(output)
          if (match?.[1] === undefined) return
          clearTimeout(timer)
          resolve(match[1])
        })
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)))
      })
      const status = async (authorization?: string) =>
        (await fetch(`${rest}/v1/models`, { headers: authorization ? { authorization } : {} })).status
      expect(await status()).toBe(401)
      expect(await status('Bearer wrong')).toBe(401)
      expect(await status(`Bearer ${KEY}`)).toBe(200)
      expect(child.spawnargs.join(' ')).not.toContain(KEY)
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
    }
    expect(output).not.toContain(KEY)
  })
})
