/**
 * Liveness, readiness and Prometheus metrics. Open even when API keys are configured, so probes
 * and scrapers need no credentials (keep the port private if metrics are sensitive).
 */
import type { FastifyPluginAsync } from 'fastify'
import type { ModelRegistry } from '../../engine/model-registry.js'
import type { ApiMetrics } from '../metrics.js'
import { statusSchema } from '../schemas.js'

export interface HealthRoutesOptions {
  readonly registry: ModelRegistry
  readonly metrics: ApiMetrics
  readonly readiness: Readonly<Record<string, () => boolean>>
}

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (
  app,
  { registry, metrics, readiness },
) => {
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
      const checks: Record<string, boolean> = { models: registry.isReady() }
      for (const [name, check] of Object.entries(readiness)) checks[name] = safe(check)
      const ready = Object.values(checks).every(Boolean)
      if (!ready) reply.code(503)
      return { status: ready ? 'ready' : 'not_ready', checks }
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

function safe(check: () => boolean): boolean {
  try {
    return check()
  } catch {
    return false
  }
}
