import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { apiKeys, createKeyIdentifier, parseApiKeys, readApiKeyFile } from '../../src/api/api-keys.js'
import { resolveApiConfig } from '../../src/api/api-config.js'

describe('API keys from a file', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'topicstream-keys-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test('one key per line; blank lines and # comments ignored', () => {
    expect(parseApiKeys('# clients\nalpha\n\n  beta  \r\n# old: gamma\n')).toEqual(['alpha', 'beta'])
  })

  test('file keys and flag keys together, without duplicates', async () => {
    const file = join(dir, 'keys')
    await writeFile(file, 'alpha\nbeta\n')
    expect(apiKeys({ apiKeyFile: file, apiKey: ['beta', 'delta'] })).toEqual(['alpha', 'beta', 'delta'])
    expect(apiKeys({})).toEqual([])
  })

  test('errors name the file, never a key', async () => {
    const empty = join(dir, 'empty')
    await writeFile(empty, '# nothing yet\n')
    expect(() => readApiKeyFile(empty)).toThrow(/holds no key/)
    expect(() => readApiKeyFile(join(dir, 'absent'))).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    )
  })
})

describe('key identity', () => {
  test('the scheme is case-insensitive and spacing does not matter; the index identifies the key', () => {
    const identify = createKeyIdentifier(['k1', 'k2'])!
    expect(['Bearer k2', 'bearer k2', 'BEARER  k2', 'Bearer k2 '].map(identify)).toEqual([1, 1, 1, 1])
    expect(identify('Bearer k1')).toBe(0)
    expect([undefined, '', 'Bearer', 'Bearer k3', 'Basic k1', 'k1'].map(identify)).toEqual([
      -1, -1, -1, -1, -1, -1,
    ])
  })
})

describe('timeouts', () => {
  test('safe defaults; the headers timeout never exceeds the request timeout', () => {
    const defaults = resolveApiConfig()
    expect(defaults.requestTimeoutMs).toBe(30_000)
    expect(defaults.headersTimeoutMs).toBeLessThan(defaults.requestTimeoutMs)
    expect(resolveApiConfig({ requestTimeoutMs: 500 }).headersTimeoutMs).toBe(500)
    expect(() => resolveApiConfig({ requestTimeoutMs: 500, headersTimeoutMs: 900 })).toThrow(
      /must not exceed/,
    )
  })
})
