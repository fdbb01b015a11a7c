/**
 * The checks every feedback channel shares, the record they write, the statistics and the Kafka
 * sink's refusals before it is connected. Hostile values included: what a sender controls must
 * never become a class name, a key or a counter it was not meant to be.
 */
import { describe, expect, test } from 'vitest'
import { ModelRegistry } from '../../src/engine/model-registry.js'
import { TopicstreamError } from '../../src/errors.js'
import type { KafkaClient } from '../../src/kafka/client.js'
import {
  DEFAULT_MAX_LABEL_BYTES,
  MAX_FEEDBACK_ID_BYTES,
  checkFeedback,
  decodeFeedbackValue,
  feedbackForModel,
  feedbackRecord,
} from '../../src/learning/feedback.js'
import {
  DEFAULT_FEEDBACK_DLQ_TOPIC,
  DEFAULT_FEEDBACK_TOPIC,
  FEEDBACK_TOPIC_SPEC,
  createKafkaFeedbackSink,
  feedbackIntake,
  feedbackTopicSpecs,
} from '../../src/learning/feedback-sink.js'
import { createFeedbackStats } from '../../src/learning/feedback-stats.js'
import { tinyRegistry, trainTinyModel } from './helpers.js'

const LIMITS = { maxTextBytes: 100, maxLabelBytes: DEFAULT_MAX_LABEL_BYTES }
const fixedId = () => 'made-up'
const check = (fields: Record<string, unknown>) => checkFeedback(fields, LIMITS, fixedId)

function refusal(run: () => unknown): TopicstreamError {
  try {
    run()
  } catch (error) {
    if (error instanceof TopicstreamError) return error
    throw error
  }
  throw new Error('expected a refusal')
}

describe('checkFeedback', () => {
  test('keeps what was sent; makes up an id only when none was given', () => {
    expect(check({ text: 'goal', label: 'sports' })).toEqual({ id: 'made-up', text: 'goal', label: 'sports' })
    expect(check({ text: 'goal', label: 'sports', id: 't1', model: 'tiny' })).toEqual({
      id: 't1',
      text: 'goal',
      label: 'sports',
      model: 'tiny',
    })
    for (const id of [undefined, null, '']) expect(check({ text: 'g', label: 'l', id }).id).toBe('made-up')
    for (const model of [undefined, null, '']) {
      expect(Object.keys(check({ text: 'g', label: 'l', model }))).not.toContain('model')
    }
  })

  test('takes integer labels, emoji and labels of exactly the byte limit', () => {
    expect(check({ text: 'g', label: 2 }).label).toBe(2)
    expect(check({ text: 'g', label: -7 }).label).toBe(-7)
    expect(check({ text: 'g', label: Number.MAX_SAFE_INTEGER }).label).toBe(Number.MAX_SAFE_INTEGER)
    expect(check({ text: 'g', label: '😀' }).label).toBe('😀')
    const longest = 'é'.repeat(DEFAULT_MAX_LABEL_BYTES / 2)
    expect(check({ text: 'g', label: longest }).label).toBe(longest)
    expect(check({ text: 'g', label: 'l', id: 'i'.repeat(MAX_FEEDBACK_ID_BYTES) }).id).toHaveLength(512)
    expect(check({ text: 'x'.repeat(100), label: 'l' }).text).toHaveLength(100)
  })

  const HOSTILE: ReadonlyArray<[string, Record<string, unknown>, string]> = [
    ['no text', { label: 'sports' }, 'ERR_TEXT_INVALID'],
    ['no label', { text: 'goal' }, 'ERR_LABEL_INVALID'],
    ['nothing at all', {}, 'ERR_TEXT_INVALID'],
    ['a text of spaces', { text: '   ', label: 'sports' }, 'ERR_TEXT_INVALID'],
    ['a text that is an object', { text: { toString: () => 'goal' }, label: 'sports' }, 'ERR_TEXT_INVALID'],
    ['a text that is a number', { text: 12, label: 'sports' }, 'ERR_TEXT_INVALID'],
    ['a text over the limit', { text: 'x'.repeat(101), label: 'sports' }, 'ERR_TEXT_TOO_LARGE'],
    ['a text over the limit in bytes', { text: 'é'.repeat(51), label: 'sports' }, 'ERR_TEXT_TOO_LARGE'],
    ['a lone high surrogate in the text', { text: 'goal\ud800', label: 'sports' }, 'ERR_TEXT_INVALID'],
    ['a lone low surrogate in the text', { text: '\udc00goal', label: 'sports' }, 'ERR_TEXT_INVALID'],
    ['an empty label', { text: 'goal', label: '' }, 'ERR_LABEL_INVALID'],
    ['a whitespace label', { text: 'goal', label: ' \t\n\u00a0' }, 'ERR_LABEL_INVALID'],
    ['a label one byte too long', { text: 'goal', label: 'x'.repeat(257) }, 'ERR_LABEL_INVALID'],
    [
      'a label of 4-byte characters over the limit',
      { text: 'goal', label: '😀'.repeat(65) },
      'ERR_LABEL_INVALID',
    ],
    ['a float label', { text: 'goal', label: 1.5 }, 'ERR_LABEL_INVALID'],
    ['NaN', { text: 'goal', label: Number.NaN }, 'ERR_LABEL_INVALID'],
    ['Infinity', { text: 'goal', label: Number.POSITIVE_INFINITY }, 'ERR_LABEL_INVALID'],
    ['an integer past 2^53', { text: 'goal', label: 2 ** 53 }, 'ERR_LABEL_INVALID'],
    ['a bigint', { text: 'goal', label: 2n }, 'ERR_LABEL_INVALID'],
    ['an object label', { text: 'goal', label: { label: 'sports' } }, 'ERR_LABEL_INVALID'],
    ['an array label', { text: 'goal', label: ['sports'] }, 'ERR_LABEL_INVALID'],
    ['a boolean label', { text: 'goal', label: false }, 'ERR_LABEL_INVALID'],
    ['a null label', { text: 'goal', label: null }, 'ERR_LABEL_INVALID'],
    ['a lone surrogate in the label', { text: 'goal', label: 'sp\ud800orts' }, 'ERR_LABEL_INVALID'],
    ['a huge id', { text: 'goal', label: 'l', id: 'i'.repeat(10_000) }, 'ERR_REQUEST_INVALID'],
    [
      'an id one byte too long',
      { text: 'goal', label: 'l', id: 'é'.repeat(256) + 'x' },
      'ERR_REQUEST_INVALID',
    ],
    ['a numeric id', { text: 'goal', label: 'l', id: 7 }, 'ERR_REQUEST_INVALID'],
    ['an object id', { text: 'goal', label: 'l', id: {} }, 'ERR_REQUEST_INVALID'],
    ['a lone surrogate in the id', { text: 'goal', label: 'l', id: '\udfff' }, 'ERR_REQUEST_INVALID'],
    ['a numeric model', { text: 'goal', label: 'l', model: 1 }, 'ERR_REQUEST_INVALID'],
    ['an object model', { text: 'goal', label: 'l', model: { name: 'tiny' } }, 'ERR_REQUEST_INVALID'],
  ]

  test.each(HOSTILE)('refuses %s', (_, fields, code) => {
    expect(refusal(() => check(fields)).code).toBe(code)
  })

  test('never calls makeId for a refused item', () => {
    let calls = 0
    refusal(() => checkFeedback({ text: 'goal', label: '' }, LIMITS, () => String(++calls)))
    expect(calls).toBe(0)
  })
})

describe('feedbackRecord and decodeFeedbackValue', () => {
  test('key = id, value = the item as JSON, read back as it was written', () => {
    const item = check({ text: 'café 😀 "quoted"', label: 'food', id: 'k1', model: 'tiny' })
    const record = feedbackRecord(item)
    expect(record.key).toBe('k1')
    expect(JSON.parse(record.value)).toEqual(item)
    expect(decodeFeedbackValue(Buffer.from(record.value), LIMITS, fixedId)).toEqual(item)
    const numeric = check({ text: 'goal', label: 3, id: 'k2' })
    expect(decodeFeedbackValue(Buffer.from(feedbackRecord(numeric).value), LIMITS, fixedId)).toEqual(numeric)
  })
})

describe('feedbackForModel', () => {
  test("names the default model and keeps a model's own name", () => {
    const registry = tinyRegistry()
    expect(feedbackForModel(check({ text: 'g', label: 'sports' }), registry).model).toBe('tiny')
    expect(feedbackForModel(check({ text: 'g', label: 'sports', model: 'other' }), registry).model).toBe(
      'other',
    )
  })

  test('refuses an unknown model, and a number for a model of class names', () => {
    const registry = tinyRegistry()
    expect(
      refusal(() => feedbackForModel(check({ text: 'g', label: 'l', model: 'nope' }), registry)).code,
    ).toBe('ERR_MODEL_NOT_FOUND')
    expect(refusal(() => feedbackForModel(check({ text: 'g', label: 2 }), registry)).code).toBe(
      'ERR_MODEL_LABEL_UNKNOWN',
    )
  })

  test('a model still loading takes any label: the learner decides', () => {
    const registry = new ModelRegistry([{ name: 'later', path: 'later.tsmodel' }], {
      load: async () => trainTinyModel(),
    })
    expect(feedbackForModel(check({ text: 'g', label: 2 }), registry)).toMatchObject({
      label: 2,
      model: 'later',
    })
  })
})

describe('feedback statistics', () => {
  test('count accepted items per label (as strings) and refused items per code', () => {
    const stats = createFeedbackStats()
    stats.recordAccepted(['sports', 'sports', 2, '2'])
    stats.recordRefused('ERR_LABEL_INVALID')
    stats.recordRefused('ERR_KAFKA_UNAVAILABLE', 5)
    expect(stats.snapshot()).toEqual({
      accepted: 4,
      refused: 6,
      labels: { sports: 2, '2': 2 },
      otherLabels: 0,
      refusedByCode: { ERR_LABEL_INVALID: 1, ERR_KAFKA_UNAVAILABLE: 5 },
    })
  })

  test('track at most maxLabels distinct labels; the rest add to otherLabels', () => {
    const stats = createFeedbackStats({ maxLabels: 3 })
    stats.recordAccepted(Array.from({ length: 10_000 }, (_, i) => `label-${i}`))
    stats.recordAccepted(['label-0', 'label-2', 'another'])
    const snapshot = stats.snapshot()
    expect(snapshot.labels).toEqual({ 'label-0': 2, 'label-1': 1, 'label-2': 2 })
    expect(snapshot.otherLabels).toBe(9_998)
    expect(snapshot.accepted).toBe(10_003)
  })

  test('snapshots are copies', () => {
    const stats = createFeedbackStats()
    const before = stats.snapshot()
    stats.recordAccepted(['a'])
    expect(before.accepted).toBe(0)
    expect(before.labels).toEqual({})
  })
})

describe('the Kafka feedback sink, before and after its lifetime', () => {
  // Never called: these tests stop before any Kafka operation.
  const client = {} as unknown as KafkaClient

  test('refuses items before connect (retry later) and after close (for good)', async () => {
    const sink = createKafkaFeedbackSink({ client })
    const item = check({ text: 'goal', label: 'sports' })
    const early = await sink.submit([item]).catch((error: unknown) => error)
    expect(early).toMatchObject({ code: 'ERR_KAFKA_UNAVAILABLE', canRetry: true })
    await sink.close()
    const late = await sink.submit([item]).catch((error: unknown) => error)
    expect(late).toMatchObject({ code: 'ERR_KAFKA_UNAVAILABLE', canRetry: false })
  })

  test('topics: one partition each, defaults written once', () => {
    expect(DEFAULT_FEEDBACK_TOPIC).toBe('tweets.feedback')
    expect(DEFAULT_FEEDBACK_DLQ_TOPIC).toBe('tweets.feedback.dlq')
    expect(FEEDBACK_TOPIC_SPEC('fb')).toEqual({ topic: 'fb', partitions: 1 })
    expect(feedbackTopicSpecs('fb', 'fb.dlq')).toEqual([
      { topic: 'fb', partitions: 1 },
      { topic: 'fb.dlq', partitions: 1 },
    ])
  })

  test('an intake keeps the statistics it is given, or makes its own', () => {
    const sink = { submit: async () => undefined }
    const stats = createFeedbackStats()
    expect(feedbackIntake({ sink, stats })?.stats).toBe(stats)
    expect(feedbackIntake({ sink })?.stats.snapshot().accepted).toBe(0)
    expect(feedbackIntake(undefined)).toBeUndefined()
  })
})
