/**
 * Bodies from OFF_THREAD_JSON_BYTES up are parsed on a worker thread with the same rules and the
 * same answers as the event-loop parser.
 */
import { afterAll, describe, expect, test, vi } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/api/app.js'
import {
  InvalidJsonError,
  OFF_THREAD_JSON_BYTES,
  OffThreadJsonParser,
} from '../../src/api/off-thread-json.js'
import { SPORTS, TECH, tinyRegistry } from './helpers.js'

const parsers: OffThreadJsonParser[] = []
const apps: FastifyInstance[] = []
afterAll(async () => {
  await Promise.all([...parsers.map((parser) => parser.close()), ...apps.map((app) => app.close())])
})

function parser(): OffThreadJsonParser {
  const created = new OffThreadJsonParser()
  parsers.push(created)
  return created
}

/** A batch body of at least `bytes` bytes: the training texts, each padded to 32 KB with spaces. */
function largeBatch(bytes: number): { texts: string[] } {
  const words = [...SPORTS, ...TECH]
  const padded = 32_000
  return {
    texts: Array.from({ length: Math.ceil(bytes / padded) }, (_, i) =>
      (words[i % words.length] as string).padEnd(padded, ' '),
    ),
  }
}

describe('OffThreadJsonParser', () => {
  test('answers what JSON.parse answers, unicode and nesting included', async () => {
    const value = {
      texts: ['café ☕ 𝄞 "quoted" \\ back', ''],
      top_k: 2,
      nested: { list: [1, 2.5, null, true] },
    }
    const bytes = Buffer.from(JSON.stringify(value))
    expect(await parser().parse(bytes)).toEqual(value)
  })

  test('refuses invalid JSON and prototype poisoning, as Fastify does', async () => {
    const json = parser()
    await expect(json.parse(Buffer.from('{"texts": ['))).rejects.toBeInstanceOf(InvalidJsonError)
    await expect(json.parse(Buffer.from('{"__proto__": {"polluted": true}}'))).rejects.toBeInstanceOf(
      InvalidJsonError,
    )
    await expect(json.parse(Buffer.from('{"constructor": {"prototype": {}}}'))).rejects.toBeInstanceOf(
      InvalidJsonError,
    )
    expect(await json.parse(Buffer.from('[1]'))).toEqual([1])
  })

  test('keeps answering in order when bodies overlap, and after close starts a new worker', async () => {
    const json = parser()
    const bodies = Array.from({ length: 20 }, (_, i) => ({ i, text: 'x'.repeat(i * 1000) }))
    const answers = await Promise.all(bodies.map((body) => json.parse(Buffer.from(JSON.stringify(body)))))
    expect(answers).toEqual(bodies)
    await json.close()
    expect(await json.parse(Buffer.from('{"again":true}'))).toEqual({ again: true })
  })
})

describe('large REST bodies', () => {
  async function app(): Promise<FastifyInstance> {
    const built = await buildApp({ registry: tinyRegistry() })
    apps.push(built)
    return built
  }

  test('are parsed off the event loop and answer exactly as small ones', async () => {
    const server = await app()
    const large = largeBatch(2 * OFF_THREAD_JSON_BYTES)
    const payload = JSON.stringify(large)
    expect(payload.length).toBeGreaterThan(OFF_THREAD_JSON_BYTES)
    const parse = vi.spyOn(JSON, 'parse')
    const response = await server.inject({
      method: 'POST',
      url: '/v1/classify/batch',
      payload,
      headers: { 'content-type': 'application/json' },
    })
    const parsedOnLoop = parse.mock.calls.filter(([text]) => typeof text === 'string' && text.length > 1000)
    parse.mockRestore()
    expect(response.statusCode).toBe(200)
    expect(parsedOnLoop).toHaveLength(0)
    const small = await Promise.all(
      large.texts.map(async (text) =>
        (await server.inject({ method: 'POST', url: '/v1/classify', payload: { text } })).json(),
      ),
    )
    expect(response.json()).toEqual({ results: small })
  })

  test.each([
    ['invalid JSON', `{"texts": ["${' '.repeat(OFF_THREAD_JSON_BYTES)}"`, 400, 'ERR_REQUEST_INVALID'],
    [
      'prototype poisoning',
      `{"texts": ["a"], "__proto__": {"x": "${' '.repeat(OFF_THREAD_JSON_BYTES)}"}}`,
      400,
      'ERR_REQUEST_INVALID',
    ],
  ])('%s gets the same 400 as a small body', async (_case, payload, status, code) => {
    const server = await app()
    const response = await server.inject({
      method: 'POST',
      url: '/v1/classify/batch',
      payload,
      headers: { 'content-type': 'application/json' },
    })
    expect(response.statusCode).toBe(status)
    expect(response.json()).toEqual({ error: { code, message: expect.any(String) } })
  })

  test('invalid UTF-8 is refused before any parsing', async () => {
    const server = await app()
    const body = Buffer.concat([
      Buffer.from(`{"texts": ["caf`),
      Buffer.from([0xe9]),
      Buffer.from(`${' '.repeat(OFF_THREAD_JSON_BYTES)}"]}`),
    ])
    const response = await server.inject({
      method: 'POST',
      url: '/v1/classify/batch',
      payload: body,
      headers: { 'content-type': 'application/json' },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json().error.code).toBe('ERR_TEXT_NOT_UTF8')
  })
})
