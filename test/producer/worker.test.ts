import { describe, expect, it } from 'vitest'
import type { KafkaSender, OutgoingRecord } from '../../src/kafka/client.js'
import { createProducerWorker, tweetToRecord } from '../../src/producer/worker.js'
import { TopicstreamError } from '../../src/errors.js'
import { arraySource, tweet } from './helpers.js'

describe('tweetToRecord', () => {
  it('keys by id and writes the fields in a fixed order, label only when known', () => {
    expect(tweetToRecord(tweet(1))).toEqual({
      key: 'id-1',
      value:
        '{"id":"id-1","text":"text 1","created_at":"2024-01-01T00:00:00.000Z","author_id":null,"lang":"en","source":"test"}',
    })
    expect(JSON.parse(String(tweetToRecord(tweet(2, 'sci.med')).value))).toMatchObject({ label: 'sci.med' })
  })
})

describe('producer worker', () => {
  it('retries a send that may succeed later and counts one that cannot as failed', async () => {
    const sent: OutgoingRecord[][] = []
    let calls = 0
    const flaky: KafkaSender = {
      async send(_topic, records) {
        calls++
        if (calls === 1) throw new TopicstreamError('ERR_KAFKA_UNAVAILABLE', 'down', { canRetry: true })
        if (calls === 3) throw new TopicstreamError('ERR_KAFKA_PRODUCE_FAILED', 'too large')
        sent.push([...records])
      },
    }
    const errors: Array<[string, boolean]> = []
    const worker = createProducerWorker({
      producer: flaky,
      topic: 't',
      source: arraySource([tweet(1), tweet(2), tweet(3)]),
      maxBatchSize: 2,
      retryBackoffMs: 1,
      onSendError: (error, _records, willRetry) => errors.push([error.code, willRetry]),
    })
    expect(await worker.run()).toEqual({ read: 3, sent: 2, failed: 1 })
    expect(sent.map((batch) => batch.map((record) => record.key))).toEqual([['id-1', 'id-2']])
    expect(errors).toEqual([
      ['ERR_KAFKA_UNAVAILABLE', true],
      ['ERR_KAFKA_PRODUCE_FAILED', false],
    ])
  })
})
