/**
 * `topicstream kafka start|stop|status`: a local single-node Apache Kafka broker (KRaft) run from
 * Maven Central jars, managed through its data directory.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { OptionSpecs } from '../../config.js'
import type { BrokerStatus } from '../../kafka/broker/index.js'
import { TopicstreamError } from '../../errors.js'
import { type CliIo, defineCommand } from '../command.js'

export const KAFKA_OPTIONS = {
  port: {
    kind: 'integer',
    env: 'TOPICSTREAM_KAFKA_PORT',
    default: 9092,
    min: 1,
    max: 65535,
    description: 'Client (PLAINTEXT) port of the broker',
  },
  controllerPort: {
    kind: 'integer',
    env: 'TOPICSTREAM_KAFKA_CONTROLLER_PORT',
    min: 1,
    max: 65535,
    description: 'KRaft controller port (default: client port + 1)',
  },
  dataDir: {
    kind: 'string',
    env: 'TOPICSTREAM_KAFKA_DATA_DIR',
    description:
      'Broker data directory: logs, pid file, partitions (default: ${XDG_STATE_HOME:-~/.local/state}/topicstream/kafka)',
  },
  host: {
    kind: 'string',
    env: 'TOPICSTREAM_KAFKA_HOST',
    default: '127.0.0.1',
    description: 'Address the broker listens on and advertises',
  },
  heap: {
    kind: 'string',
    env: 'TOPICSTREAM_KAFKA_HEAP',
    default: '512m',
    description: 'Maximum JVM heap of the broker',
  },
  timeout: {
    kind: 'integer',
    env: 'TOPICSTREAM_KAFKA_TIMEOUT',
    default: 90,
    min: 1,
    description: 'Seconds to wait for the broker to start or stop',
  },
  json: { kind: 'boolean', description: 'Print the status as JSON' },
} as const satisfies OptionSpecs

export function defaultKafkaDataDir(env: NodeJS.ProcessEnv): string {
  const stateHome = env.XDG_STATE_HOME || join(homedir(), '.local', 'state')
  return join(stateHome, 'topicstream', 'kafka')
}

export const kafkaCommand = defineCommand({
  usage: 'topicstream kafka <start|stop|status> [options]',
  description: `Manages a local single-node Apache Kafka 4.1 broker (KRaft mode, no ZooKeeper) for development
and demos. The first start downloads the broker jars from Maven Central with mvn (cached in
\${XDG_CACHE_HOME:-~/.cache}/topicstream); Java 17+ runs it. The broker keeps running after this
command exits; "stop" ends it. "status" exits 0 when the broker runs and 3 when it does not.`,
  options: KAFKA_OPTIONS,
  positionals: ['action'],
  async run({ options, positionals, io }) {
    const { action } = positionals
    if (action === undefined || !['start', 'stop', 'status'].includes(action)) {
      throw new TopicstreamError(
        'ERR_CONFIG_INVALID',
        `expected one of start, stop, status${action === undefined ? '' : `, got "${action}"`}`,
      )
    }
    const broker = await import('../../kafka/broker/index.js')
    const dataDir = options.dataDir ?? defaultKafkaDataDir(io.env)

    if (action === 'start') {
      const current = await broker.brokerStatus(dataDir)
      if (current.running) {
        io.stderr.write(`Kafka is already running (pid ${current.pid}) at ${current.brokers}\n`)
        io.stdout.write(`${current.brokers}\n`)
        return 0
      }
      const status = await broker.startBroker({
        dataDir,
        port: options.port,
        controllerPort: options.controllerPort ?? options.port + 1,
        host: options.host,
        heap: options.heap,
        readyTimeoutMs: options.timeout * 1000,
        env: io.env,
        onProgress: (message) => io.stderr.write(`${message}\n`),
      })
      io.stderr.write(
        `Kafka ${status.version} is running (pid ${status.pid}) at ${status.brokers}; data in ${status.dataDir}, log ${status.logFile}\n`,
      )
      io.stdout.write(`${status.brokers}\n`)
      return 0
    }

    if (action === 'stop') {
      const stopped = await broker.stopBroker(dataDir, { timeoutMs: options.timeout * 1000 })
      io.stderr.write(stopped ? `Kafka stopped (${dataDir})\n` : `Kafka was not running (${dataDir})\n`)
      return 0
    }

    return printStatus(await broker.brokerStatus(dataDir), options.json, io)
  },
})

function printStatus(status: BrokerStatus, json: boolean, io: CliIo): number {
  if (json) {
    io.stdout.write(`${JSON.stringify(status)}\n`)
  } else if (status.running) {
    io.stdout.write(
      `running  pid ${status.pid}  brokers ${status.brokers}  controller port ${status.controllerPort}  kafka ${status.version}\n` +
        `data dir ${status.dataDir}\nlog      ${status.logFile}\n`,
    )
  } else {
    io.stdout.write(`stopped  data dir ${status.dataDir}\n`)
  }
  return status.running ? 0 : 3
}
