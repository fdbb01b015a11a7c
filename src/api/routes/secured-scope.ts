/**
 * What guards the /v1 routes: per-client rate limiting, then the API key check. Health, readiness,
 * metrics and docs stay open so probes and scrapers work without credentials.
 *
 * The rate limit runs first, so failed authentication is limited too. Its buckets are keyed by the
 * identity of the matched API key (its index in the key list, never the header), or by client
 * address when no key matched or none are configured: spelling the header differently
 * (`bearer K`, `BEARER  K`) or guessing keys never opens a fresh bucket.
 */
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify'
import { TopicstreamError } from '../../errors.js'
import type { ApiConfig } from '../api-config.js'
import { createKeyIdentifier } from '../api-keys.js'

const UNAUTHENTICATED_MESSAGE = 'A valid API key is required (Authorization: Bearer KEY)'

/**
 * The API key check as an `onRequest` hook, or undefined when no keys are configured. The /v1 scope
 * and any other route that serves data (the dashboard's stream) refuse alike: 401
 * ERR_UNAUTHENTICATED through the app's error handler.
 */
export function apiKeyHook(keys: readonly string[]): onRequestHookHandler | undefined {
  const identify = createKeyIdentifier(keys)
  if (identify === undefined) return undefined
  return (request, _reply, done) => {
    if (identify(request.headers.authorization) >= 0) return done()
    done(new TopicstreamError('ERR_UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE))
  }
}

/** The /v1 scope: rate limit (by key identity, else address), then the API key check. */
export async function securedScope(scope: FastifyInstance, config: ApiConfig): Promise<void> {
  const identify = createKeyIdentifier(config.apiKeys)
  // Which key each request carries (-1: none), computed once per request.
  const matched = new WeakMap<FastifyRequest, number>()
  const keyIndex = (request: FastifyRequest): number => {
    let index = matched.get(request)
    if (index === undefined) {
      index = identify === undefined ? -1 : identify(request.headers.authorization)
      matched.set(request, index)
    }
    return index
  }

  if (config.rateLimit > 0) {
    await scope.register(rateLimit, {
      global: false,
      max: config.rateLimit,
      timeWindow: config.rateLimitWindowMs,
      keyGenerator: (request) => {
        const index = keyIndex(request)
        return index >= 0 ? `key:${index}` : `address:${request.ip}`
      },
      errorResponseBuilder: (_request, context) =>
        new TopicstreamError(
          'ERR_RATE_LIMITED',
          `Rate limit exceeded: ${context.max} requests per ${context.after}`,
          {
            canRetry: true,
          },
        ),
    })
    // A scope hook (not the plugin's per-route one) so it runs before the key check below.
    const limit = scope.rateLimit()
    scope.addHook('onRequest', async (request, reply) => {
      await limit.call(scope, request, reply)
    })
  }
  if (identify !== undefined) {
    scope.addHook('onRequest', (request, _reply, done) => {
      if (keyIndex(request) >= 0) return done()
      done(new TopicstreamError('ERR_UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE))
    })
  }
}
