/**
 * Feedback: a text and the label it should have had. Every channel (REST, gRPC, records written
 * straight to the feedback topic) checks its items here, so they are refused for the same reasons
 * with the same codes, and every accepted item reaches the feedback topic in one record form:
 * key = id, value = `{"id","text","label","model"?}`.
 */
import type { ModelRegistry } from '../engine/model-registry.js'
import type { TextClassifier } from '../engine/text-classifier.js'
import { TopicstreamError, isTopicstreamError } from '../errors.js'
import { bytesLookLikeJsonObject } from '../json-line.js'
import { decodeStrictUtf8 } from '../utf8.js'

export interface FeedbackItem {
  /** Chosen by the sender, or made up on arrival; held-out selection is a function of it. */
  readonly id: string
  readonly text: string
  /** A class name; a model trained on numeric labels also takes integers. */
  readonly label: string | number
  /** The model the feedback is for; absent = the default model. */
  readonly model?: string
}

export interface FeedbackLimits {
  readonly maxTextBytes: number
  readonly maxLabelBytes: number
}

/** Longest label, in UTF-8 bytes: a topic name, never a paragraph. */
export const DEFAULT_MAX_LABEL_BYTES = 256
/** Longest id, in UTF-8 bytes. */
export const MAX_FEEDBACK_ID_BYTES = 512

/**
 * A lone surrogate (a `\uD800` escape in JSON, or a JavaScript string) is no Unicode text: written
 * as UTF-8 it would become U+FFFD, so the record key would no longer be the id, and a label would
 * turn into a different class name once a model file stores it.
 */
const LONE_SURROGATE = /\p{Cs}/u

/**
 * The checked item. `fields` is what the channel received (a parsed JSON object, a protobuf
 * message); `makeId` supplies an id when the sender gave none. Throws ERR_TEXT_INVALID,
 * ERR_TEXT_TOO_LARGE, ERR_LABEL_INVALID or ERR_REQUEST_INVALID.
 */
export function checkFeedback(
  fields: Readonly<Record<string, unknown>>,
  limits: FeedbackLimits,
  makeId: () => string,
): FeedbackItem {
  const { text, label, id, model } = fields
  if (typeof text !== 'string' || text.trim() === '') {
    throw new TopicstreamError('ERR_TEXT_INVALID', 'Feedback needs a non-empty "text" string')
  }
  const textBytes = Buffer.byteLength(text, 'utf8')
  if (textBytes > limits.maxTextBytes) {
    throw new TopicstreamError(
      'ERR_TEXT_TOO_LARGE',
      `The text is ${textBytes} bytes; the limit is ${limits.maxTextBytes}`,
      { details: { bytes: textBytes, limit: limits.maxTextBytes } },
    )
  }
  if (LONE_SURROGATE.test(text)) {
    throw new TopicstreamError('ERR_TEXT_INVALID', 'The text holds a lone surrogate (not Unicode text)')
  }
  const checkedLabel = checkLabel(label, limits.maxLabelBytes)
  const hasId = id !== undefined && id !== null && id !== ''
  if (hasId) checkId(id)
  if (model !== undefined && model !== null && model !== '' && typeof model !== 'string') {
    throw new TopicstreamError('ERR_REQUEST_INVALID', '"model" must be a model name (a string)')
  }
  return {
    id: hasId ? (id as string) : makeId(),
    text,
    label: checkedLabel,
    ...(typeof model === 'string' && model !== '' ? { model } : {}),
  }
}

function checkId(id: unknown): void {
  if (
    typeof id !== 'string' ||
    Buffer.byteLength(id, 'utf8') > MAX_FEEDBACK_ID_BYTES ||
    LONE_SURROGATE.test(id)
  ) {
    throw new TopicstreamError(
      'ERR_REQUEST_INVALID',
      `"id" must be a string of at most ${MAX_FEEDBACK_ID_BYTES} bytes of Unicode text`,
    )
  }
}

function checkLabel(label: unknown, maxBytes: number): string | number {
  if (typeof label === 'number') {
    if (!Number.isSafeInteger(label)) {
      throw new TopicstreamError('ERR_LABEL_INVALID', `A numeric label must be an integer (got ${label})`)
    }
    return label
  }
  if (typeof label !== 'string' || label.trim() === '') {
    throw new TopicstreamError(
      'ERR_LABEL_INVALID',
      'Feedback needs a "label": a non-empty string or an integer',
    )
  }
  const bytes = Buffer.byteLength(label, 'utf8')
  if (bytes > maxBytes) {
    throw new TopicstreamError('ERR_LABEL_INVALID', `The label is ${bytes} bytes; the limit is ${maxBytes}`, {
      details: { bytes, limit: maxBytes },
    })
  }
  if (LONE_SURROGATE.test(label)) {
    throw new TopicstreamError('ERR_LABEL_INVALID', 'The label holds a lone surrogate (not Unicode text)')
  }
  return label
}

/**
 * The item as it is for one of `registry`'s models: `model` named (the default model's name when the
 * item named none) and, once that model is loaded, a label it can learn (a number is no class of a
 * model of string labels). A model still loading takes any label: the learner dead-letters what it
 * cannot learn. Throws ERR_MODEL_NOT_FOUND or ERR_MODEL_LABEL_UNKNOWN.
 */
export function feedbackForModel(
  item: FeedbackItem,
  registry: Pick<ModelRegistry, 'entry' | 'defaultName'>,
): FeedbackItem & { readonly model: string } {
  let model: TextClassifier | undefined
  try {
    model = registry.entry(item.model).model
  } catch (error) {
    if (!isTopicstreamError(error) || error.code !== 'ERR_NOT_READY') throw error
  }
  if (model !== undefined) model.classNameOf(item.label)
  return item.model === undefined
    ? { ...item, model: registry.defaultName }
    : (item as FeedbackItem & { model: string })
}

/** The feedback topic's record for an item. */
export function feedbackRecord(item: FeedbackItem): { key: string; value: string } {
  return { key: item.id, value: JSON.stringify(item) }
}

/**
 * A feedback-topic record's value → the item, or the TopicstreamError that sends it to the
 * feedback dead-letter topic. `fallbackId` names records that carry no id (their key or position).
 */
export function decodeFeedbackValue(
  value: Buffer | null,
  limits: FeedbackLimits,
  fallbackId: () => string,
): FeedbackItem {
  if (value === null) {
    throw new TopicstreamError('ERR_KAFKA_RECORD_INVALID', 'The record has no value (tombstone)')
  }
  const decoded = decodeStrictUtf8(value, { bom: 'drop' })
  if (decoded === undefined) {
    throw new TopicstreamError('ERR_TEXT_NOT_UTF8', 'The record value is not valid UTF-8')
  }
  if (!bytesLookLikeJsonObject(value)) {
    throw new TopicstreamError(
      'ERR_KAFKA_RECORD_INVALID',
      'A feedback record is a JSON object {"id","text","label"}',
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(decoded)
  } catch (error) {
    throw new TopicstreamError(
      'ERR_KAFKA_RECORD_INVALID',
      `The record value is not valid JSON: ${(error as Error).message}`,
    )
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TopicstreamError('ERR_KAFKA_RECORD_INVALID', 'The record value is not a JSON object')
  }
  return checkFeedback(parsed as Record<string, unknown>, limits, fallbackId)
}
