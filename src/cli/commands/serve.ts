/**
 * `topicstream serve`: REST and gRPC over one model registry, optionally with the Kafka bridge and
 * the dashboard in the same process. Stops gracefully on SIGTERM/SIGINT and exits 0.
 */
import { SERVE_OPTIONS } from '../../pipeline/serve-options.js'
import { defineCommand, runServiceCommand } from '../command.js'

export const serveCommand = defineCommand({
  usage: 'topicstream serve --model NAME=FILE [--model ...] [options]',
  options: SERVE_OPTIONS,
  run: ({ options, io }) =>
    // Kafka clients can wait long on an unreachable cluster; shutdown must not hang on them.
    runServiceCommand(options, io, options.shutdownGrace + 5000, async (logger) => {
      const { serveParts } = await import('../../pipeline/serve.js')
      return serveParts(options, logger)
    }),
})
