/**
 * What guards the /v1 routes: the API key check, then per-client rate limiting. Health, readiness,
 * metrics and docs stay open so probes and scrapers work without credentials.
 */
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify'
import { TopicstreamError } from '../../errors.js'
import type { ApiConfig } from '../api-config.js'
import { createKeyChecker } from '../api-keys.js'

/**
 * The API key check as an `onRequest` hook, or undefined when no keys are configured. The /v1 scope
 * and any other route that serves data (the dashboard's stream) use this one hook, so they refuse
 * alike: 401 ERR_UNAUTHENTICATED through the app's error handler.
 */
export function apiKeyHook(keys: readonly string[]): onRequestHookHandler | undefined {
  const check = createKeyChecker(keys)
  if (check === undefined) return undefined
  return (request, _reply, done) => {
    if (check(request.headers.authorization)) return done()
    done(
      new TopicstreamError('ERR_UNAUTHENTICATED', 'A valid API key is required (Authorization: Bearer KEY)'),
    )
  }
}

/** The /v1 scope: `requireKey` (from `apiKeyHook`, shared with the app's other data routes) and the rate limit. */
export async function securedScope(
  scope: FastifyInstance,
  config: ApiConfig,
  requireKey: onRequestHookHandler | undefined,
): Promise<void> {
  if (requireKey !== undefined) scope.addHook('onRequest', requireKey)
  if (config.rateLimit > 0) {
    await scope.register(rateLimit, {
      max: config.rateLimit,
      timeWindow: config.rateLimitWindowMs,
      // Per key only when keys are checked; otherwise any header value would open a fresh bucket.
      keyGenerator: requireKey === undefined ? byAddress : byKey,
      errorResponseBuilder: (_request, context) =>
        new TopicstreamError(
          'ERR_RATE_LIMITED',
          `Rate limit exceeded: ${context.max} requests per ${context.after}`,
          {
            canRetry: true,
          },
        ),
    })
  }
}

function byAddress(request: FastifyRequest): string {
  return request.ip
}

function byKey(request: FastifyRequest): string {
  return request.headers.authorization ?? request.ip
}
