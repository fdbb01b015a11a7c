/**
 * Input records → texts to classify, or the reason a record goes to the dead-letter topic.
 *
 * Two input forms are accepted: a JSON object `{"id","text","created_at","author_id","lang","source",
 * "label"?}`, and raw UTF-8 text (what plain producers write). A value is treated as JSON only when it
 * starts with `{` after JSON whitespace (the rule of src/json-line.ts, the same as `classify` and the
 * producer), so a tweet that happens to be a bare number or quoted string stays text.
 */
import type { ErrorCode } from '../errors.js'
import type { ModelRef } from '../engine/model-registry.js'
import type { Classification } from '../engine/types.js'
import { bytesLookLikeJsonObject } from '../json-line.js'
import { decodeStrictUtf8 } from '../utf8.js'
import type { IncomingRecord } from '../kafka/client.js'

export interface InputRecord {
  readonly id: string
  readonly text: string
  /** The producer's `created_at`, when the input carried one. */
  readonly createdAt?: string
  /** The known topic of the text (labelled replays), passed through as `label_true`. */
  readonly label?: string
  readonly authorId?: string
  readonly lang?: string
  readonly source?: string
}

export interface RecordRejection {
  readonly code: ErrorCode
  readonly message: string
}

export type DecodedRecord =
  | { readonly ok: true; readonly input: InputRecord }
  | { readonly ok: false; readonly rejection: RecordRejection }

export interface RecordPosition {
  readonly topic: string
  readonly partition: number
}

export function decodeRecord(
  record: IncomingRecord,
  position: RecordPosition,
  maxTextBytes: number,
): DecodedRecord {
  // The record's key, else its position: for raw text and JSON without an id (not needed otherwise).
  const fallbackId = (): string =>
    record.key !== null && record.key.length > 0
      ? record.key.toString('utf8')
      : `${position.topic}:${position.partition}:${record.offset}`
  const value = record.value
  if (value === null) {
    return reject('ERR_KAFKA_RECORD_INVALID', 'The record has no value (tombstone)')
  }
  // Bad bytes go to the DLQ untouched; a BOM is dropped so that BOM-prefixed JSON still parses.
  const decoded = decodeStrictUtf8(value, { bom: 'drop' })
  if (decoded === undefined) return reject('ERR_TEXT_NOT_UTF8', 'The record value is not valid UTF-8')
  if (!bytesLookLikeJsonObject(value)) {
    if (value.length > maxTextBytes) return tooLarge(value.length, maxTextBytes)
    return { ok: true, input: { id: fallbackId(), text: decoded } }
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(decoded)
  } catch (error) {
    return reject(
      'ERR_KAFKA_RECORD_INVALID',
      `The record value is not valid JSON: ${(error as Error).message}`,
    )
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return reject('ERR_KAFKA_RECORD_INVALID', 'The record value is not a JSON object')
  }
  const fields = parsed as Record<string, unknown>
  if (!('text' in fields)) return reject('ERR_TEXT_INVALID', 'The record has no "text" field')
  const text = fields.text
  if (typeof text !== 'string') return reject('ERR_TEXT_INVALID', '"text" must be a string')
  const textBytes = Buffer.byteLength(text, 'utf8')
  if (textBytes > maxTextBytes) return tooLarge(textBytes, maxTextBytes)
  const id = scalar(fields.id) ?? fallbackId()
  return {
    ok: true,
    input: {
      id,
      text,
      ...optional('createdAt', scalar(fields.created_at)),
      ...optional('label', scalar(fields.label)),
      ...optional('authorId', scalar(fields.author_id)),
      ...optional('lang', scalar(fields.lang)),
      ...optional('source', scalar(fields.source)),
    },
  }
}

export interface ResultContext {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  /** The input record's Kafka timestamp (ms since the epoch, string). */
  readonly timestamp: string
  readonly classifiedAt: string
}

/** The output value: the engine's Classification (and the model that made it, when named) plus the envelope fields. */
export function buildResult(
  input: InputRecord,
  classification: Classification & { readonly model?: ModelRef },
  context: ResultContext,
) {
  return {
    id: input.id,
    text: input.text,
    label: classification.label,
    confidence: classification.confidence,
    abstained: classification.abstained,
    top_k: classification.top_k,
    ...(classification.explanation ? { explanation: classification.explanation } : {}),
    ...(classification.model ? { model: classification.model } : {}),
    ...(input.label === undefined ? {} : { label_true: input.label }),
    ...(input.createdAt === undefined ? {} : { created_at: input.createdAt }),
    produced_at: new Date(Number(context.timestamp)).toISOString(),
    classified_at: context.classifiedAt,
    source: { topic: context.topic, partition: context.partition, offset: context.offset },
  }
}

export type BridgeResult = ReturnType<typeof buildResult>

function reject(code: ErrorCode, message: string): DecodedRecord {
  return { ok: false, rejection: { code, message } }
}

function tooLarge(bytes: number, max: number): DecodedRecord {
  return reject('ERR_TEXT_TOO_LARGE', `The text is ${bytes} bytes of UTF-8; the maximum is ${max}`)
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  return undefined
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string }
}
