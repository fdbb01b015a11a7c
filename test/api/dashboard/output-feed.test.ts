import { afterEach, describe, expect, it } from 'vitest'
import { createKafkaClient } from '../../../src/kafka/client.js'
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
