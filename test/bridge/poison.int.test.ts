/**
 * A seeded random mix of good and bad records (random bytes, invalid UTF-8, JSON without text,
 * values near every size limit, headers named after every Object.prototype member, repeated headers,
 * null keys and values): every good record comes out once, every bad one is dead-lettered (in full
 * or by reference), the group commits to the end, and nothing is logged at error level.
 *
 * The seed is printed; set TOPICSTREAM_POISON_SEED to replay a run.
 */
import { Registry } from 'prom-client'
import { describe, expect, onTestFinished, test } from 'vitest'
import { createBridge } from '../../src/bridge/bridge.js'
import { DEAD_LETTER_HEADERS, lastHeader } from '../../src/bridge/dead-letter.js'
import { decodeRecord } from '../../src/bridge/records.js'
import { attribute } from '../../src/engine/model-registry.js'
import { createKafkaClient } from '../../src/kafka/client.js'
import type { OutgoingRecord } from '../../src/kafka/client.js'
import { collect, kafkaBrokers, kafkaLibrary } from '../helpers/kafka.js'
import { bridgeTestTopics, produceRecords, tinyModel } from './bridge-helpers.js'
import { captureLogger, expectCommittedToEnd } from './bridge-checks.js'
import type { LogLine } from './bridge-checks.js'

const SEED = Number(process.env.TOPICSTREAM_POISON_SEED ?? 20_260_101)
const RECORDS = 150
const PARTITIONS = 2
const MAX_TEXT_BYTES = 1000
const DLQ_MAX_BYTES = 1024 * 1024
const INPUT_MAX_BYTES = 2 * 1024 * 1024

const model = tinyModel()
const modelRef = { name: 'tiny', version: model.metadata.version }

/** mulberry32: small, seedable, good enough to pick cases. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

function generate(seed: number): OutgoingRecord[] {
  const next = random(seed)
  const int = (below: number): number => Math.floor(next() * below)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T
  const bytes = (length: number): Buffer => Buffer.from(Array.from({ length }, () => int(256)))
  const words = ['goal', 'match', 'phone', 'laptop', 'senate', 'vote', 'coach', 'chip', 'é', '🙂']
  const text = (length: number): string => Array.from({ length }, () => pick(words)).join(' ')
  const headerNames = [
    ...Object.getOwnPropertyNames(Object.prototype),
    'x',
    'trace-id',
    DEAD_LETTER_HEADERS.code,
    DEAD_LETTER_HEADERS.offset,
  ]
  // The size limits: the text limit, the dead-letter topic's, the input topic's (a few big ones).
  const sized = [
    () => 'a'.repeat(MAX_TEXT_BYTES),
    () => 'a'.repeat(MAX_TEXT_BYTES + 1),
    () => JSON.stringify({ id: 'edge', text: 'b'.repeat(MAX_TEXT_BYTES) }),
    () => JSON.stringify({ id: 'edge', text: 'b'.repeat(MAX_TEXT_BYTES + 1) }),
    () => Buffer.alloc(DLQ_MAX_BYTES - 400 + int(800), 0x63),
    () => Buffer.alloc(INPUT_MAX_BYTES - 8 * 1024, 0x64),
  ]
  let big = 0
  return Array.from({ length: RECORDS }, (_, i): OutgoingRecord => {
    const kind = int(10)
    let value: string | Buffer | null
    if (kind <= 3) value = JSON.stringify({ id: `id-${i}`, text: text(1 + int(12)) })
    else if (kind === 4) value = text(1 + int(8))
    else if (kind === 5) value = bytes(int(40))
    else if (kind === 6) value = Buffer.concat([Buffer.from('ok '), Buffer.from([0xc3, 0x28, 0xff])])
    else if (kind === 7) value = pick(['{"id":"x"}', '{"text": 7}', '{"id": 1, "text": ', '{}', '[1]'])
    else if (kind === 8) value = next() < 0.5 ? null : ''
    else {
      // At most a few records near the large limits, to keep the run short.
      const which = int(sized.length)
      value =
        which >= 4 && big++ >= 4 ? 'c'.repeat(MAX_TEXT_BYTES + 5) : (sized[which] as () => string | Buffer)()
    }
    const large = (value?.length ?? 0) > 512 * 1024
    const headers = large
      ? []
      : Array.from({ length: int(6) }, () => [pick(headerNames), next() < 0.5 ? bytes(int(8)) : 'v'] as const)
    // A repeated header now and then.
    if (!large && headers.length > 0 && next() < 0.3) headers.push(headers[0] as (typeof headers)[number])
    return {
      key: next() < 0.2 ? null : `key-${i}`,
      value,
      headers,
      partition: i % PARTITIONS,
    }
  })
}

function byName(headers: ReadonlyArray<readonly [string, Buffer]>): Map<string, Buffer[]> {
  const names = new Map<string, Buffer[]>()
  for (const [name, value] of headers) names.set(name, [...(names.get(name) ?? []), value])
  return names
}

describe.each([
  { mode: 'at-least-once', exactlyOnce: false },
  { mode: 'exactly-once', exactlyOnce: true },
])('poison records ($mode)', ({ exactlyOnce }) => {
  test('every good record comes out once, every bad one is dead-lettered, offsets reach the end', async () => {
    console.log(`poison test seed: ${SEED} (set TOPICSTREAM_POISON_SEED to replay)`)
    const names = bridgeTestTopics('poison')
    const admin = createKafkaClient({
      brokers: kafkaBrokers(),
      library: kafkaLibrary(),
      logLevel: 'silent',
    }).admin()
    await admin.connect()
    try {
      await admin.createTopics([
        {
          topic: names.input,
          partitions: PARTITIONS,
          configs: { 'max.message.bytes': String(INPUT_MAX_BYTES) },
        },
        {
          topic: names.dlq,
          partitions: PARTITIONS,
          configs: { 'max.message.bytes': String(DLQ_MAX_BYTES) },
        },
      ])
    } finally {
      await admin.disconnect()
    }
    const records = generate(SEED + (exactlyOnce ? 1 : 0))
    await produceRecords(names.input, records)
    // What the bridge reads, with partitions and offsets, decides what is good and what is bad.
    const input = await collect(names.input, records.length)
    expect(input).toHaveLength(records.length)
    const at = (partition: number, offset: string): string => `${partition}:${offset}`
    const good = new Set<string>()
    const bad = new Map<string, (typeof input)[number]>()
    for (const record of input) {
      const decoded = decodeRecord(
        record,
        { topic: names.input, partition: record.partition },
        MAX_TEXT_BYTES,
      )
      if (decoded.ok) good.add(at(record.partition, record.offset))
      else bad.set(at(record.partition, record.offset), record)
    }

    const lines: LogLine[] = []
    const bridge = createBridge({
      classify: (text) => attribute(model.classify(text), modelRef),
      brokers: kafkaBrokers(),
      kafkaClient: kafkaLibrary(),
      inputTopic: names.input,
      outputTopic: names.output,
      dlqTopic: names.dlq,
      groupId: names.group,
      exactlyOnce,
      maxTextBytes: MAX_TEXT_BYTES,
      metrics: new Registry(),
      logger: captureLogger(lines),
    })
    onTestFinished(() => bridge.stop())
    await bridge.start()
    await expectCommittedToEnd(names.group, names.input)

    const [out, dead] = await Promise.all([
      collect(names.output, good.size + 1, { timeoutMs: 3000 }),
      collect(names.dlq, bad.size + 1, { timeoutMs: 3000 }),
    ])
    const outAt = out.map((record) => {
      const source = (
        JSON.parse(record.value?.toString() ?? 'null') as { source: { partition: number; offset: string } }
      ).source
      return at(source.partition, source.offset)
    })
    expect(outAt.length, 'no result twice').toBe(new Set(outAt).size)
    expect(new Set(outAt)).toEqual(good)

    const deadAt = dead.map((record) => {
      const header = (name: string) => lastHeader(record.headers, name)?.toString() ?? ''
      return at(Number(header(DEAD_LETTER_HEADERS.partition)), header(DEAD_LETTER_HEADERS.offset))
    })
    expect(deadAt.length, 'no dead letter twice').toBe(new Set(deadAt).size)
    expect(new Set(deadAt)).toEqual(new Set(bad.keys()))
    let references = 0
    for (const [i, letter] of dead.entries()) {
      const original = bad.get(deadAt[i] as string)
      const form = lastHeader(letter.headers, DEAD_LETTER_HEADERS.form)?.toString()
      if (form === 'full') {
        expect(letter.key).toEqual(original?.key)
        expect(letter.value).toEqual(original?.value)
        // The record's headers, each name's values in order, then the bridge's as the last of theirs
        // (kafkajs keeps the order within a name, not between names).
        const own = [...letter.headers]
        for (const name of Object.values(DEAD_LETTER_HEADERS)) {
          own.splice(own.map(([header]) => header).lastIndexOf(name), 1)
        }
        expect(byName(own)).toEqual(byName(original?.headers ?? []))
      } else {
        references++
        expect(form).toBe('reference')
        expect(JSON.parse(letter.value?.toString() ?? 'null')).toMatchObject({
          reference: true,
          offset: original?.offset,
          valueBytes: original?.value?.length ?? null,
        })
      }
    }
    console.log(`poison test: ${good.size} good, ${bad.size} bad (${references} dead-lettered by reference)`)
    expect(lines.filter((line) => line.level === 'error')).toEqual([])
    expect(bridge.state().stalled).toEqual([])
  })
})
