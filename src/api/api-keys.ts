/**
 * API key checks for REST (`Authorization: Bearer KEY`) and gRPC (`authorization` metadata).
 * Keys are compared as SHA-256 digests with `timingSafeEqual`, against every key without an early
 * exit, so response time reveals neither a key's prefix nor which key matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { TopicstreamError } from '../errors.js'

export type KeyChecker = (authorization: string | undefined) => boolean

/**
 * Which configured key an `Authorization` value carries: its index in the key list, or -1 when it
 * carries none of them. The index (never the header) identifies the client for rate limiting, so
 * `bearer K`, `Bearer  K` and `BEARER K` are one client.
 */
export type KeyIdentifier = (authorization: string | undefined) => number

export function createKeyIdentifier(keys: readonly string[]): KeyIdentifier | undefined {
  if (keys.length === 0) return undefined
  const digests = keys.map(digest)
  return (authorization) => {
    const presented = bearerToken(authorization)
    if (presented === undefined) return -1
    const candidate = digest(presented)
    let index = -1
    for (let i = 0; i < digests.length; i++) {
      const equal = timingSafeEqual(digests[i] as Buffer, candidate)
      index = equal && index < 0 ? i : index
    }
    return index
  }
}

export function createKeyChecker(keys: readonly string[]): KeyChecker | undefined {
  const identify = createKeyIdentifier(keys)
  if (identify === undefined) return undefined
  return (authorization) => identify(authorization) >= 0
}

/**
 * The keys of an API key file: one per line; blank lines and lines starting with `#` are ignored,
 * surrounding spaces trimmed. Errors name the file, never its content.
 */
export function readApiKeyFile(file: string): string[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new TopicstreamError(
      'ERR_CONFIG_INVALID',
      `Cannot read the API key file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
    )
  }
  const keys = parseApiKeys(text)
  if (keys.length === 0) {
    throw new TopicstreamError('ERR_CONFIG_INVALID', `The API key file ${file} holds no key`)
  }
  return keys
}

/** The keys of `--api-key-file` (TOPICSTREAM_API_KEY_FILE) and `--api-key` (TOPICSTREAM_API_KEYS) together. */
export function apiKeys(options: {
  readonly apiKey?: readonly string[] | undefined
  readonly apiKeyFile?: string | undefined
}): string[] {
  const fromFile = options.apiKeyFile === undefined ? [] : readApiKeyFile(options.apiKeyFile)
  return [...new Set([...fromFile, ...(options.apiKey ?? [])])]
}

export function parseApiKeys(text: string): string[] {
  const keys: string[] = []
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    keys.push(line)
  }
  return keys
}

function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.length < 8) return undefined
  if (authorization.slice(0, 7).toLowerCase() !== 'bearer ') return undefined
  const token = authorization.slice(7).trim()
  return token === '' ? undefined : token
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}
