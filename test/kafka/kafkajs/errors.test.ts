import { describe, expect, test } from 'vitest'
import { translateKafkaError } from '../../../src/kafka/kafkajs/errors.js'
import { TopicstreamError } from '../../../src/errors.js'

/** An error as kafkajs throws it for a broker's error code. */
function protocolError(message: string, retriable: boolean, type: string): Error {
  return Object.assign(new Error(message), { name: 'KafkaJSProtocolError', retriable, type })
}

describe('kafkajs errors', () => {
  test('library errors keep their retriable flag and get the fallback code', () => {
    const retriable = protocolError('leader moving', true, 'LEADER_NOT_AVAILABLE')
    expect(translateKafkaError(retriable, 'ERR_KAFKA_PRODUCE_FAILED')).toMatchObject({
      code: 'ERR_KAFKA_UNAVAILABLE',
      canRetry: true,
    })
    const fatal = protocolError('too large', false, 'MESSAGE_TOO_LARGE')
    expect(translateKafkaError(fatal, 'ERR_KAFKA_PRODUCE_FAILED')).toMatchObject({
      code: 'ERR_KAFKA_PRODUCE_FAILED',
      canRetry: false,
      details: { kafkaErrorType: 'MESSAGE_TOO_LARGE' },
    })
    const ours = new TopicstreamError('ERR_TEXT_INVALID', 'kept')
    expect(translateKafkaError(ours, 'ERR_KAFKA_PRODUCE_FAILED')).toBe(ours)
  })
})
