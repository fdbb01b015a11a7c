import { describe, expect, test } from 'vitest'
import { createKafkaClient } from '../../src/kafka/client.js'
import { TopicstreamError } from '../../src/errors.js'
import { freePorts } from '../helpers/ports.js'

describe('kafka-client errors', () => {
  test('an unreachable cluster is ERR_KAFKA_UNAVAILABLE with canRetry', async () => {
    const [port] = await freePorts(1)
    const admin = createKafkaClient({
      brokers: [`127.0.0.1:${port}`],
      logLevel: 'silent',
      retries: 0,
      connectionTimeoutMs: 500,
    }).admin()
    const error = await admin.connect().then(
      () => undefined,
      (reason: unknown) => reason,
    )
    expect(error).toBeInstanceOf(TopicstreamError)
    expect(error).toMatchObject({ code: 'ERR_KAFKA_UNAVAILABLE', canRetry: true })
  })

  test('the client needs at least one broker', () => {
    expect(() => createKafkaClient({ brokers: [] })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    )
  })
})
