/**
 * With an abstain threshold and a review topic, the bridge writes every result to the output topic
 * and a copy of exactly the abstained ones to the review topic, in both delivery modes.
 */
import { describe, expect, test } from 'vitest'
import { attribute } from '../../src/engine/model-registry.js'
import { collect } from '../helpers/kafka.js'
import { expectCommittedToEnd } from './bridge-checks.js'
import {
  bridgeTestTopics,
  cleanupTopics,
  parseValues,
  produceRecords,
  startTestBridge,
  tinyModel,
} from './bridge-helpers.js'

const TEXTS = [
  'the striker scored a goal in the match',
  'a faster chip for the new phone',
  'the senate debate on the new law',
  'players and the coach after the game',
  'battery update for the laptop screen',
  'words the model has never seen',
  'goal phone law',
  'the',
]

describe.each([false, true])('review topic (exactly-once: %s)', (exactlyOnce) => {
  test('receives exactly the abstained results; the output topic receives every result', async () => {
    const model = tinyModel()
    const ref = { name: 'tiny', version: model.metadata.version }
    // The median confidence: about half of the texts abstain.
    const confidences = TEXTS.map((text) => model.classify(text).confidence).sort((a, b) => a - b)
    const minConfidence = confidences[Math.floor(confidences.length / 2)] as number
    const names = bridgeTestTopics('review')
    const reviewTopic = `${names.output}-review`
    cleanupTopics([reviewTopic])
    const bridge = startTestBridge({
      inputTopic: names.input,
      outputTopic: names.output,
      dlqTopic: names.dlq,
      reviewTopic,
      groupId: names.group,
      exactlyOnce,
      classify: (text) => attribute(model.classify(text, { minConfidence }), ref),
    })
    await bridge.start()

    const records = Array.from({ length: 64 }, (_, i) => ({
      key: `k${i}`,
      value: JSON.stringify({ id: `t${i}`, text: TEXTS[i % TEXTS.length] }),
    }))
    await produceRecords(names.input, records)
    const abstainedIds = new Set(
      records.flatMap((_, i) =>
        model.classify(TEXTS[i % TEXTS.length] as string).confidence < minConfidence ? [`t${i}`] : [],
      ),
    )
    expect(abstainedIds.size).toBeGreaterThan(0)
    expect(abstainedIds.size).toBeLessThan(records.length)

    const output = parseValues(await collect(names.output, records.length))
    expect(output).toHaveLength(records.length)
    await expectCommittedToEnd(names.group, names.input)
    // Everything delivered before the offsets were committed; wait a little for anything extra.
    const review = await collect(reviewTopic, abstainedIds.size + 1, { timeoutMs: 5000 })
    const reviewed = parseValues(review)
    expect(reviewed.map((value) => value.id).sort()).toEqual([...abstainedIds].sort())
    for (const value of reviewed) expect(value).toMatchObject({ label: null, abstained: true })
    // A review record is the output record, key included.
    const outputById = new Map(output.map((value) => [value.id, value]))
    for (const value of reviewed) expect(value).toEqual(outputById.get(value.id))
    expect(review.map((record) => record.key?.toString())).toEqual(
      reviewed.map((value) => `k${String(value.id).slice(1)}`),
    )
  })
})
