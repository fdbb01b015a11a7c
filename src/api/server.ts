/**
 * Starts REST and gRPC on one model registry and stops them gracefully: readiness turns false,
 * new connections are refused, in-flight requests and streams get `graceMs` to finish, then
 * whatever is left is cut.
 */
import type { FastifyInstance } from 'fastify'
import { feedbackIntake } from '../learning/feedback-sink.js'
import { resolveApiConfig } from './api-config.js'
import { type BuildAppOptions, buildApp } from './app.js'
import { type GrpcServer, createGrpcServer } from './grpc/grpc-server.js'
import { type ApiMetrics, createMetrics } from './metrics.js'
import { createReadiness } from './readiness.js'

export interface StartServerOptions extends BuildAppOptions {
  readonly host: string
  /** REST port; 0 picks a free one. */
  readonly port: number
  /** gRPC port; 0 picks a free one, -1 disables gRPC. */
  readonly grpcPort: number
}

export interface RunningServer {
  readonly app: FastifyInstance
  readonly grpc: GrpcServer | undefined
  readonly metrics: ApiMetrics
  readonly restUrl: string
  readonly restPort: number
  /** Undefined when gRPC is disabled. */
  readonly grpcPort: number | undefined
  /** Graceful stop; resolves once both servers are closed. Safe to call twice. */
  close(graceMs?: number): Promise<void>
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const config = resolveApiConfig(options.config)
  const metrics = options.metrics ?? createMetrics()
  let closing = false
  // The same checks for both protocols: /readyz reports each of them, gRPC health their verdict.
  const readiness = { ...options.readiness, serving: () => !closing }
  // One intake, so REST and gRPC count into the same statistics.
  const feedback = feedbackIntake(options.feedback)
  const app = await buildApp({ ...options, config, metrics, readiness, feedback })
  const grpc =
    options.grpcPort < 0
      ? undefined
      : createGrpcServer({
          registry: options.registry,
          config,
          metrics,
          feedback,
          isReady: createReadiness(options.registry, readiness).isReady,
        })

  let grpcPort: number | undefined
  try {
    await app.listen({ host: options.host, port: options.port })
    if (grpc) grpcPort = await grpc.listen(options.host, options.grpcPort)
  } catch (error) {
    await app.close()
    if (grpc) await grpc.shutdown(0)
    throw error
  }
  const address = app.server.address()
  const restPort = typeof address === 'object' && address !== null ? address.port : options.port
  const urlHost = options.host.includes(':') ? `[${options.host}]` : options.host

  let closed: Promise<void> | undefined
  return {
    app,
    grpc,
    metrics,
    restUrl: `http://${urlHost === '0.0.0.0' ? '127.0.0.1' : urlHost}:${restPort}`,
    restPort,
    grpcPort,
    close(graceMs = 10_000) {
      closing = true
      closed ??= Promise.all([closeRest(app, graceMs), grpc?.shutdown(graceMs)]).then(() => undefined)
      return closed
    },
  }
}

async function closeRest(app: FastifyInstance, graceMs: number): Promise<void> {
  const force = setTimeout(() => app.server.closeAllConnections(), graceMs)
  force.unref()
  try {
    await app.close()
  } finally {
    clearTimeout(force)
  }
}
