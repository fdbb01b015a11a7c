/**
 * `topicstream bridge`: the standalone Kafka bridge. Loads one model file, classifies the input topic
 * into the output topic and runs until SIGTERM/SIGINT, then finishes the batch in flight, commits and
 * leaves the group.
 */
import type { OptionSpecs } from '../../config.js'
import { BRIDGE_KAFKA_OPTIONS } from '../../bridge/options.js'
import { STREAM_HEALTH_OPTIONS } from '../../health/options.js'
import { LOG_OPTIONS } from '../../runtime/logger.js'
import { defineCommand, runServiceCommand } from '../command.js'

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
    description:
      'Serve Prometheus metrics on this port at /metrics, and the state at /health (0 = any free port)',
  },
  metricsHost: {
    kind: 'string',
    env: 'TOPICSTREAM_METRICS_HOST',
    default: '127.0.0.1',
    description: 'Address the metrics server listens on',
  },
  ...STREAM_HEALTH_OPTIONS,
  ...LOG_OPTIONS,
} as const satisfies OptionSpecs

/** How long the bridge and the metrics server may each take to stop. */
const STOP_TIMEOUT_MS = 35_000

export const bridgeCommand = defineCommand({
  usage:
    'topicstream bridge --brokers HOST:PORT --model FILE --input-topic T --output-topic T --dlq-topic T --group G [--exactly-once]',
  description: `Classifies every record of the input topic and writes the result, with the same key, to the
output topic; records that cannot be classified go unchanged to the dead-letter topic. Missing topics
are created. Several bridges with the same --group share the input partitions. Stops gracefully on
SIGTERM or SIGINT.`,
  options: BRIDGE_OPTIONS,
  run: ({ options, io }) =>
    runServiceCommand(options, io, STOP_TIMEOUT_MS, async (logger) => {
      const { bridgeCommandParts } = await import('../../pipeline/bridge.js')
      return bridgeCommandParts(options, logger)
    }),
})
