/**
 * `topicstream bridge`: the standalone Kafka bridge. Loads one model file, classifies the input topic
 * into the output topic and runs until SIGTERM/SIGINT, then finishes the batch in flight, commits and
 * leaves the group.
 */
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { basename, extname } from 'node:path'
import type { OptionSpecs } from '../../config.js'
import { BRIDGE_KAFKA_OPTIONS, bridgeSettings } from '../../bridge/options.js'
import type { LineLogLevel } from '../../bridge/line-logger.js'
import { type Command, type CommandHelp, parseArguments } from '../command.js'
import { listenForStopSignal } from '../signals.js'

export const BRIDGE_OPTIONS = {
  ...BRIDGE_KAFKA_OPTIONS,
  model: {
    kind: 'string',
    env: 'TOPICSTREAM_MODEL',
    required: true,
    description: 'Model file to classify with (from "topicstream train")',
  },
  metricsPort: {
    kind: 'integer',
    env: 'TOPICSTREAM_METRICS_PORT',
    min: 0,
    max: 65535,
    description: 'Serve Prometheus metrics on this port at /metrics (0 = any free port)',
  },
  metricsHost: {
    kind: 'string',
    env: 'TOPICSTREAM_METRICS_HOST',
    default: '127.0.0.1',
    description: 'Address the metrics server listens on',
  },
  logLevel: {
    kind: 'string',
    env: 'TOPICSTREAM_LOG_LEVEL',
    default: 'info',
    choices: ['debug', 'info', 'warn', 'error', 'silent'],
    description: 'Log level (JSON lines on stderr)',
  },
} as const satisfies OptionSpecs

const HELP: CommandHelp = {
  usage:
    'topicstream bridge --brokers HOST:PORT --model FILE --input-topic T --output-topic T --dlq-topic T --group G [--exactly-once]',
  summary: `Classifies every record of the input topic and writes the result, with the same key, to the
output topic; records that cannot be classified go unchanged to the dead-letter topic. Missing topics
are created. Several bridges with the same --group share the input partitions. Stops gracefully on
SIGTERM or SIGINT.`,
}

export const bridgeCommand: Command = {
  name: 'bridge',
  options: BRIDGE_OPTIONS,
  summary: 'Classify a Kafka topic into an output topic (with DLQ)',
  async run(argv, io) {
    const parsed = parseArguments(BRIDGE_OPTIONS, argv, io, HELP)
    if (parsed === undefined) return 0
    const { options } = parsed
    // Listen first: a SIGTERM that arrives while the model loads or Kafka is joined still stops cleanly.
    const signals = listenForStopSignal()
    let metricsServer: Server | undefined
    let stopBridge: () => Promise<void> = async () => {}
    try {
      const [{ loadModel }, { attribute }, { createBridge }, { createLineLogger }, { Registry }] =
        await Promise.all([
          import('../../engine/index.js'),
          import('../../engine/model-registry.js'),
          import('../../bridge/bridge.js'),
          import('../../bridge/line-logger.js'),
          import('prom-client'),
        ])
      const logger = createLineLogger(io.stderr, options.logLevel as LineLogLevel, 'topicstream-bridge')
      const model = await loadModel(options.model)
      const modelRef = Object.freeze({
        name: basename(options.model, extname(options.model)),
        version: model.metadata.version,
      })
      const classifyOptions = { topK: options.topK }
      const registry = new Registry()
      const bridge = createBridge({
        ...bridgeSettings(options),
        classify: (text) => attribute(model.classify(text, classifyOptions), modelRef),
        metrics: registry,
        logger,
      })
      stopBridge = () => bridge.stop()

      if (options.metricsPort !== undefined) {
        metricsServer = await serveMetrics(registry, options.metricsPort, options.metricsHost, () =>
          bridge.state(),
        )
        const address = metricsServer.address()
        const port = typeof address === 'object' && address !== null ? address.port : options.metricsPort
        logger.info({ port }, `Metrics on http://${options.metricsHost}:${port}/metrics`)
      }
      const started = bridge.start().then(() => undefined)
      const first = await Promise.race([started, signals.signal])
      if (first === undefined) {
        logger.info(
          {
            input: options.inputTopic,
            output: options.outputTopic,
            dlq: options.dlqTopic,
            group: options.group,
            exactlyOnce: options.exactlyOnce,
            model: modelRef,
          },
          'Bridge started',
        )
      }
      const signal = await signals.signal
      logger.info({ signal }, 'Stopping the bridge')
      await bridge.stop()
      await started.catch(() => {})
      logger.info({}, 'Bridge stopped')
      return 0
    } finally {
      signals.dispose()
      await stopBridge()
      if (metricsServer) await new Promise((resolve) => metricsServer?.close(resolve))
    }
  },
}

async function serveMetrics(
  registry: { metrics(): Promise<string>; contentType: string },
  port: number,
  host: string,
  state: () => { status: string },
): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url === '/metrics') {
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => response.writeHead(500).end(),
      )
      return
    }
    if (request.url === '/health') {
      const { status } = state()
      response
        .writeHead(status === 'running' ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify(state()))
      return
    }
    response.writeHead(404).end()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  return server
}
