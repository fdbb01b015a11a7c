/**
 * Liveness, readiness and Prometheus metrics. Open even when API keys are configured, so probes
 * and scrapers need no credentials (keep the port private if metrics are sensitive).
 */
import type { FastifyPluginAsync } from 'fastify'
import type { ApiMetrics } from '../metrics.js'
import type { Readiness } from '../readiness.js'
import { statusSchema } from '../schemas.js'

export interface HealthRoutesOptions {
  readonly metrics: ApiMetrics
  readonly readiness: Readiness
}

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { metrics, readiness }) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process answers',
        response: { 200: statusSchema },
      },
    },
    async () => ({ status: 'ok' }),
  )

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: every model is loaded (and the Kafka bridge runs, when embedded)',
        response: { 200: statusSchema, 503: statusSchema },
      },
    },
    async (_request, reply) => {
      const { ready, checks, reasons } = readiness.report()
      if (!ready) reply.code(503)
      return { status: ready ? 'ready' : 'not_ready', checks, ...(reasons ? { reasons } : {}) }
    },
  )

  app.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus metrics (text exposition format)' } },
    async (_request, reply) => {
      reply.type(metrics.registry.contentType)
      return metrics.registry.metrics()
    },
  )
}
