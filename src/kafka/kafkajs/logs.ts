/** kafkajs's log entries → the logger, at the levels topicstream reports them. */
import { logLevel as KafkaJsLevel } from 'kafkajs'
import type { LogEntry } from 'kafkajs'
import type { KafkaLogger, KafkaLogLevel } from '../types.js'
import { isRetriableLogEntry } from './errors.js'

export function toKafkaLevel(level: KafkaLogLevel): KafkaJsLevel {
  switch (level) {
    case 'silent':
      return KafkaJsLevel.NOTHING
    case 'error':
      return KafkaJsLevel.ERROR
    case 'warn':
      return KafkaJsLevel.WARN
    case 'info':
      return KafkaJsLevel.INFO
    case 'debug':
      return KafkaJsLevel.DEBUG
  }
}

/** kafkajs log entries → the logger's levels. Exported for tests. */
export function forwardLogs(logger: KafkaLogger | undefined): (entry: LogEntry) => void {
  if (logger === undefined) return () => {}
  return ({ namespace, level, log }) => {
    const { message, timestamp: _timestamp, ...extra } = log
    const fields = { kafka: namespace, ...extra }
    // Retriable conditions (a coordinator loading, a leader being elected, a topic not yet known
    // everywhere, a crash kafkajs restarts from) are routine right after a broker or topic starts:
    // debug, without the stack. The layer above reports it if it does not clear.
    if (level <= KafkaJsLevel.WARN && isRetriableLogEntry(message, extra)) {
      const { stack: _stack, ...short } = extra as Record<string, unknown>
      logger.debug({ kafka: namespace, ...short }, message)
      return
    }
    // Any other failed response is logged by the connection and then retried or thrown by the layer
    // above (and translated there), so on its own it is a warning. So is a failure kafkajs says it
    // will retry (`retryCount`): if the retries run out, the caller gets the error and reports it.
    const retrying = extra.retryCount !== undefined
    if (level === KafkaJsLevel.ERROR && namespace !== 'Connection' && !retrying) logger.error(fields, message)
    else if (level <= KafkaJsLevel.WARN) logger.warn(fields, message)
    else if (level === KafkaJsLevel.INFO) logger.info(fields, message)
    else logger.debug(fields, message)
  }
}
