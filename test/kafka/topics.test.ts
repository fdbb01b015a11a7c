/**
 * The creation policy against kafkajs-shaped answers. A KRaft broker that has not learnt of a topic
 * its controller just created cannot be provoked on demand, so these answers are scripted, built from
 * kafkajs' own error classes; kafka-client.test.ts runs the same path against the real broker.
 */
import { KafkaJSAggregateError, KafkaJSConnectionError, KafkaJSProtocolError } from 'kafkajs'
import { describe, expect, test } from 'vitest'
import { createMissingTopics } from '../../src/kafka/topics.js'
import type { TopicCreationAdmin } from '../../src/kafka/topics.js'
import { TopicstreamError } from '../../src/errors.js'

/** A broker answer as kafkajs raises it (`createErrorFromCode`). */
function brokerError(type: string, code: number, retriable: boolean, message: string): KafkaJSProtocolError {
  return new KafkaJSProtocolError(Object.assign(new Error(message), { type, code, retriable }))
}

const notServedYet = (): KafkaJSProtocolError =>
  brokerError('UNKNOWN_TOPIC_OR_PARTITION', 3, true, 'This server does not host this topic-partition')

/** The creation response's refusals, as kafkajs gathers them. */
function refused(...refusals: Array<{ topic: string; error: KafkaJSProtocolError }>): KafkaJSAggregateError {
  return new KafkaJSAggregateError(
    'Topic creation errors',
    refusals.map(({ topic, error }) => Object.assign(error, { name: 'KafkaJSCreateTopicError', topic })),
  )
}

interface Script {
  readonly existing?: readonly string[]
  /** What the creation request answers: resolves with kafkajs' boolean or rejects. */
  readonly create?: () => Promise<boolean>
  /** Metadata requests answered with UNKNOWN_TOPIC_OR_PARTITION before the topic shows (Infinity: never). */
  readonly unknownFor?: number
  readonly metadataError?: Error
}

function scriptedAdmin(script: Script): {
  admin: TopicCreationAdmin
  calls: { create: number; metadata: number }
} {
  const calls = { create: 0, metadata: 0 }
  const admin: TopicCreationAdmin = {
    listTopics: async () => [...(script.existing ?? [])],
    createTopics: async () => {
      calls.create++
      return script.create ? script.create() : true
    },
    fetchTopicMetadata: async ({ topics }) => {
      calls.metadata++
      if (script.metadataError) throw script.metadataError
      if (calls.metadata <= (script.unknownFor ?? 0)) throw notServedYet()
      return { topics: topics.map(() => ({ partitions: [{ partitionId: 0 }] })) }
    },
  }
  return { admin, calls }
}

async function failure(promise: Promise<unknown>): Promise<TopicstreamError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(TopicstreamError)
  return error as TopicstreamError
}

describe('createMissingTopics', () => {
  test('topics that exist are neither created again nor waited for', async () => {
    const { admin, calls } = scriptedAdmin({
      existing: ['a', 'b'],
      create: () => Promise.reject(notServedYet()),
    })
    await createMissingTopics(admin, [
      { topic: 'a', partitions: 3 },
      { topic: 'b', partitions: 3 },
    ])
    expect(calls).toEqual({ create: 0, metadata: 0 })
  })

  test('a created topic the broker does not serve yet (UNKNOWN_TOPIC_OR_PARTITION) is waited for', async () => {
    const { admin, calls } = scriptedAdmin({ create: () => Promise.reject(notServedYet()), unknownFor: 3 })
    await createMissingTopics(admin, [{ topic: 'fresh', partitions: 3 }])
    expect(calls).toEqual({ create: 1, metadata: 4 })
  })

  test('a topic Kafka refuses is ERR_CONFIG_INVALID at once: no wait for it to appear', async () => {
    const { admin, calls } = scriptedAdmin({
      create: () =>
        Promise.reject(
          refused({
            topic: 'zero',
            error: brokerError('INVALID_PARTITIONS', 37, false, 'Number of partitions is invalid'),
          }),
        ),
    })
    const error = await failure(createMissingTopics(admin, [{ topic: 'zero', partitions: 0 }]))
    expect(error).toMatchObject({
      code: 'ERR_CONFIG_INVALID',
      canRetry: false,
      details: { topics: [{ topic: 'zero', kafkaErrorType: 'INVALID_PARTITIONS' }] },
    })
    expect(error.message).toBe(
      'Kafka refused to create the topic "zero" with 0 partitions: Number of partitions is invalid (INVALID_PARTITIONS)',
    )
    expect(calls.metadata).toBe(0)
  })

  test('an unreachable cluster is ERR_KAFKA_UNAVAILABLE at once', async () => {
    const { admin, calls } = scriptedAdmin({
      create: () => Promise.reject(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED')),
    })
    const error = await failure(createMissingTopics(admin, [{ topic: 't', partitions: 1 }]))
    expect(error).toMatchObject({ code: 'ERR_KAFKA_UNAVAILABLE', canRetry: true })
    expect(calls.metadata).toBe(0)
  })

  test('other refusals (not authorized) name the topic, keep the client’s code and are not waited for', async () => {
    const { admin, calls } = scriptedAdmin({
      create: () =>
        Promise.reject(
          refused({
            topic: 'secret',
            error: brokerError('TOPIC_AUTHORIZATION_FAILED', 29, false, 'Not authorized to access topics'),
          }),
        ),
    })
    const error = await failure(createMissingTopics(admin, [{ topic: 'secret', partitions: 1 }]))
    expect(error).toMatchObject({
      code: 'ERR_KAFKA_UNAVAILABLE',
      canRetry: false,
      details: { topics: [{ topic: 'secret', kafkaErrorType: 'TOPIC_AUTHORIZATION_FAILED' }] },
    })
    expect(error.message).toContain('"secret"')
    expect(calls.metadata).toBe(0)
  })

  test('a created topic the broker never serves is ERR_KAFKA_UNAVAILABLE, retriable, once the wait is over', async () => {
    const { admin } = scriptedAdmin({ create: () => Promise.reject(notServedYet()), unknownFor: Infinity })
    const error = await failure(
      createMissingTopics(admin, [{ topic: 'ghost', partitions: 1 }], { visibilityTimeoutMs: 300 }),
    )
    expect(error).toMatchObject({
      code: 'ERR_KAFKA_UNAVAILABLE',
      canRetry: true,
      details: { topic: 'ghost' },
    })
  })

  test('while waiting, any other failure is reported at once', async () => {
    const { admin, calls } = scriptedAdmin({
      create: () => Promise.reject(notServedYet()),
      metadataError: new KafkaJSConnectionError('Connection error: connect ECONNREFUSED'),
    })
    const error = await failure(createMissingTopics(admin, [{ topic: 't', partitions: 1 }]))
    expect(error).toMatchObject({ code: 'ERR_KAFKA_UNAVAILABLE', canRetry: true })
    expect(calls.metadata).toBe(1)
  })

  test('topics another client created meanwhile are waited for, not reported', async () => {
    // kafkajs resolves false when every topic was refused as TOPIC_ALREADY_EXISTS.
    const { admin, calls } = scriptedAdmin({ create: async () => false, unknownFor: 1 })
    await createMissingTopics(admin, [{ topic: 'raced', partitions: 1 }])
    expect(calls).toEqual({ create: 1, metadata: 2 })
  })
})
