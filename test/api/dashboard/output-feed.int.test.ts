import { afterEach, describe, expect, it } from 'vitest'
import type { FeedRecord } from '../../../src/api/dashboard/types.js'
import { createKafkaClient } from '../../../src/kafka/client.js'
import { createOutputFeed } from '../../../src/api/dashboard/output-feed.js'
import type { OutputFeed } from '../../../src/api/dashboard/output-feed.js'
import { createTestTopic, kafkaBrokers, kafkaLibrary } from '../../helpers/kafka.js'
import { bridgeResult } from './helpers.js'

const feeds: OutputFeed[] = []
afterEach(async () => {
  for (const feed of feeds.splice(0)) await feed.stop()
})

describe('createOutputFeed', () => {
  it('delivers new results, counts dead letters and measures the bridge group’s lag', async () => {
    const [input, output, dlq] = await Promise.all([
      createTestTopic({ prefix: 'feed-in' }),
      createTestTopic({ prefix: 'feed-out' }),
      createTestTopic({ prefix: 'feed-dlq' }),
    ])
    const kafka = createKafkaClient({ brokers: kafkaBrokers(), library: kafkaLibrary(), logLevel: 'silent' })
    const producer = kafka.producer()
    await producer.connect()
    try {
      // Dead letters written before the feed starts are counted too; the input has 3 unread records.
      await producer.send(dlq, [{ value: 'bad' }, { value: 'worse' }])
      await producer.send(input, [{ value: 'a' }, { value: 'b' }, { value: 'c' }])

      const feed = createOutputFeed({
        kafka,
        topics: { input, output, dlq },
        bridgeGroupId: 'a-group-that-never-committed',
        pollIntervalMs: 100,
      })
      feeds.push(feed)
      const seen: FeedRecord[] = []
      feed.subscribe((record) => seen.push(record))
      feed.start()
      await expect.poll(() => feed.facts().kafka, { timeout: 30_000 }).toBe('up')
      await expect.poll(() => feed.facts().dlqCount, { timeout: 30_000 }).toBe(2)
      await expect.poll(() => feed.facts().consumerLag, { timeout: 10_000 }).toBe(3)

      // The feed reads from the end: keep writing until its consumer has its partitions.
      const produced = Date.now()
      await expect
        .poll(
          async () => {
            await producer.send(output, [
              { key: 'k', value: bridgeResult(`r${seen.length}`, produced, 'sci.space') },
            ])
            return seen.length
          },
          { timeout: 30_000, interval: 500 },
        )
        .toBeGreaterThan(0)
      expect(seen[0]).toMatchObject({ label: 'sci.space', trueLabel: 'sci.space', producedAt: produced })
      expect(feed.facts().topics).toEqual({ input, output, dlq })
    } finally {
      await producer.disconnect()
    }
  })
})
