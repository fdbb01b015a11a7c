import { Registry } from 'prom-client'
import { describe, expect, test } from 'vitest'
import { DEAD_LETTER_HEADERS, lastHeader } from '../../src/bridge/dead-letter.js'
import { collect } from '../helpers/kafka.js'
import { expectCommittedToEnd } from './bridge-checks.js'
import {
  bridgeTestTopics,
  parseValues,
  produceRecords,
  startTestBridge,
  tinyModel,
} from './bridge-helpers.js'

const model = tinyModel()
const modelRef = { name: 'tiny', version: model.metadata.version }

const startBridge = startTestBridge

const SAMPLE_TEXTS = [
  'the striker scored a goal in the match',
  'a faster chip for the new phone',
  'the senate debate on the new law',
  'players and the coach after the game',
  'battery update for the laptop screen',
]

describe('bridge (at-least-once)', () => {
  test('classifies JSON and raw-text records into the output topic with the engine’s labels', async () => {
    const names = bridgeTestTopics('bridge-basic')
    const registry = new Registry()
    const bridge = startBridge({
      inputTopic: names.input,
      outputTopic: names.output,
      dlqTopic: names.dlq,
      groupId: names.group,
      metrics: registry,
    })
    await bridge.start()

    const json = Array.from({ length: 40 }, (_, i) => {
      const text = SAMPLE_TEXTS[i % SAMPLE_TEXTS.length] as string
      return {
        key: `k${i}`,
        value: JSON.stringify({
          id: `tweet-${i}`,
          text,
          created_at: '2026-01-01T00:00:00.000Z',
          author_id: 'a1',
          lang: 'en',
          source: 'test',
          ...(i % 2 === 0 ? { label: 'sport' } : {}),
        }),
      }
    })
    const raw = [
      { key: 'raw-key', value: 'plain text about the election vote' },
      { key: null, value: 'no key here, a goal in the game' },
    ]
    await produceRecords(names.input, [...json, ...raw])

    const out = await collect(names.output, json.length + raw.length)
    expect(out).toHaveLength(json.length + raw.length)
    const values = parseValues(out)
    const byId = new Map(values.map((value) => [value.id as string, value]))
    expect(byId.size).toBe(json.length + raw.length)

    for (let i = 0; i < json.length; i++) {
      const value = byId.get(`tweet-${i}`)
      const expected = model.classify(SAMPLE_TEXTS[i % SAMPLE_TEXTS.length] as string)
      expect(value).toMatchObject({
        label: expected.label,
        confidence: expected.confidence,
        top_k: expected.top_k,
        model: modelRef,
        created_at: '2026-01-01T00:00:00.000Z',
        source: { topic: names.input },
      })
      expect(value?.label_true).toBe(i % 2 === 0 ? 'sport' : undefined)
      expect(typeof value?.classified_at).toBe('string')
    }
    // Keys are kept; a raw record's id is its key, or topic:partition:offset without one.
    const rawWithKey = out.find((record) => record.key?.toString() === 'raw-key')
    expect(parseValues(rawWithKey ? [rawWithKey] : [])[0]).toMatchObject({
      id: 'raw-key',
      text: 'plain text about the election vote',
      label: model.classify('plain text about the election vote').label,
    })
    const rawNoKey = values.find((value) => value.text === 'no key here, a goal in the game')
    expect(rawNoKey?.id).toMatch(new RegExp(`^${names.input}:\\d+:\\d+$`))

    expect(bridge.state().status).toBe('running')
    const metrics = await registry.getSingleMetricAsString('topicstream_bridge_results_produced_total')
    expect(metrics).toContain(`topicstream_bridge_results_produced_total{topic="${names.output}"} 42`)

    // Everything was read: each owned partition reports no lag.
    const lag = await registry.getSingleMetricAsString('topicstream_bridge_consumer_lag')
    const lagValues = [...lag.matchAll(/topicstream_bridge_consumer_lag\{[^}]*\} (\d+)/g)].map((m) =>
      Number(m[1]),
    )
    expect(lagValues.length).toBeGreaterThan(0)
    expect(lagValues.every((value) => value === 0)).toBe(true)

    await bridge.stop()
    expect(bridge.state().status).toBe('stopped')
    // A graceful stop leaves every consumed offset committed.
    await expectCommittedToEnd(names.group, names.input)
  })

  test('sends each kind of bad record to the DLQ, untouched, while good records keep flowing', async () => {
    const names = bridgeTestTopics('bridge-dlq')
    const registry = new Registry()
    const bridge = startBridge({
      inputTopic: names.input,
      outputTopic: names.output,
      dlqTopic: names.dlq,
      groupId: names.group,
      maxTextBytes: 100,
      partitions: 1,
      metrics: registry,
    })
    await bridge.start()

    const bad = [
      { key: 'bad-utf8', value: Buffer.from([0x68, 0x69, 0xff, 0xfe]), code: 'ERR_TEXT_NOT_UTF8' },
      { key: 'bad-json', value: Buffer.from('{"id": "x", "text": '), code: 'ERR_KAFKA_RECORD_INVALID' },
      { key: 'no-text', value: Buffer.from('{"id": "y"}'), code: 'ERR_TEXT_INVALID' },
      { key: 'num-text', value: Buffer.from('{"id": "z", "text": 42}'), code: 'ERR_TEXT_INVALID' },
      {
        key: 'too-big',
        value: Buffer.from(JSON.stringify({ id: 'big', text: 'a'.repeat(101) })),
        code: 'ERR_TEXT_TOO_LARGE',
      },
      { key: 'too-big-raw', value: Buffer.from('b'.repeat(101)), code: 'ERR_TEXT_TOO_LARGE' },
    ]
    const good = [
      { key: 'good-1', value: JSON.stringify({ id: 'g1', text: 'a goal in the match' }) },
      { key: 'empty', value: JSON.stringify({ id: 'g2', text: '' }) },
      { key: 'good-3', value: 'raw phone and laptop text' },
    ]
    // Interleaved, so good records after bad ones prove the bridge kept going.
    await produceRecords(
      names.input,
      [good[0], ...bad.slice(0, 3), good[1], ...bad.slice(3), good[2]].map((r) => ({
        key: r!.key,
        value: r!.value,
      })),
    )

    const [out, dead] = await Promise.all([
      collect(names.output, good.length),
      collect(names.dlq, bad.length),
    ])
    expect(
      parseValues(out)
        .map((value) => value.id)
        .sort(),
    ).toEqual(['g1', 'g2', 'good-3'])
    const empty = parseValues(out).find((value) => value.id === 'g2')
    expect(empty?.label).toBe(model.classify('').label)

    expect(dead).toHaveLength(bad.length)
    for (const expected of bad) {
      const record = dead.find((entry) => entry.key?.toString() === expected.key)
      expect(record, expected.key).toBeDefined()
      expect(record?.value?.equals(expected.value), expected.key).toBe(true)
      const header = (name: string) => lastHeader(record?.headers ?? [], name)
      expect(header(DEAD_LETTER_HEADERS.code)?.toString()).toBe(expected.code)
      expect(header(DEAD_LETTER_HEADERS.topic)?.toString()).toBe(names.input)
      expect(header(DEAD_LETTER_HEADERS.partition)?.toString()).toBe('0')
      expect(header(DEAD_LETTER_HEADERS.offset)?.toString()).toMatch(/^\d+$/)
      expect(header(DEAD_LETTER_HEADERS.message)?.length).toBeGreaterThan(0)
    }
    const metric = await registry.getSingleMetricAsString('topicstream_bridge_dead_letters_total')
    expect(metric).toContain('topicstream_bridge_dead_letters_total{code="ERR_TEXT_INVALID"} 2')
    expect(metric).toContain('topicstream_bridge_dead_letters_total{code="ERR_TEXT_TOO_LARGE"} 2')
  })

  test('two bridges in one group share the partitions and process everything', async () => {
    const names = bridgeTestTopics('bridge-scale')
    const common = {
      inputTopic: names.input,
      outputTopic: names.output,
      dlqTopic: names.dlq,
      groupId: names.group,
      partitions: 4,
    }
    const first = startBridge(common)
    await first.start()
    const second = startBridge(common)
    await second.start()

    const records = Array.from({ length: 200 }, (_, i) => ({
      key: `key-${i}`,
      value: JSON.stringify({ id: `id-${i}`, text: SAMPLE_TEXTS[i % SAMPLE_TEXTS.length] }),
    }))
    await produceRecords(names.input, records)
    const out = await collect(names.output, records.length)
    expect(new Set(parseValues(out).map((value) => value.id)).size).toBe(records.length)

    await expect
      .poll(() => first.state().partitions.length + second.state().partitions.length, { timeout: 20_000 })
      .toBe(4)
    expect(first.state().partitions.length).toBeGreaterThan(0)
    expect(second.state().partitions.length).toBeGreaterThan(0)
    expect([...first.state().partitions, ...second.state().partitions].sort()).toEqual([0, 1, 2, 3])
  })

  test('a topic name Kafka refuses fails the start with ERR_CONFIG_INVALID, without retries', async () => {
    const names = bridgeTestTopics('bridge-refused')
    const warnings: string[] = []
    const bridge = startBridge({
      inputTopic: names.input,
      outputTopic: names.output,
      dlqTopic: 'dead letters?',
      groupId: names.group,
      kafkaLogLevel: 'silent',
      logger: {
        error: () => {},
        warn: (_fields, message) => warnings.push(message ?? ''),
        info: () => {},
        debug: () => {},
      },
    })
    const error = await bridge.start().then(
      () => undefined,
      (reason: unknown) => reason,
    )
    expect(error).toMatchObject({
      code: 'ERR_CONFIG_INVALID',
      details: { topics: [{ topic: 'dead letters?', kafkaErrorType: 'INVALID_TOPIC_EXCEPTION' }] },
    })
    expect(bridge.state()).toMatchObject({ status: 'stopped', lastError: { code: 'ERR_CONFIG_INVALID' } })
    expect(warnings).not.toContain('Bridge start failed; retrying')
  })
})

describe('bridge (exactly-once)', () => {
  test('results are transactional: read_committed sees each input id once', async () => {
    const names = bridgeTestTopics('bridge-eos')
    const bridge = startBridge({
      inputTopic: names.input,
      outputTopic: names.output,
      dlqTopic: names.dlq,
      groupId: names.group,
      exactlyOnce: true,
    })
    await bridge.start()
    expect(bridge.state().exactlyOnce).toBe(true)

    const records = Array.from({ length: 300 }, (_, i) => ({
      key: `key-${i}`,
      value:
        i === 7
          ? Buffer.from([0xc3, 0x28])
          : JSON.stringify({ id: `id-${i}`, text: SAMPLE_TEXTS[i % SAMPLE_TEXTS.length] }),
    }))
    await produceRecords(names.input, records)
    const [out, dead] = await Promise.all([collect(names.output, records.length - 1), collect(names.dlq, 1)])
    const ids = parseValues(out).map((value) => value.id as string)
    expect(ids).toHaveLength(records.length - 1)
    expect(new Set(ids).size).toBe(records.length - 1)
    expect(dead.map((record) => record.key?.toString())).toEqual(['key-7'])

    // The offsets went in with the transactions: the group has consumed everything.
    await expectCommittedToEnd(names.group, names.input)
  })
})
