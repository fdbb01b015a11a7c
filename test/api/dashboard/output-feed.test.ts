import { afterEach, describe, expect, it } from 'vitest'
import type { FeedRecord } from '../../../src/api/dashboard/types.js'
import { createKafkaClient } from '../../../src/kafka/client.js'
import { buildResult } from '../../../src/bridge/records.js'
import { createOutputFeed, parseResult } from '../../../src/api/dashboard/output-feed.js'
import type { OutputFeed } from '../../../src/api/dashboard/output-feed.js'
import { createTestTopic, kafkaBrokers } from '../../helpers/kafka.js'

const classification = {
  label: 'sci.space',
  confidence: 0.8,
  top_k: [
    { label: 'sci.space', probability: 0.8 },
    { label: 'sci.med', probability: 0.2 },
  ],
  model: { name: '20news', version: 'v1' },
}

/** A result value exactly as the bridge writes it. */
function bridgeResult(id: string, produced: number, trueLabel?: string): string {
  return JSON.stringify(
    buildResult({ id, text: `text ${id}`, ...(trueLabel ? { label: trueLabel } : {}) }, classification, {
      topic: 'tweets',
      partition: 0,
      offset: '7',
      timestamp: String(produced),
      classifiedAt: new Date(produced + 5).toISOString(),
    }),
  )
}

const feeds: OutputFeed[] = []
afterEach(async () => {
  for (const feed of feeds.splice(0)) await feed.stop()
})

describe('parseResult', () => {
  it('reads the bridge’s result records', () => {
    const record = parseResult({
      key: Buffer.from('1'),
      value: Buffer.from(bridgeResult('1', 1_000, 'sci.med')),
      headers: {},
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
    const base = { key: null, headers: {}, offset: '0', timestamp: '1' }
    expect(parseResult({ ...base, value: null })).toBeUndefined()
    expect(parseResult({ ...base, value: Buffer.from('plain text') })).toBeUndefined()
    expect(parseResult({ ...base, value: Buffer.from('{"text":"no label"}') })).toBeUndefined()
  })
})

describe('createOutputFeed', () => {
  it('delivers new results, counts dead letters and measures the bridge group’s lag', async () => {
    const [input, output, dlq] = await Promise.all([
      createTestTopic({ prefix: 'feed-in' }),
      createTestTopic({ prefix: 'feed-out' }),
      createTestTopic({ prefix: 'feed-dlq' }),
    ])
    const kafka = createKafkaClient({ brokers: kafkaBrokers(), logLevel: 'silent' })
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

  it('reports Kafka as down when the cluster cannot be reached', async () => {
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
    await expect.poll(() => feed.facts().kafka, { timeout: 20_000 }).toBe('down')
    expect(feed.facts().kafkaMessage).toBeTruthy()
  })
})
