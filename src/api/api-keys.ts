/**
 * API key checks for REST (`Authorization: Bearer KEY`) and gRPC (`authorization` metadata).
 * Keys are compared as SHA-256 digests with `timingSafeEqual`, against every key without an early
 * exit, so response time reveals neither a key's prefix nor which key matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto'

export type KeyChecker = (authorization: string | undefined) => boolean

export function createKeyChecker(keys: readonly string[]): KeyChecker | undefined {
  if (keys.length === 0) return undefined
  const digests = keys.map(digest)
  return (authorization) => {
    const presented = bearerToken(authorization)
    if (presented === undefined) return false
    const candidate = digest(presented)
    let match = false
    for (const known of digests) match = timingSafeEqual(known, candidate) || match
    return match
  }
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
