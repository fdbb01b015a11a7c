/** REST and gRPC as one part of a process: listening on start, drained within the deadline on stop. */
import type { Part } from '../runtime/part.js'
import type { Logger } from '../runtime/logger.js'
import { type RunningServer, type StartServerOptions, startServer } from './server.js'

export interface ServerPart extends Part {
  /** The listening servers; throws before `start()` has resolved. */
  server(): RunningServer
}

export interface ServerPartOptions extends StartServerOptions {
  readonly logger: Logger
  /** How long in-flight requests and streams may finish when stopping. */
  readonly graceMs: number
}

export function serverPart(options: ServerPartOptions): ServerPart {
  let running: RunningServer | undefined
  return {
    name: 'the REST and gRPC servers',
    async start() {
      running = await startServer(options)
      const grpc = running.grpcPort === undefined ? '' : ` and gRPC port ${running.grpcPort}`
      options.logger.info(
        { rest: running.restUrl, grpcPort: running.grpcPort },
        `listening on ${running.restUrl}${grpc}`,
      )
    },
    async stop() {
      await running?.close(options.graceMs)
    },
    server() {
      if (running === undefined) throw new Error('the servers are not listening yet')
      return running
    },
  }
}
