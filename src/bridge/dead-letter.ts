/**
 * Dead letters keep the original key and value bytes untouched, so the record can be fixed and
 * replayed as it was; why it was rejected and where it came from travel in headers.
 */
import type { IncomingRecord, OutgoingRecord } from '../kafka/client.js'
import type { RecordRejection } from './records.js'

export const DEAD_LETTER_HEADERS = {
  code: 'topicstream-error-code',
  message: 'topicstream-error-message',
  topic: 'topicstream-original-topic',
  partition: 'topicstream-original-partition',
  offset: 'topicstream-original-offset',
  timestamp: 'topicstream-original-timestamp',
} as const

/** Header values are capped: a rejection message quoting a huge record must not make a huge header. */
const MAX_MESSAGE_CHARS = 1000

export function deadLetter(
  record: IncomingRecord,
  rejection: RecordRejection,
  origin: { readonly topic: string; readonly partition: number },
): OutgoingRecord {
  return {
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      [DEAD_LETTER_HEADERS.code]: rejection.code,
      [DEAD_LETTER_HEADERS.message]: rejection.message.slice(0, MAX_MESSAGE_CHARS),
      [DEAD_LETTER_HEADERS.topic]: origin.topic,
      [DEAD_LETTER_HEADERS.partition]: String(origin.partition),
      [DEAD_LETTER_HEADERS.offset]: record.offset,
      [DEAD_LETTER_HEADERS.timestamp]: record.timestamp,
    },
  }
}
