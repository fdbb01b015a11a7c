/**
 * The local broker as a part of a process (`topicstream up`): started with the process, stopped
 * with it, and told to stop even when a second signal ends the process at once.
 */
import { readFileSync } from 'node:fs'
import type { Part } from '../../runtime/part.js'
import type { Logger } from '../../runtime/logger.js'
import { TopicstreamError } from '../../errors.js'
import { type LocalBroker, startLocalBroker } from './index.js'
import { brokerPaths, stopBroker } from './lifecycle.js'

export interface LocalBrokerPartOptions {
  readonly dataDir: string
  readonly host: string
  readonly port: number
  readonly env: NodeJS.ProcessEnv
  readonly logger: Logger
  /** Registers a hook run on a forced exit (see runtime/signals.ts). */
  readonly onForcedExit: (hook: () => void) => void
}

export function localBrokerPart(options: LocalBrokerPartOptions): Part {
  let broker: LocalBroker | undefined
  options.onForcedExit(() => killFromPidFile(options.dataDir))
  return {
    name: 'the Kafka broker',
    async start() {
      options.logger.info(`starting the local Kafka broker on ${options.host}:${options.port}`)
      try {
        broker = await startLocalBroker({
          dataDir: options.dataDir,
          port: options.port,
          host: options.host,
          env: options.env,
          onProgress: (message) => options.logger.info(message),
        })
      } catch (error) {
        throw withBrokerHint(error, options.port)
      }
      options.logger.info({ brokers: broker.brokers, pid: broker.pid }, `Kafka is up at ${broker.brokers}`)
    },
    async stop() {
      // Also after a failed or half-done start: the pid file says whether a JVM was left running.
      await (broker ? broker.stop() : stopBroker(options.dataDir))
    },
  }
}

/** Synchronous, for the forced-exit path: the JVM is detached and would outlive the process. */
function killFromPidFile(dataDir: string): void {
  let pid: number
  try {
    pid = Number.parseInt(readFileSync(brokerPaths(dataDir).pidFile, 'utf8').trim(), 10)
  } catch {
    return
  }
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 'SIGTERM')
    } catch {
      // already gone
    }
  }
}

/** A broker already running is the usual reason the local one cannot start: say how to use it. */
function withBrokerHint(error: unknown, port: number): unknown {
  if (!(error instanceof TopicstreamError) || error.code !== 'ERR_KAFKA_BROKER') return error
  return new TopicstreamError(
    'ERR_KAFKA_BROKER',
    `${error.message}. To use a broker that already runs, set KAFKA_BROKERS (e.g. KAFKA_BROKERS=127.0.0.1:${port}); ` +
      'to start another one, pick a free --broker-port or another --broker-dir',
    { cause: error, ...(error.details ? { details: error.details } : {}) },
  )
}
