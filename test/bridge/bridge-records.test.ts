import { describe, expect, test } from 'vitest'
import {
  deadLetter,
  DEAD_LETTER_HEADERS,
  lastHeader,
  referenceDeadLetter,
} from '../../src/bridge/dead-letter.js'
import type { IncomingRecord } from '../../src/kafka/client.js'
import { buildResult, decodeRecord } from '../../src/bridge/records.js'

const at = { topic: 'in', partition: 2 }
function record(value: Buffer | string | null, key: string | null = null, offset = '7'): IncomingRecord {
  return {
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    headers: [],
    offset,
    timestamp: '1700000000000',
  }
}

describe('decodeRecord', () => {
  test('JSON records carry id, text and the optional fields', () => {
    const decoded = decodeRecord(
      record(
        JSON.stringify({
          id: 't1',
          text: 'hi',
          created_at: 'c',
          author_id: 9,
          lang: 'en',
          source: 's',
          label: 'apple',
        }),
      ),
      at,
      100,
    )
    expect(decoded).toEqual({
      ok: true,
      input: { id: 't1', text: 'hi', createdAt: 'c', authorId: '9', lang: 'en', source: 's', label: 'apple' },
    })
  })

  test('a JSON value after a byte order mark is still read as JSON', () => {
    expect(decodeRecord(record('\uFEFF{"id":"b1","text":"hi"}'), at, 100)).toEqual({
      ok: true,
      input: { id: 'b1', text: 'hi' },
    })
  })

  test('raw text uses the key as id, else topic:partition:offset', () => {
    expect(decodeRecord(record('just text', 'k'), at, 100)).toEqual({
      ok: true,
      input: { id: 'k', text: 'just text' },
    })
    expect(decodeRecord(record('just text'), at, 100)).toEqual({
      ok: true,
      input: { id: 'in:2:7', text: 'just text' },
    })
    // Not starting with "{": text, even if it is valid JSON of another kind.
    expect(decodeRecord(record('"quoted"'), at, 100)).toMatchObject({ ok: true, input: { text: '"quoted"' } })
    expect(decodeRecord(record(''), at, 100)).toMatchObject({ ok: true, input: { text: '' } })
  })

  test('an empty text is valid; a JSON record without id falls back like raw text', () => {
    expect(decodeRecord(record('{"text": ""}', 'key'), at, 100)).toEqual({
      ok: true,
      input: { id: 'key', text: '' },
    })
  })

  test.each([
    ['not UTF-8', Buffer.from([0x61, 0xc3, 0x28]), 'ERR_TEXT_NOT_UTF8'],
    ['truncated JSON', '{"text": "a', 'ERR_KAFKA_RECORD_INVALID'],
    ['array text', '{ "text": [1] }', 'ERR_TEXT_INVALID'],
    ['JSON that is not an object', '{"text": "a"} trailing', 'ERR_KAFKA_RECORD_INVALID'],
    ['no text field', '{"id": "x"}', 'ERR_TEXT_INVALID'],
    ['null text', '{"text": null}', 'ERR_TEXT_INVALID'],
    ['tombstone', null, 'ERR_KAFKA_RECORD_INVALID'],
    ['JSON text too large', JSON.stringify({ text: 'é'.repeat(6) }), 'ERR_TEXT_TOO_LARGE'],
    ['raw text too large', 'a'.repeat(11), 'ERR_TEXT_TOO_LARGE'],
  ])('%s is rejected with %s', (_name, value, code) => {
    const decoded = decodeRecord(record(value as Buffer | string | null), at, 10)
    expect(decoded).toMatchObject({ ok: false, rejection: { code } })
  })

  test('the size limit counts UTF-8 bytes, inclusive', () => {
    expect(decodeRecord(record(JSON.stringify({ text: 'é'.repeat(5) })), at, 10).ok).toBe(true)
  })
})

describe('results and dead letters', () => {
  test('a result is the classification plus the envelope', () => {
    const classification = {
      label: 'apple',
      confidence: 0.9,
      abstained: false,
      top_k: [{ label: 'apple', probability: 0.9 }],
      model: { name: 'm', version: 'v' },
    }
    const value = buildResult({ id: 'i', text: 't', label: 'google', createdAt: 'c' }, classification, {
      topic: 'in',
      partition: 1,
      offset: '5',
      timestamp: '1700000000000',
      classifiedAt: 'now',
    })
    expect(value).toEqual({
      id: 'i',
      text: 't',
      label: 'apple',
      confidence: 0.9,
      abstained: false,
      top_k: [{ label: 'apple', probability: 0.9 }],
      model: { name: 'm', version: 'v' },
      label_true: 'google',
      created_at: 'c',
      produced_at: '2023-11-14T22:13:20.000Z',
      classified_at: 'now',
      source: { topic: 'in', partition: 1, offset: '5' },
    })
  })

  test('a dead letter keeps key and value bytes and explains itself in headers', () => {
    const original = record(Buffer.from([0xff, 0x00]), 'key')
    const letter = deadLetter(original, { code: 'ERR_TEXT_NOT_UTF8', message: 'bad' }, at)
    expect(letter.key).toBe(original.key)
    expect(letter.value).toBe(original.value)
    expect(letter.headers).toEqual([
      [DEAD_LETTER_HEADERS.code, 'ERR_TEXT_NOT_UTF8'],
      [DEAD_LETTER_HEADERS.message, 'bad'],
      [DEAD_LETTER_HEADERS.topic, 'in'],
      [DEAD_LETTER_HEADERS.partition, '2'],
      [DEAD_LETTER_HEADERS.offset, '7'],
      [DEAD_LETTER_HEADERS.timestamp, '1700000000000'],
      [DEAD_LETTER_HEADERS.form, 'full'],
    ])
  })

  test("a dead letter keeps the record's headers first, so its own reason headers are the last ones", () => {
    const spoofed: IncomingRecord = {
      ...record('{"id":"1"}'),
      headers: [
        ['constructor', Buffer.from('a')],
        [DEAD_LETTER_HEADERS.code, Buffer.from('SPOOFED')],
        ['x', Buffer.from('1')],
        ['x', Buffer.from('2')],
      ],
    }
    const letter = deadLetter(spoofed, { code: 'ERR_TEXT_INVALID', message: 'no text' }, at)
    expect(letter.headers?.slice(0, 4)).toEqual(spoofed.headers)
    const headers = (letter.headers ?? []).map(([name, value]) => [name, Buffer.from(value)] as const)
    expect(lastHeader(headers, DEAD_LETTER_HEADERS.code)?.toString()).toBe('ERR_TEXT_INVALID')
    expect(lastHeader(headers, 'missing')).toBeUndefined()
  })

  test('a reference dead letter is small and names the record, whatever its size', () => {
    const huge: IncomingRecord = {
      ...record(Buffer.alloc(5_000_000, 0x61), 'k'.repeat(5000)),
      headers: [['big', Buffer.alloc(100_000)]],
    }
    const letter = referenceDeadLetter(huge, { code: 'ERR_TEXT_TOO_LARGE', message: 'm'.repeat(10_000) }, at)
    expect(letter.key).toBeNull()
    const value = JSON.parse(String(letter.value)) as Record<string, unknown>
    expect(value).toMatchObject({
      reference: true,
      topic: 'in',
      partition: 2,
      offset: '7',
      timestamp: '1700000000000',
      keyBytes: 5000,
      valueBytes: 5_000_000,
      headerCount: 1,
      reason: { code: 'ERR_TEXT_TOO_LARGE' },
    })
    expect(Buffer.from(value.key as string, 'base64').toString()).toBe('k'.repeat(1024))
    expect(Buffer.from(value.valuePrefix as string, 'base64')).toEqual(Buffer.alloc(1024, 0x61))
    expect(String(letter.value).length).toBeLessThan(8 * 1024)
    expect(letter.headers?.find(([name]) => name === DEAD_LETTER_HEADERS.form)?.[1]).toBe('reference')
    const small = referenceDeadLetter(
      record(null, 'key'),
      { code: 'ERR_KAFKA_RECORD_INVALID', message: 'x' },
      at,
    )
    expect(small.key).toEqual(Buffer.from('key'))
    expect(JSON.parse(String(small.value))).toMatchObject({ valueBytes: null, valuePrefix: null })
  })
})
