import { afterEach, describe, expect, it } from 'vitest'
import { TopicstreamError } from '../../../src/errors.js'
import { createKafkaClient } from '../../../src/kafka/client.js'
import type { KafkaClient, KafkaLogger } from '../../../src/kafka/client.js'
import { createOutputFeed, parseResult } from '../../../src/api/dashboard/output-feed.js'
import type { OutputFeed } from '../../../src/api/dashboard/output-feed.js'
import { bridgeResult } from './helpers.js'

const feeds: OutputFeed[] = []
afterEach(async () => {
  for (const feed of feeds.splice(0)) await feed.stop()
})

describe('parseResult', () => {
  it('reads the bridge’s result records', () => {
    const record = parseResult({
      key: Buffer.from('1'),
      value: Buffer.from(bridgeResult('1', 1_000, 'sci.med')),
      headers: [],
      offset: '0',
      timestamp: '1040',
    })
    expect(record).toEqual({
      id: '1',
      text: 'text 1',
      label: 'sci.space',
      confidence: 0.8,
      trueLabel: 'sci.med',
      producedAt: 1_000,
      classifiedAt: 1_040,
      model: '20news',
      modelVersion: 'v1',
    })
  })

  it('ignores values that are not results', () => {
    const base = { key: null, headers: [], offset: '0', timestamp: '1' }
    expect(parseResult({ ...base, value: null })).toBeUndefined()
    expect(parseResult({ ...base, value: Buffer.from('plain text') })).toBeUndefined()
    expect(parseResult({ ...base, value: Buffer.from('{"text":"no label"}') })).toBeUndefined()
  })
})

describe('createOutputFeed', () => {
  it('reports reconnecting, with the attempt and the last error, when the cluster cannot be reached', async () => {
    const feed = createOutputFeed({
      // Nothing listens on port 1.
      kafka: createKafkaClient({
        brokers: ['127.0.0.1:1'],
        logLevel: 'silent',
        retries: 0,
        connectionTimeoutMs: 200,
      }),
      topics: { input: 'i', output: 'o', dlq: 'd' },
    })
    feeds.push(feed)
    feed.start()
    await expect.poll(() => feed.facts().kafka, { timeout: 20_000 }).toBe('reconnecting')
    expect(feed.facts()).toMatchObject({ kafkaAttempt: 2, kafkaMessage: expect.any(String) })
  })
})

/**
 * A client whose consumers behave as kafkajs's do: `run()` resolves once the runner has started,
 * whether the group join succeeded (a group-join event) or failed (a crash event, emitted before
 * `run()` resolves, possibly with `restart: false`).
 */
function fakeKafka(plan: { joinFailures: number; restart?: boolean; hangFirstJoin?: boolean }) {
  const coordinatorLoading = new TopicstreamError(
    'ERR_KAFKA_UNAVAILABLE',
    'Kafka is unavailable: Failed to find group coordinator',
    { canRetry: true },
  )
  const consumers: Array<{
    crash(error?: TopicstreamError, restart?: boolean): void
    join(): void
    disconnected: boolean
  }> = []
  let lagPolls = 0
  const client = {
    admin: () => ({
      connect: async () => {},
      disconnect: async () => {},
      topicOffsets: async () => {
        lagPolls++
        return [{ partition: 0, high: '10', low: '0' }]
      },
      groupOffsets: async () => [{ partition: 0, offset: '4' }],
    }),
    consumer: () => {
      const crashes: Array<(error: TopicstreamError, restart: boolean) => void> = []
      const joins: Array<(assignment: Record<string, number[]>) => void> = []
      const index = consumers.length
      const handle = {
        crash: (error = coordinatorLoading, restart = plan.restart ?? false) => {
          for (const listener of crashes) listener(error, restart)
        },
        join: () => {
          for (const listener of joins) listener({ out: [0] })
        },
        disconnected: false,
      }
      consumers.push(handle)
      return {
        connect: async () => {},
        disconnect: async () => {
          handle.disconnected = true
        },
        subscribe: async () => {},
        stop: async () => {},
        seek: () => {},
        onCrash: (listener: (error: TopicstreamError, restart: boolean) => void) => crashes.push(listener),
        onGroupJoin: (listener: (assignment: Record<string, number[]>) => void) => joins.push(listener),
        run: async () => {
          if (plan.hangFirstJoin && index === 0) return
          if (index < plan.joinFailures) handle.crash()
          else handle.join()
        },
      }
    },
  }
  return { client: client as unknown as KafkaClient, consumers, lagPolls: () => lagPolls }
}

function recordingLogger() {
  const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = []
  const at =
    (level: string) =>
    (fields: object, message?: string): void => {
      lines.push({ level, fields: fields as Record<string, unknown>, message: message ?? '' })
    }
  const logger: KafkaLogger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') }
  return { logger, lines }
}

describe('createOutputFeed supervision', () => {
  const topics = { input: 'in', output: 'out', dlq: 'dlq' }

  it('restarts a consumer whose group join fails, with a doubling back-off, until it is up', async () => {
    const kafka = fakeKafka({ joinFailures: 4 })
    const { logger, lines } = recordingLogger()
    const states: string[] = []
    const feed = createOutputFeed({
      kafka: kafka.client,
      topics,
      logger,
      reconnectBackoff: { initialMs: 20, maxMs: 60 },
    })
    feeds.push(feed)
    const seen = setInterval(() => {
      const { kafka: state, kafkaAttempt } = feed.facts()
      const label = kafkaAttempt === undefined ? state : `${state} ${kafkaAttempt}`
      if (states.at(-1) !== label) states.push(label)
    }, 1)
    expect(feed.facts().kafka).toBe('connecting')
    feed.start()
    await expect.poll(() => feed.facts().kafka, { timeout: 5000 }).toBe('up')
    clearInterval(seen)

    expect(kafka.consumers).toHaveLength(5)
    // Every dead consumer was closed, which also cancels any restart the library had scheduled.
    expect(kafka.consumers.slice(0, 4).every((consumer) => consumer.disconnected)).toBe(true)
    const retries = lines.filter((line) => line.message.includes('reconnecting'))
    expect(retries.map((line) => line.fields.retryInMs)).toEqual([20, 40, 60, 60])
    expect(retries.map((line) => line.fields.attempt)).toEqual([2, 3, 4, 5])
    // Retriable: info, the message and code only, no Error object (no stack).
    expect(retries.every((line) => line.level === 'info' && !('err' in line.fields))).toBe(true)
    expect(retries[0]?.fields).toMatchObject({
      error: 'Kafka is unavailable: Failed to find group coordinator',
      code: 'ERR_KAFKA_UNAVAILABLE',
    })
    expect(states).toContain('reconnecting 2')
    expect(states.at(-1)).toBe('up')
    expect(states.indexOf('up')).toBe(states.length - 1)
    expect(feed.facts()).not.toHaveProperty('kafkaMessage')
    expect(lines.filter((line) => line.level === 'error' || line.level === 'warn')).toEqual([])
  })

  it('says reconnecting, with the last error, while the consumer is dead', async () => {
    // A long back-off: the consumer stays dead for the rest of the test.
    const kafka = fakeKafka({ joinFailures: 1 })
    const feed = createOutputFeed({
      kafka: kafka.client,
      topics,
      pollIntervalMs: 5,
      reconnectBackoff: { initialMs: 60_000, maxMs: 60_000 },
    })
    feeds.push(feed)
    feed.start()
    await expect.poll(() => feed.facts().kafka).toBe('reconnecting')
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(feed.facts()).toMatchObject({
      kafka: 'reconnecting',
      kafkaAttempt: 2,
      kafkaMessage: 'Kafka is unavailable: Failed to find group coordinator',
    })
    expect(kafka.consumers).toHaveLength(1)
  })

  it('does not let a successful lag poll report "up" before the consumer has joined', async () => {
    const kafka = fakeKafka({ joinFailures: 0, hangFirstJoin: true })
    const feed = createOutputFeed({
      kafka: kafka.client,
      topics,
      bridgeGroupId: 'bridge',
      pollIntervalMs: 5,
      reconnectBackoff: { initialMs: 300, maxMs: 300 },
    })
    feeds.push(feed)
    feed.start()
    await expect.poll(() => kafka.lagPolls(), { timeout: 5000 }).toBeGreaterThan(3)
    expect(feed.facts()).toMatchObject({ kafka: 'connecting', consumerLag: 6 })

    // The joined consumer crashes later (kafkajs would restart it itself): the feed takes over.
    kafka.consumers[0]?.join()
    expect(feed.facts().kafka).toBe('up')
    kafka.consumers[0]?.crash(undefined, true)
    await expect.poll(() => feed.facts().kafka).toBe('reconnecting')
    await expect.poll(() => feed.facts().kafka, { timeout: 5000 }).toBe('up')
    expect(kafka.consumers).toHaveLength(2)
    expect(kafka.consumers[0]?.disconnected).toBe(true)
  })

  it('reports the bridge’s results so the dashboard can tell who is behind', async () => {
    const kafka = fakeKafka({ joinFailures: 0 })
    const bridge: { produced?: number } = {}
    const feed = createOutputFeed({
      kafka: kafka.client,
      topics,
      pollIntervalMs: 5,
      bridgeResultsProduced: async () => bridge.produced,
    })
    feeds.push(feed)
    feed.start()
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(feed.facts()).not.toHaveProperty('bridgeResultsProduced')
    bridge.produced = 7604
    await expect.poll(() => feed.facts().bridgeResultsProduced).toBe(7604)
  })
})
