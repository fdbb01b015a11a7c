import { describe, expect, it } from 'vitest'
import { bridgeTopicSpecs } from '../../src/bridge/topics.js'
import { resolveBridgeConfig } from '../../src/bridge/config.js'

const topology = { inputTopic: 'in', outputTopic: 'out', dlqTopic: 'dlq' }

/** The two admin answers the rule depends on: which topics exist, and the input's partition count. */
function admin(existing: Record<string, number>) {
  return {
    listTopics: async () => Object.keys(existing),
    partitionCount: async (topic: string) => existing[topic] ?? 0,
  }
}

describe('bridgeTopicSpecs', () => {
  it("gives the output and dead-letter topics the existing input topic's partition count", async () => {
    expect(await bridgeTopicSpecs(admin({ in: 5 }), { ...topology, partitions: 3 })).toEqual([
      { topic: 'in', partitions: 5 },
      { topic: 'out', partitions: 5 },
      { topic: 'dlq', partitions: 5 },
    ])
  })

  it('creates a missing input topic with the configured count, 3 by default', async () => {
    expect(await bridgeTopicSpecs(admin({}), { ...topology, partitions: 2 })).toEqual([
      { topic: 'in', partitions: 2 },
      { topic: 'out', partitions: 2 },
      { topic: 'dlq', partitions: 2 },
    ])
    expect(
      (await bridgeTopicSpecs(admin({ out: 7 }), resolveBridgeConfig(topology))).map(
        (spec) => spec.partitions,
      ),
    ).toEqual([3, 3, 3])
  })
})
