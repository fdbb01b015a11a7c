/**
 * Shared pieces of the bridge tests: a tiny model trained in the test, records to feed it, and
 * reading what it wrote.
 */
import { randomUUID } from 'node:crypto'
import { onTestFinished } from 'vitest'
import { createBridge } from '../../src/bridge/bridge.js'
import type { Bridge, BridgeOptions } from '../../src/bridge/bridge.js'
import { attribute } from '../../src/engine/model-registry.js'
import { createKafkaClient } from '../../src/kafka/client.js'
import type { IncomingRecord, OutgoingRecord } from '../../src/kafka/client.js'
import { trainClassifier } from '../../src/engine/index.js'
import type { TextClassifier } from '../../src/engine/index.js'
import { kafkaBrokers, kafkaLibrary, withAdmin } from '../helpers/kafka.js'

export function tinyModel(): TextClassifier {
  const texts = [
    'the team won the football match with a late goal',
    'great goal by the striker in the league game',
    'the coach praised the players after the match',
    'new phone release with a faster chip and better camera',
    'the laptop update fixes the battery and the screen',
    'software developers ship the app with new features',
    'the election vote count and the new government minister',
    'parliament passed the law after the senate debate',
  ]
  const labels = ['sport', 'sport', 'sport', 'tech', 'tech', 'tech', 'politics', 'politics']
  const classes = ['politics', 'sport', 'tech']
  return trainClassifier(
    { texts, targets: labels.map((label) => classes.indexOf(label)), classes },
    {},
    { source: 'test:inline', fingerprint: 'test' },
  )
}

export async function produceRecords(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
  const producer = createKafkaClient({
    brokers: kafkaBrokers(),
    library: kafkaLibrary(),
    logLevel: 'silent',
  }).producer()
  await producer.connect()
  try {
    for (let i = 0; i < records.length; i += 500) await producer.send(topic, records.slice(i, i + 500))
  } finally {
    await producer.disconnect()
  }
}

export function parseValues(records: readonly IncomingRecord[]): Array<Record<string, unknown>> {
  return records.map(
    (record) => JSON.parse(record.value?.toString('utf8') ?? 'null') as Record<string, unknown>,
  )
}

/**
 * Random names for a bridge's topics and group (call inside a test). The bridge creates the topics;
 * they are deleted when the test finishes.
 */
export function bridgeTestTopics(prefix: string): {
  input: string
  output: string
  dlq: string
  group: string
} {
  const id = randomUUID()
  const names = {
    input: `${prefix}-in-${id}`,
    output: `${prefix}-out-${id}`,
    dlq: `${prefix}-dlq-${id}`,
    group: `${prefix}-group-${id}`,
  }
  cleanupTopics([names.input, names.output, names.dlq])
  return names
}

/** Deletes the topics when the test finishes (the bridge creates them). */
export function cleanupTopics(topics: readonly string[]): void {
  onTestFinished(() =>
    withAdmin(async (admin) => {
      const existing = new Set(await admin.listTopics())
      const present = topics.filter((topic) => existing.has(topic))
      if (present.length > 0) await admin.deleteTopics(present)
    }),
  )
}

/**
 * A bridge with the tiny model on the run's broker and client library (the test's options win),
 * stopped when the test finishes.
 */
export function startTestBridge(
  options: Partial<BridgeOptions> &
    Pick<BridgeOptions, 'inputTopic' | 'outputTopic' | 'dlqTopic' | 'groupId'>,
): Bridge {
  const model = tinyModel()
  const modelRef = { name: 'tiny', version: model.metadata.version }
  const bridge = createBridge({
    classify: (text) => attribute(model.classify(text), modelRef),
    brokers: kafkaBrokers(),
    kafkaClient: kafkaLibrary(),
    ...options,
  })
  onTestFinished(() => bridge.stop())
  return bridge
}
