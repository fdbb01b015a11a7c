/**
 * A real single-node Apache Kafka broker for development, tests and `topicstream up`.
 * Nothing starts on import; each call manages one data directory.
 */
import { brokerStatus, startBroker, stopBroker } from './lifecycle.js'
import type { StartBrokerOptions, StopBrokerOptions } from './lifecycle.js'

export { KAFKA_VERSION, ensureKafkaJars } from './jars.js'
export { brokerStatus, startBroker, stopBroker } from './lifecycle.js'
export type { BrokerStatus, StartBrokerOptions, StopBrokerOptions } from './lifecycle.js'
export { renderServerProperties } from './server-properties.js'

export interface LocalBroker {
  /** `host:port` for Kafka clients. */
  readonly brokers: string
  readonly port: number
  readonly controllerPort: number
  readonly dataDir: string
  readonly pid: number
  /** Stops the JVM (SIGTERM, then SIGKILL after the grace period; `force` kills at once). */
  stop(options?: StopBrokerOptions): Promise<void>
  /** Starts it again on the same data directory and ports, keeping topics and offsets. */
  restart(): Promise<void>
}

export interface LocalBrokerOptions extends Partial<StartBrokerOptions> {
  readonly dataDir: string
  /** Client port; the controller port defaults to the next one. */
  readonly port: number
}

export async function startLocalBroker(options: LocalBrokerOptions): Promise<LocalBroker> {
  const startOptions: StartBrokerOptions = {
    ...options,
    controllerPort: options.controllerPort ?? options.port + 1,
  }
  let status = await startBroker(startOptions)
  const broker = {
    brokers: status.brokers ?? `${options.host ?? '127.0.0.1'}:${options.port}`,
    port: options.port,
    controllerPort: startOptions.controllerPort,
    dataDir: status.dataDir,
    get pid(): number {
      return status.pid ?? 0
    },
    async stop(stopOptions?: StopBrokerOptions): Promise<void> {
      await stopBroker(status.dataDir, stopOptions)
      status = await brokerStatus(status.dataDir)
    },
    async restart(): Promise<void> {
      await stopBroker(status.dataDir)
      status = await startBroker(startOptions)
    },
  }
  return broker
}
