/**
 * Dead letters keep the original key, value and headers untouched, so the record can be fixed and
 * replayed as it was; why it was rejected and where it came from travel in headers that the bridge
 * appends after the record's own.
 *
 * A record may already carry headers with the same names (its producer wrote them, or it is a dead
 * letter replayed as it was). They are kept as they are, so the rule for readers is: the bridge's
 * headers are the LAST occurrence of each name (`lastHeader`).
 *
 * A dead letter the dead-letter topic cannot take (larger than its `max.message.bytes`, or refused
 * for any other reason that retrying will not fix) is written as a reference instead: a small JSON
 * value that says where the record is and why it was rejected, of bounded size whatever the record.
 */
import type { IncomingRecord, OutgoingRecord, RecordHeader, RecordHeaders } from '../kafka/client.js'
import type { RecordRejection } from './records.js'

export const DEAD_LETTER_HEADERS = {
  code: 'topicstream-error-code',
  message: 'topicstream-error-message',
  topic: 'topicstream-original-topic',
  partition: 'topicstream-original-partition',
  offset: 'topicstream-original-offset',
  timestamp: 'topicstream-original-timestamp',
  /** `full` (the record as it was) or `reference` (see `referenceDeadLetter`). */
  form: 'topicstream-dead-letter-form',
} as const

/** Header values are capped: a rejection message quoting a huge record must not make a huge header. */
const MAX_MESSAGE_CHARS = 1000
/** A reference keeps at most this much of the key (as the record key too) and of the value. */
export const REFERENCE_KEY_BYTES = 1024
export const REFERENCE_VALUE_PREFIX_BYTES = 1024

export interface DeadLetterOrigin {
  readonly topic: string
  readonly partition: number
}

/** The value of a reference dead letter. */
export interface DeadLetterReference {
  readonly reference: true
  readonly topic: string
  readonly partition: number
  readonly offset: string
  readonly timestamp: string
  /** The record key, base64 (its first REFERENCE_KEY_BYTES when longer: see `keyBytes`), or null. */
  readonly key: string | null
  readonly keyBytes: number
  /** The value's size in bytes, or null for a tombstone. */
  readonly valueBytes: number | null
  readonly headerCount: number
  readonly reason: { readonly code: string; readonly message: string }
  /** The value's first REFERENCE_VALUE_PREFIX_BYTES, base64, or null for a tombstone. */
  readonly valuePrefix: string | null
}

function reasonHeaders(
  record: IncomingRecord,
  rejection: RecordRejection,
  origin: DeadLetterOrigin,
  form: 'full' | 'reference',
): RecordHeaders {
  return [
    [DEAD_LETTER_HEADERS.code, rejection.code],
    [DEAD_LETTER_HEADERS.message, rejection.message.slice(0, MAX_MESSAGE_CHARS)],
    [DEAD_LETTER_HEADERS.topic, origin.topic],
    [DEAD_LETTER_HEADERS.partition, String(origin.partition)],
    [DEAD_LETTER_HEADERS.offset, record.offset],
    [DEAD_LETTER_HEADERS.timestamp, record.timestamp],
    [DEAD_LETTER_HEADERS.form, form],
  ]
}

/** The record as it was (key, value, headers in order), then the bridge's headers. */
export function deadLetter(
  record: IncomingRecord,
  rejection: RecordRejection,
  origin: DeadLetterOrigin,
): OutgoingRecord {
  return {
    key: record.key,
    value: record.value,
    headers: [...record.headers, ...reasonHeaders(record, rejection, origin, 'full')],
  }
}

/**
 * The bounded form: the same key (none when it is longer than REFERENCE_KEY_BYTES), a JSON value
 * naming the record and the reason, and only the bridge's headers.
 */
export function referenceDeadLetter(
  record: IncomingRecord,
  rejection: RecordRejection,
  origin: DeadLetterOrigin,
): OutgoingRecord {
  const key = record.key
  const reference: DeadLetterReference = {
    reference: true,
    topic: origin.topic,
    partition: origin.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: key === null ? null : key.subarray(0, REFERENCE_KEY_BYTES).toString('base64'),
    keyBytes: key?.length ?? 0,
    valueBytes: record.value?.length ?? null,
    headerCount: record.headers.length,
    reason: { code: rejection.code, message: rejection.message.slice(0, MAX_MESSAGE_CHARS) },
    valuePrefix: record.value?.subarray(0, REFERENCE_VALUE_PREFIX_BYTES).toString('base64') ?? null,
  }
  return {
    key: key !== null && key.length <= REFERENCE_KEY_BYTES ? key : null,
    value: JSON.stringify(reference),
    headers: reasonHeaders(record, rejection, origin, 'reference'),
  }
}

/** The last value of header `name` (the bridge's own, on a dead letter), or undefined. */
export function lastHeader(headers: readonly RecordHeader[], name: string): Buffer | undefined {
  for (let i = headers.length - 1; i >= 0; i--) {
    const header = headers[i]
    if (header !== undefined && header[0] === name) return header[1]
  }
  return undefined
}
