/**
 * Records that once made the bridge retry forever: a header named after an Object.prototype member,
 * a record larger than the dead-letter topic takes, and a dead-letter topic that is gone.
 */
import { Registry } from 'prom-client'
import { describe, expect, onTestFinished, test } from 'vitest'
import { bridgeReadiness } from '../../src/bridge/bridge.js'
import type { Bridge } from '../../src/bridge/bridge.js'
import { DEAD_LETTER_HEADERS, lastHeader } from '../../src/bridge/dead-letter.js'
import type { OutgoingRecord } from '../../src/kafka/client.js'
import { collect, withAdmin } from '../helpers/kafka.js'
import { bridgeTestTopics, parseValues, produceRecords, startTestBridge } from './bridge-helpers.js'
import { captureLogger, expectCommittedToEnd, gaugeValues } from './bridge-checks.js'
import type { LogLine } from './bridge-checks.js'

const startBridge = (options: Parameters<typeof startTestBridge>[0]): Bridge =>
  startTestBridge({ partitions: 1, ...options })

const good = (id: string): OutgoingRecord => ({
  key: id,
  value: JSON.stringify({ id, text: 'a goal in the football match' }),
})

describe.each([
  { mode: 'at-least-once', exactlyOnce: false },
  { mode: 'exactly-once', exactlyOnce: true },
])('dead letters ($mode)', ({ exactlyOnce }) => {
  test('a record with headers named constructor, toString and __proto__ is dead-lettered with its headers exact', async () => {
    const names = bridgeTestTopics('dlq-proto')
    const registry = new Registry()
    const bridge = startBridge({
      inputTopic: names.input,
      outputTopic: names.output,
      dlqTopic: names.dlq,
      groupId: names.group,
      exactlyOnce,
      metrics: registry,
      lagIntervalMs: 500,
    })
    await bridge.start()
    const headers = [
      ['constructor', 'a'],
      ['toString', 't'],
      ['__proto__', 'p'],
      ['x', '1'],
      ['x', '2'],
    ] as const
    await produceRecords(names.input, [
      good('g1'),
      good('g2'),
      { key: 'poison', value: '{"id":"1"}', headers },
      good('g3'),
      good('g4'),
    ])
    await expectCommittedToEnd(names.group, names.input)
    const [out, dead] = await Promise.all([
      collect(names.output, 5, { timeoutMs: 3000 }),
      collect(names.dlq, 2, { timeoutMs: 3000 }),
    ])
    expect(parseValues(out).map((value) => value.id)).toEqual(['g1', 'g2', 'g3', 'g4'])
    expect(dead).toHaveLength(1)
    const letter = dead[0]
    expect(letter?.key?.toString()).toBe('poison')
    expect(letter?.value?.toString()).toBe('{"id":"1"}')
    expect(letter?.headers.slice(0, headers.length)).toEqual(
      headers.map(([name, value]) => [name, Buffer.from(value)]),
    )
    expect(lastHeader(letter?.headers ?? [], DEAD_LETTER_HEADERS.code)?.toString()).toBe('ERR_TEXT_INVALID')
    expect(bridge.state().stalled).toEqual([])
    await expect.poll(() => gaugeValues(registry, 'topicstream_bridge_consumer_lag')).toEqual([0])
  })

  test('a 2 MiB record is dead-lettered in full when the dead-letter topic is the bridge’s, by reference when it takes 1 MiB', async () => {
    for (const precreated of [false, true]) {
      const names = bridgeTestTopics(`dlq-big-${precreated ? 'ref' : 'full'}`)
      await withAdmin(async (admin) => {
        await admin.createTopics([
          { topic: names.input, partitions: 1, configs: { 'max.message.bytes': '4194304' } },
          ...(precreated
            ? [{ topic: names.dlq, partitions: 1, configs: { 'max.message.bytes': '1048576' } }]
            : []),
        ])
      })
      const bridge = startBridge({
        inputTopic: names.input,
        outputTopic: names.output,
        dlqTopic: names.dlq,
        groupId: names.group,
        exactlyOnce,
      })
      await bridge.start()
      const big = Buffer.alloc(2 * 1024 * 1024, 0x62)
      await produceRecords(names.input, [good('g1'), { key: 'big', value: big }, good('g2')])
      await expectCommittedToEnd(names.group, names.input)
      const [out, dead] = await Promise.all([
        collect(names.output, 3, { timeoutMs: 3000 }),
        collect(names.dlq, 2, { timeoutMs: 3000 }),
      ])
      expect(parseValues(out).map((value) => value.id)).toEqual(['g1', 'g2'])
      expect(dead).toHaveLength(1)
      const letter = dead[0]
      expect(letter?.key?.toString()).toBe('big')
      const form = lastHeader(letter?.headers ?? [], DEAD_LETTER_HEADERS.form)?.toString()
      expect(lastHeader(letter?.headers ?? [], DEAD_LETTER_HEADERS.code)?.toString()).toBe(
        'ERR_TEXT_TOO_LARGE',
      )
      if (precreated) {
        expect(form).toBe('reference')
        expect(JSON.parse(letter?.value?.toString() ?? 'null')).toMatchObject({
          reference: true,
          topic: names.input,
          partition: 0,
          offset: '1',
          key: Buffer.from('big').toString('base64'),
          valueBytes: big.length,
          reason: { code: 'ERR_TEXT_TOO_LARGE' },
          valuePrefix: big.subarray(0, 1024).toString('base64'),
        })
      } else {
        expect(form).toBe('full')
        expect(letter?.value?.equals(big)).toBe(true)
      }
      await bridge.stop()
    }
  })
})

describe('a stalled partition', () => {
  test('a dead-letter topic that is gone stalls the partition visibly; recreating it resumes', async () => {
    const names = bridgeTestTopics('dlq-stall')
    const registry = new Registry()
    const lines: LogLine[] = []
    const bridge = startBridge({
      inputTopic: names.input,
      outputTopic: names.output,
      dlqTopic: names.dlq,
      groupId: names.group,
      metrics: registry,
      logger: captureLogger(lines),
      maxDeliveryAttempts: 2,
      deliveryRetryBudgetMs: 5000,
      stallRetryMs: 1500,
      lagIntervalMs: 500,
    })
    await bridge.start()
    await produceRecords(names.input, [good('g1')])
    expect(await collect(names.output, 1)).toHaveLength(1)

    await withAdmin((admin) => admin.deleteTopics([names.dlq]))
    await produceRecords(names.input, [good('g2'), { key: 'bad', value: '{"id":"b"}' }, good('g3')])

    onTestFinished((context) => {
      if (context.task.result?.state === 'fail') for (const line of lines) console.log(JSON.stringify(line))
    })
    await expect
      .poll(() => bridge.state().stalled, { timeout: 40_000, interval: 250 })
      .toMatchObject([{ topic: names.input, partition: 0 }])
    expect(bridgeReadiness(bridge)()).toMatchObject({
      ready: false,
      reason: expect.stringContaining(`partition 0 of "${names.input}" stalled`) as unknown,
    })
    expect(await gaugeValues(registry, 'topicstream_bridge_partition_stalled')).toEqual([1])
    await expect.poll(() => gaugeValues(registry, 'topicstream_bridge_consumer_lag')).not.toEqual([0])
    // A few slow retries later, still one error line from the bridge.
    await new Promise((resolve) => setTimeout(resolve, 4000))
    const bridgeErrors = lines.filter((line) => line.level === 'error' && line.fields.kafka === undefined)
    expect(bridgeErrors).toHaveLength(1)
    expect(bridgeErrors[0]?.message).toContain('stalled')

    await withAdmin((admin) => admin.createTopics([{ topic: names.dlq, partitions: 1 }]))
    await expect.poll(() => bridge.state().stalled, { timeout: 30_000, interval: 250 }).toEqual([])
    expect(bridgeReadiness(bridge)()).toEqual({ ready: true })
    expect(await gaugeValues(registry, 'topicstream_bridge_partition_stalled')).toEqual([0])
    expect(lines.filter((line) => line.message === 'Bridge partition flows again')).toHaveLength(1)
    await expectCommittedToEnd(names.group, names.input)
    const [out, dead] = await Promise.all([
      collect(names.output, 4, { timeoutMs: 3000 }),
      collect(names.dlq, 1),
    ])
    expect(parseValues(out).map((value) => value.id)).toEqual(['g1', 'g2', 'g3'])
    expect(dead.map((record) => record.key?.toString())).toEqual(['bad'])
  })
})
