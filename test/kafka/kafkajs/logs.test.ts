import { describe, expect, test } from 'vitest'
import { forwardLogs } from '../../../src/kafka/kafkajs/logs.js'

type Entry = Parameters<ReturnType<typeof forwardLogs>>[0]

/** forwardLogs into a logger whose every level calls `at(level)`. */
function forwardTo(
  at: (level: string) => (fields: object, message?: string) => void,
): (entry: Entry) => void {
  return forwardLogs({ error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') })
}

describe('kafkajs logs', () => {
  test('kafkajs errors it will retry, and failed responses, are logged as warnings', () => {
    const seen: string[] = []
    const at =
      (level: string) =>
      (_fields: object, message?: string): void => {
        seen.push(`${level}: ${message}`)
      }
    const forward = forwardTo(at)
    // kafkajs levels: 1 error, 2 warn, 4 info, 5 debug.
    const entry = (namespace: string, level: number, extra: object = {}): Entry =>
      ({ namespace, level, label: '', log: { timestamp: '', message: namespace, ...extra } }) as Entry
    forward(entry('BrokerPool', 1, { retryCount: 2, retryTime: 1414 }))
    forward(entry('Connection', 1))
    forward(entry('Producer', 1))
    forward(entry('Consumer', 2))
    forward(entry('Runner', 4))
    expect(seen).toEqual([
      'warn: BrokerPool',
      'warn: Connection',
      'error: Producer',
      'warn: Consumer',
      'info: Runner',
    ])
  })

  test('retriable kafkajs entries (start-up conditions, restarted crashes) go to debug, without a stack', () => {
    const seen: Array<{ level: string; message: string; fields: Record<string, unknown> }> = []
    const at =
      (level: string) =>
      (fields: object, message?: string): void => {
        seen.push({ level, message: message ?? '', fields: fields as Record<string, unknown> })
      }
    const forward = forwardTo(at)
    const entry = (namespace: string, level: number, message: string, extra: object = {}): Entry =>
      ({ namespace, level, label: '', log: { timestamp: '', message, ...extra } }) as Entry
    const stack = 'KafkaJSProtocolError: …\n    at createErrorFromCode (error.js:581:10)'
    forward(
      entry(
        'Consumer',
        1,
        "Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group",
        {
          groupId: 'g',
          retryCount: undefined,
          stack,
        },
      ),
    )
    forward(
      entry('Consumer', 1, 'Crash: KafkaJSNumberOfRetriesExceeded: The group coordinator is not available', {
        retryCount: 2,
        stack,
      }),
    )
    forward(entry('Consumer', 1, 'Restarting the consumer in 300ms', { retryTime: 300 }))
    forward(
      entry('Connection', 1, 'Response Metadata(key: 3, version: 6)', {
        error: 'There is no leader for this topic-partition as we are in the middle of a leadership election',
      }),
    )
    forward(
      entry('Connection', 1, 'Response Fetch(key: 1, version: 11)', {
        error: 'This server does not host this topic-partition',
      }),
    )
    forward(
      entry('Consumer', 1, 'Crash: KafkaJSGroupCoordinatorNotFound: Failed to find group coordinator', {
        stack,
      }),
    )
    forward(
      entry('Producer', 2, 'Failed to send', {
        error: { name: 'KafkaJSError', message: 'x', retriable: true },
      }),
    )
    // A failure that is not retriable stays what it was.
    forward(
      entry('Consumer', 1, 'Crash: KafkaJSNonRetriableError: Topic authorization failed', {
        retryCount: undefined,
        stack,
      }),
    )
    forward(entry('Connection', 1, 'Connection error: connect ECONNREFUSED 127.0.0.1:1'))
    expect(seen.map(({ level }) => level)).toEqual([
      'debug',
      'debug',
      'debug',
      'debug',
      'debug',
      'debug',
      'debug',
      'error',
      'warn',
    ])
    for (const line of seen.slice(0, 7)) expect(line.fields).not.toHaveProperty('stack')
    expect(seen[0]?.fields).toMatchObject({ kafka: 'Consumer', groupId: 'g' })
  })
})
