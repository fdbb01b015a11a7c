import { describe, expect, test } from 'vitest'
import { createKafkaClient, forwardLogs, sliceBySize, translateKafkaError } from '../../src/kafka/client.js'
import { TopicstreamError } from '../../src/errors.js'
import { freePorts } from '../helpers/ports.js'

describe('kafka-client errors', () => {
  test('an unreachable cluster is ERR_KAFKA_UNAVAILABLE with canRetry', async () => {
    const [port] = await freePorts(1)
    const admin = createKafkaClient({
      brokers: [`127.0.0.1:${port}`],
      logLevel: 'silent',
      retries: 0,
      connectionTimeoutMs: 500,
    }).admin()
    const error = await admin.connect().then(
      () => undefined,
      (reason: unknown) => reason,
    )
    expect(error).toBeInstanceOf(TopicstreamError)
    expect(error).toMatchObject({ code: 'ERR_KAFKA_UNAVAILABLE', canRetry: true })
  })

  test('library errors keep their retriable flag and get the fallback code', () => {
    const retriable = Object.assign(new Error('leader moving'), {
      name: 'KafkaJSProtocolError',
      retriable: true,
      type: 'LEADER_NOT_AVAILABLE',
    })
    expect(translateKafkaError(retriable, 'ERR_KAFKA_PRODUCE_FAILED')).toMatchObject({
      code: 'ERR_KAFKA_UNAVAILABLE',
      canRetry: true,
    })
    const fatal = Object.assign(new Error('too large'), {
      name: 'KafkaJSProtocolError',
      retriable: false,
      type: 'MESSAGE_TOO_LARGE',
    })
    expect(translateKafkaError(fatal, 'ERR_KAFKA_PRODUCE_FAILED')).toMatchObject({
      code: 'ERR_KAFKA_PRODUCE_FAILED',
      canRetry: false,
      details: { kafkaErrorType: 'MESSAGE_TOO_LARGE' },
    })
    const ours = new TopicstreamError('ERR_TEXT_INVALID', 'kept')
    expect(translateKafkaError(ours, 'ERR_KAFKA_PRODUCE_FAILED')).toBe(ours)
  })

  test('kafkajs errors it will retry, and failed responses, are logged as warnings', () => {
    const seen: string[] = []
    const at =
      (level: string) =>
      (_fields: object, message?: string): void => {
        seen.push(`${level}: ${message}`)
      }
    const forward = forwardLogs({
      error: at('error'),
      warn: at('warn'),
      info: at('info'),
      debug: at('debug'),
    })
    type Entry = Parameters<typeof forward>[0]
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
    const forward = forwardLogs({
      error: at('error'),
      warn: at('warn'),
      info: at('info'),
      debug: at('debug'),
    })
    type Entry = Parameters<typeof forward>[0]
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

  test('the client needs at least one broker', () => {
    expect(() => createKafkaClient({ brokers: [] })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    )
  })
})

describe('kafka-client sends', () => {
  test('large sends are sliced under the request limit, in order', () => {
    const records = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(200_000) }))
    const slices = sliceBySize(records)
    expect(slices.length).toBeGreaterThan(1)
    expect(slices.flat()).toEqual(records)
    for (const slice of slices) expect(slice.length).toBeLessThanOrEqual(2)
  })
})
