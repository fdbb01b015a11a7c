/**
 * What guards the /v1 routes: the API key check, then per-client rate limiting. Health, readiness,
 * metrics and docs stay open so probes and scrapers work without credentials.
 */
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { TopicstreamError } from '../../errors.js'
import type { ApiConfig } from '../api-config.js'
import { createKeyChecker } from '../api-keys.js'

export async function securedScope(scope: FastifyInstance, config: ApiConfig): Promise<void> {
  const check = createKeyChecker(config.apiKeys)
  if (check !== undefined) {
    scope.addHook('onRequest', (request, _reply, done) => {
      if (check(request.headers.authorization)) return done()
      done(
        new TopicstreamError(
          'ERR_UNAUTHENTICATED',
          'A valid API key is required (Authorization: Bearer KEY)',
        ),
      )
    })
  }
  if (config.rateLimit > 0) {
    await scope.register(rateLimit, {
      max: config.rateLimit,
      timeWindow: config.rateLimitWindowMs,
      // Per key only when keys are checked; otherwise any header value would open a fresh bucket.
      keyGenerator: check === undefined ? byAddress : byKey,
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
