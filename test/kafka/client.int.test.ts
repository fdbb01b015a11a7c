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

  test('a new producer with the same transactional id (a restarted process) fences the old one and aborts its open transaction', async () => {
    const topic = await createTestTopic({ prefix: 'txn-fence' })
    const transactionalId = `test-${randomUUID()}`
    const client = () =>
      createKafkaClient({ brokers: kafkaBrokers(), library: kafkaLibrary(), logLevel: 'silent' })
    // The first process: one committed transaction, then one left open, as a kill -9 leaves it.
    const first = client().transactionalProducer({ transactionalId })
    await first.connect()
    const done = await first.transaction()
    await done.send(topic, [{ key: 'a', value: 'first-committed' }])
    await done.commit()
    const open = await first.transaction()
    await open.send(topic, [{ key: 'b', value: 'first-open' }])

    const second = client().transactionalProducer({ transactionalId })
    await second.connect()
    try {
      const transaction = await second.transaction()
      await transaction.send(topic, [{ key: 'c', value: 'second-committed' }])
      await transaction.commit()
      // The old producer is fenced: its open transaction was aborted and cannot commit.
      await expect(open.commit()).rejects.toBeInstanceOf(TopicstreamError)
    } finally {
      await second.disconnect()
      await first.disconnect().catch(() => {})
    }
    // Read well before any transaction timeout: the open transaction no longer holds the partition back.
    const records = await collect(topic, 2, { timeoutMs: 10_000 })
    expect(records.map((r) => r.value?.toString())).toEqual(['first-committed', 'second-committed'])
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
  // The dashboard reads its output topic from the end and its dead-letter topic from the start.
  test('each subscribe call adds its topics with its own starting point', async () => {
    const fromEnd = await createTestTopic({ prefix: 'sub-end' })
    const fromStart = await createTestTopic({ prefix: 'sub-start' })
    const client = createKafkaClient({ brokers: kafkaBrokers(), library: kafkaLibrary(), logLevel: 'silent' })
    const producer = client.producer()
    await producer.connect()
    await producer.send(fromEnd, [{ key: 'old', value: 'old' }])
    await producer.send(fromStart, [{ key: 'kept', value: 'kept' }])
    const seen: string[] = []
    const consumer = client.consumer({ groupId: `sub-${randomUUID()}`, maxWaitTimeMs: 100 })
    const joined = new Promise((resolve) => consumer.onGroupJoin(resolve))
    await consumer.connect()
    try {
      await consumer.subscribe([fromEnd], { fromBeginning: false })
      await consumer.subscribe([fromStart], { fromBeginning: true })
      await consumer.run({
        autoCommit: false,
        eachBatch: async (batch, controls) => {
          for (const record of batch.records)
            seen.push(`${batch.topic === fromEnd ? 'end' : 'start'}:${record.key}`)
          const last = batch.records.at(-1)
          if (last) controls.resolveOffset(last.offset)
        },
      })
      await joined
      await expect.poll(() => seen, { timeout: 20_000 }).toContain('start:kept')
      await producer.send(fromEnd, [{ key: 'new', value: 'new' }])
      await expect.poll(() => seen, { timeout: 20_000 }).toContain('end:new')
      expect(seen).not.toContain('end:old')
    } finally {
      await consumer.disconnect()
      await producer.disconnect()
    }
  })
})

describe('kafka-client consumer groups', () => {
  test('a member joining mid-stream takes partitions where the other left them: no record processed twice', async () => {
    const topic = await createTestTopic({ prefix: 'rebalance', partitions: 4 })
    const total = 8000
    const client = createKafkaClient({ brokers: kafkaBrokers(), library: kafkaLibrary(), logLevel: 'silent' })
    const producer = client.producer()
    await producer.connect()
    // Many small record batches, so that a fetch returns a few of them and batches keep coming.
    for (let sent = 0; sent < total; sent += 100) {
      await producer.send(
        topic,
        Array.from({ length: 100 }, (_, i) => ({
          key: String(sent + i),
          value: String(sent + i),
          partition: i % 4,
        })),
      )
    }
    await producer.disconnect()

    const groupId = `test-group-${randomUUID()}`
    const seen = new Map<string, number>()
    const member = () => {
      const consumer = client.consumer({ groupId, maxBytesPerPartition: 4096, sessionTimeoutMs: 10_000 })
      const joined = new Promise<void>((resolve) => consumer.onGroupJoin(() => resolve()))
      return { consumer, joined }
    }
    const start = async ({ consumer }: ReturnType<typeof member>) => {
      await consumer.connect()
      await consumer.subscribe([topic], { fromBeginning: true })
      await consumer.run({
        autoCommit: true,
        eachBatch: async (batch, controls) => {
          // Slow batches, so that some are in flight when the group rebalances.
          await new Promise((resolve) => setTimeout(resolve, 200))
          for (const record of batch.records) {
            const id = record.value?.toString() ?? ''
            seen.set(id, (seen.get(id) ?? 0) + 1)
            controls.resolveOffset(record.offset)
          }
        },
      })
    }
    const first = member()
    const second = member()
    try {
      await start(first)
      await first.joined
      const begun = Date.now()
      while (seen.size < total / 4 && Date.now() - begun < 30_000) await new Promise((r) => setTimeout(r, 20))
      await start(second)
      await second.joined
      const deadline = Date.now() + 60_000
      while (seen.size < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    } finally {
      await Promise.all([first.consumer.disconnect(), second.consumer.disconnect()])
    }
    expect(seen.size).toBe(total)
    expect([...seen.values()].filter((count) => count > 1)).toHaveLength(0)
  })
})
