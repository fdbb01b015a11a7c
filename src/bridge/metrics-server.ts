/**
 * The standalone bridge's HTTP side: Prometheus metrics at /metrics and the bridge's state at
 * /health (200 while it consumes, 503 otherwise), on Fastify like the API.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import type { Logger } from '../runtime/logger.js'
import type { Part } from '../runtime/part.js'
import type { BridgeState } from './bridge.js'

export interface MetricsServerOptions {
  readonly registry: Registry
  readonly state: () => BridgeState
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  readonly logger: Logger
}

export function buildMetricsApp(options: Pick<MetricsServerOptions, 'registry' | 'state'>): FastifyInstance {
  const app = Fastify({ logger: false })
  app.get('/metrics', async (_request, reply) =>
    reply.type(options.registry.contentType).send(await options.registry.metrics()),
  )
  app.get('/health', async (_request, reply) => {
    const state = options.state()
    return reply.code(state.status === 'running' ? 200 : 503).send(state)
  })
  return app
}

export function metricsServerPart(options: MetricsServerOptions): Part {
  const app = buildMetricsApp(options)
  return {
    name: 'the metrics server',
    async start() {
      await app.listen({ host: options.host, port: options.port })
      const address = app.server.address()
      const port = typeof address === 'object' && address !== null ? address.port : options.port
      options.logger.info({ port }, `Metrics on http://${options.host}:${port}/metrics`)
    },
    stop: () => app.close(),
  }
}
