/**
 * `topicstream serve`: REST and gRPC over one model registry, optionally with the Kafka bridge and
 * the dashboard in the same process. Stops gracefully on SIGTERM/SIGINT and exits 0.
 */
import { SERVE_OPTIONS } from '../../pipeline/serve-options.js'
import { createLogger } from '../../runtime/logger.js'
import { runService } from '../../runtime/service.js'
import { defineCommand } from '../command.js'

export const serveCommand = defineCommand({
  usage: 'topicstream serve --model NAME=FILE [--model ...] [options]',
  options: SERVE_OPTIONS,
  async run({ options, io }) {
    const logger = createLogger({
      level: options.logLevel,
      format: options.logFormat,
      destination: io.stderr,
    })
    await runService({
      logger,
      // Kafka clients can wait long on an unreachable cluster; shutdown must not hang on them.
      stopTimeoutMs: options.shutdownGrace + 5000,
      plan: async () => {
        const { serveParts } = await import('../../pipeline/serve.js')
        return serveParts(options, logger)
      },
    })
    return 0
  },
})
