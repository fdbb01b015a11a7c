/**
 * `topicstream serve`: REST and gRPC over one model registry, optionally with the Kafka bridge and
 * the dashboard in the same process. Stops gracefully on SIGTERM/SIGINT and exits 0.
 */
import { SERVE_OPTIONS } from '../../pipeline/serve-options.js'
import { type Command, parseArguments } from '../command.js'
import { listenForStopSignal } from '../signals.js'

export const serveCommand: Command = {
  name: 'serve',
  options: SERVE_OPTIONS,
  summary: 'Serve models over REST and gRPC (optionally with the Kafka bridge)',
  async run(argv, io) {
    const parsed = parseArguments(SERVE_OPTIONS, argv, io, {
      usage: 'topicstream serve --model NAME=FILE [--model ...] [options]',
      summary: serveCommand.summary,
    })
    if (parsed === undefined) return 0
    const { options } = parsed
    const { startServe } = await import('../../pipeline/serve.js')
    const running = await startServe(options)
    const stopSignal = listenForStopSignal()
    const signal = await stopSignal.signal
    // A second signal while stopping ends the process at once, as usual.
    stopSignal.dispose()
    running.logger.info({ signal }, 'shutting down')
    await running.stop()
    return 0
  },
}
