import { describe, expect, it } from 'vitest'
import { createKafkaClient } from '../../src/kafka/client.js'
import { createProducerWorker } from '../../src/producer/worker.js'
import type { SourceItem, TweetRecord, TweetSource } from '../../src/producer/sources/types.js'
import { TopicstreamError } from '../../src/errors.js'
import { collect, createTestTopic, kafkaBrokers, kafkaLibrary } from '../helpers/kafka.js'
import { arraySource, tweet } from './helpers.js'

/** Never ends by itself: yields one tweet, then waits until aborted. */
function endlessSource(): TweetSource {
  return {
    name: 'endless',
    async *read(signal) {
      yield tweet(0)
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
    },
  }
}

describe('producer worker', () => {
  it('writes N tweets as N records with the right keys and values, counting rejected inputs as failed', async () => {
    const topic = await createTestTopic({ partitions: 3 })
    const tweets = Array.from({ length: 1200 }, (_, n) => tweet(n, n % 2 ? 'odd' : 'even'))
    const rejected = new TopicstreamError('ERR_SOURCE_INVALID', 'line 7 has no text')
    const items: SourceItem[] = [...tweets.slice(0, 600), { rejected }, ...tweets.slice(600)]
    const producer = createKafkaClient({
      brokers: kafkaBrokers(),
      library: kafkaLibrary(),
      logLevel: 'silent',
    }).producer({
      idempotent: true,
    })
    await producer.connect()
    const reported: string[] = []
    const worker = createProducerWorker({
      producer,
      topic,
      source: arraySource(items),
      maxBatchSize: 100,
      onRejected: (error) => reported.push(error.message),
    })
    const stats = await worker.run()
    await producer.disconnect()

    expect(stats).toEqual({ read: 1201, sent: 1200, failed: 1 })
    expect(reported).toEqual(['line 7 has no text'])
    const records = await collect(topic, 1200)
    expect(records).toHaveLength(1200)
    const byKey = new Map(records.map((record) => [record.key?.toString(), JSON.parse(String(record.value))]))
    expect(byKey.size).toBe(1200)
    for (const original of [tweets[0], tweets[599], tweets[1199]] as TweetRecord[]) {
      expect(byKey.get(original.id)).toEqual(original)
    }
  })

  it('flushes what it holds and resolves when stopped', async () => {
    const topic = await createTestTopic()
    const producer = createKafkaClient({
      brokers: kafkaBrokers(),
      library: kafkaLibrary(),
      logLevel: 'silent',
    }).producer({
      idempotent: true,
    })
    await producer.connect()
    const worker = createProducerWorker({ producer, topic, source: endlessSource(), lingerMs: 60_000 })
    const running = worker.run()
    await expect.poll(() => worker.stats().read).toBe(1)
    worker.stop()
    expect(await running).toEqual({ read: 1, sent: 1, failed: 0 })
    await producer.disconnect()
    const records = await collect(topic, 1)
    expect(records[0]?.key?.toString()).toBe('id-0')
  })
})
