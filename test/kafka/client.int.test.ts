import { randomUUID } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { createKafkaClient } from '../../src/kafka/client.js'
import type { KafkaLogger } from '../../src/kafka/client.js'
import { TopicstreamError } from '../../src/errors.js'
import { collect, createTestTopic, kafkaBrokers, kafkaLibrary } from '../helpers/kafka.js'

describe('kafka-client sends', () => {
  test('produces, consumes with headers, and routes library logs to the logger', async () => {
    const topic = await createTestTopic({ prefix: 'client' })
    const lines: Array<{ level: string; message: string | undefined }> = []
    const record = (level: string) => (_object: object, message?: string) => lines.push({ level, message })
    const logger: KafkaLogger = {
      error: record('error'),
      warn: record('warn'),
      info: record('info'),
      debug: record('debug'),
    }
    const producer = createKafkaClient({
      brokers: kafkaBrokers(),
      library: kafkaLibrary(),
      logger,
      logLevel: 'debug',
    }).producer()
    await producer.connect()
    // A value over the broker's 1 MiB limit in total, to exercise slicing against the real broker.
    const big = Array.from({ length: 6 }, (_, i) => ({ key: `big-${i}`, value: 'y'.repeat(300_000) }))
    await producer.send(topic, [{ key: 'a', value: 'hello', headers: [['h', 'v']] }, ...big])
    await producer.disconnect()
    expect(lines.some((line) => line.level === 'debug' && typeof line.message === 'string')).toBe(true)

    const records = await collect(topic, 7)
    expect(records.map((r) => r.key?.toString())).toEqual(['a', ...big.map((b) => b.key)])
    expect(records[0]?.headers).toEqual([['h', Buffer.from('v')]])
    expect(records[1]?.value?.length).toBe(300_000)
  })

  test('read_committed consumers see committed transactions and never aborted ones', async () => {
    const topic = await createTestTopic({ prefix: 'txn' })
    const producer = createKafkaClient({
      brokers: kafkaBrokers(),
      library: kafkaLibrary(),
      logLevel: 'silent',
    }).transactionalProducer({
      transactionalId: `test-${randomUUID()}`,
    })
    await producer.connect()
    try {
      const aborted = await producer.transaction()
      await aborted.send(topic, [{ key: 'x', value: 'aborted' }])
      await aborted.abort()
      const committed = await producer.transaction()
      await committed.send(topic, [{ key: 'y', value: 'committed' }])
      await committed.commit()
    } finally {
      await producer.disconnect()
    }
    const records = await collect(topic, 1, { timeoutMs: 5000 })
    expect(records.map((r) => r.value?.toString())).toEqual(['committed'])
  })

  test('admin creates missing topics idempotently and reports offsets', async () => {
    const topic = `client-admin-${randomUUID()}`
    const admin = createKafkaClient({
      brokers: kafkaBrokers(),
      library: kafkaLibrary(),
      logLevel: 'silent',
    }).admin()
    await admin.connect()
    try {
      await admin.createTopics([{ topic, partitions: 2 }])
      await admin.createTopics([{ topic, partitions: 2 }])
      expect(await admin.partitionCount(topic)).toBe(2)
      const offsets = await admin.topicOffsets(topic)
      expect(offsets.map((o) => [o.partition, o.high]).sort()).toEqual([
        [0, '0'],
        [1, '0'],
      ])
      const nothingCommitted = await admin.groupOffsets(`nobody-${randomUUID()}`, topic)
      expect([...nothingCommitted].sort((a, b) => a.partition - b.partition)).toEqual([
        { partition: 0, offset: '-1' },
        { partition: 1, offset: '-1' },
      ])
    } finally {
      await admin.deleteTopics([topic])
      await admin.disconnect()
    }
  })
})

describe('kafka-client topic creation', () => {
  test('createTopics resolves with the topic created, its partitions taking records', async () => {
    const topic = `client-fresh-${randomUUID()}`
    const client = createKafkaClient({ brokers: kafkaBrokers(), library: kafkaLibrary(), logLevel: 'silent' })
    const admin = client.admin()
    await admin.connect()
    try {
      await admin.createTopics([{ topic, partitions: 3 }])
      expect(await admin.partitionCount(topic)).toBe(3)
      const producer = client.producer()
      await producer.connect()
      try {
        await producer.send(
          topic,
          [0, 1, 2].map((partition) => ({ key: `k${partition}`, value: `v${partition}`, partition })),
        )
      } finally {
        await producer.disconnect()
      }
      const records = await collect(topic, 3)
      expect(records.map((r) => [r.partition, r.value?.toString()]).sort()).toEqual([
        [0, 'v0'],
        [1, 'v1'],
        [2, 'v2'],
      ])
    } finally {
      await admin.deleteTopics([topic])
      await admin.disconnect()
    }
  })

  test('topics Kafka refuses (0 partitions, an invalid name) fail with ERR_CONFIG_INVALID, naming them', async () => {
    const zero = `client-zero-${randomUUID()}`
    const admin = createKafkaClient({
      brokers: kafkaBrokers(),
      library: kafkaLibrary(),
      logLevel: 'silent',
    }).admin()
    await admin.connect()
    try {
      const noPartitions = await admin.createTopics([{ topic: zero, partitions: 0 }]).then(
        () => undefined,
        (reason: unknown) => reason,
      )
      expect(noPartitions).toBeInstanceOf(TopicstreamError)
      expect(noPartitions).toMatchObject({
        code: 'ERR_CONFIG_INVALID',
        canRetry: false,
        details: { topics: [{ topic: zero, kafkaErrorType: 'INVALID_PARTITIONS' }] },
      })
      expect((noPartitions as Error).message).toContain(`"${zero}" with 0 partitions`)

      const badName = await admin.createTopics([{ topic: 'not a topic name!', partitions: 1 }]).then(
        () => undefined,
        (reason: unknown) => reason,
      )
      expect(badName).toMatchObject({
        code: 'ERR_CONFIG_INVALID',
        details: { topics: [{ topic: 'not a topic name!', kafkaErrorType: 'INVALID_TOPIC_EXCEPTION' }] },
      })
      expect(await admin.listTopics()).not.toContain(zero)
    } finally {
      await admin.disconnect()
    }
  })
})
