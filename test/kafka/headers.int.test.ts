import { expect, test } from 'vitest'
import { createKafkaClient } from '../../src/kafka/client.js'
import { collect, createTestTopic, kafkaBrokers, kafkaLibrary } from '../helpers/kafka.js'

test('headers named after Object.prototype members, and repeated headers, round-trip exactly', async () => {
  const topic = await createTestTopic({ prefix: 'headers' })
  const headers = [
    ['constructor', 'a'],
    ['__proto__', 'b'],
    ['toString', 'c'],
    ['x', '1'],
    ['x', '2'],
  ] as const
  const producer = createKafkaClient({
    brokers: kafkaBrokers(),
    library: kafkaLibrary(),
    logLevel: 'silent',
  }).producer()
  await producer.connect()
  try {
    await producer.send(topic, [{ key: 'k', value: 'v', headers }])
  } finally {
    await producer.disconnect()
  }
  const [record] = await collect(topic, 1)
  expect(record?.headers).toEqual(headers.map(([name, value]) => [name, Buffer.from(value)]))
})
