/**
 * kafkajs against the Kafka 4.x broker of this run: Kafka 4 removed old protocol versions, so
 * each client API the bridge relies on is exercised once.
 */
import { describe, expect, it } from 'vitest'
import { createKafkaClient } from '../../src/kafka/client.js'
import type { IncomingRecord } from '../../src/kafka/client.js'
import { createTestTopic, kafkaBrokers, kafkaLibrary, randomTopicName } from '../helpers/kafka.js'

describe('kafkajs against the local Kafka 4 broker', () => {
  it('round-trips records through an idempotent producer, a transaction and a consumer group', async () => {
    const topic = await createTestTopic({ partitions: 3 })
    const client = createKafkaClient({ brokers: kafkaBrokers(), library: kafkaLibrary(), logLevel: 'silent' })

    const producer = client.producer({ idempotent: true })
    await producer.connect()
    await producer.send(topic, [
      { key: 'k1', value: 'v1' },
      { key: 'k2', value: 'v2' },
    ])
    await producer.disconnect()

    const groupId = randomTopicName('group')
    const transactional = client.transactionalProducer({ transactionalId: randomTopicName('tx') })
    await transactional.connect()
    const committed = await transactional.transaction()
    await committed.send(topic, [{ key: 'k3', value: 'v3' }])
    await committed.sendOffsets(randomTopicName('other-group'), [
      { topic, partitions: [{ partition: 0, offset: '0' }] },
    ])
    await committed.commit()
    const aborted = await transactional.transaction()
    await aborted.send(topic, [{ key: 'k4', value: 'aborted' }])
    await aborted.abort()
    await transactional.disconnect()

    const consumer = client.consumer({ groupId })
    await consumer.connect()
    const records: IncomingRecord[] = []
    await consumer.subscribe([topic], { fromBeginning: true })
    await new Promise<void>((resolve) => {
      void consumer.run({
        autoCommit: true,
        eachBatch: async (batch, controls) => {
          for (const record of batch.records) {
            records.push(record)
            controls.resolveOffset(record.offset)
          }
          if (records.length >= 3) resolve()
        },
      })
    })
    await consumer.stop()
    await consumer.disconnect()

    // read_committed: the aborted record never shows up.
    expect(records.map((record) => `${record.key?.toString()}=${record.value?.toString()}`).sort()).toEqual([
      'k1=v1',
      'k2=v2',
      'k3=v3',
    ])
    const admin = client.admin()
    await admin.connect()
    const offsets = await admin.groupOffsets(groupId, topic)
    const high = await admin.topicOffsets(topic)
    await admin.disconnect()
    // Four records plus a commit and an abort marker; the group committed past all of them, markers
    // and the aborted record included, so each partition's committed offset is its high watermark.
    const byPartition = <T extends { partition: number }>(list: readonly T[]): T[] =>
      [...list].sort((a, b) => a.partition - b.partition)
    expect(byPartition(high).map(({ partition }) => partition)).toEqual([0, 1, 2])
    expect(high.reduce((sum, { high: next }) => sum + Number(next), 0)).toBe(6)
    expect(byPartition(offsets).map(({ partition, offset }) => [partition, offset])).toEqual(
      byPartition(high).map(({ partition, high: next }) => [partition, next]),
    )
  })
})
