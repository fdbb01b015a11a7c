/**
 * `--feedback-from-label`: the demo of the loop. Replays carry each record's known topic, and the
 * bridge passes it through as `label_true`; this part reads the results and, after a delay (a
 * person taking a moment to answer), sends that label back as feedback, through the same sink as
 * REST and gRPC. Results without `label_true` are skipped.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { KafkaClient, KafkaConsumer } from '../kafka/client.js'
import type { FeedbackItem } from '../learning/feedback.js'
import type { FeedbackSink } from '../learning/feedback-sink.js'
import type { Logger } from '../runtime/logger.js'
import type { Part } from '../runtime/part.js'

export interface LabelFeedbackOptions {
  readonly client: KafkaClient
  readonly outputTopic: string
  readonly groupId: string
  readonly sink: FeedbackSink
  readonly delayMs: number
  readonly logger: Logger
}

export function labelFeedbackPart(options: LabelFeedbackOptions): Part {
  const { client, sink, logger } = options
  let consumer: KafkaConsumer | undefined
  const stopping = new AbortController()
  return {
    name: 'the feedback from known labels',
    async start() {
      consumer = client.consumer({ groupId: options.groupId })
      await consumer.connect()
      // Results from now on: the demo answers what it sees, not the whole history.
      await consumer.subscribe([options.outputTopic], { fromBeginning: false })
      await consumer.run({
        autoCommit: true,
        eachBatch: async (batch, controls) => {
          const items = batch.records.flatMap((record) => {
            const item = knownLabel(record.value)
            return item === undefined ? [] : [item]
          })
          await sleep(options.delayMs, undefined, { signal: stopping.signal }).catch(() => {})
          if (items.length > 0 && !stopping.signal.aborted) {
            await sink.submit(items).catch((error: unknown) => {
              logger.warn({ error: (error as Error).message }, 'known labels could not be sent as feedback')
            })
          }
          const last = batch.records.at(-1)
          if (last !== undefined) controls.resolveOffset(last.offset)
        },
      })
    },
    async stop() {
      stopping.abort()
      await consumer?.disconnect().catch(() => {})
    },
  }
}

function knownLabel(value: Buffer | null): FeedbackItem | undefined {
  if (value === null) return undefined
  try {
    const result = JSON.parse(value.toString('utf8')) as Record<string, unknown>
    const { id, text, label_true: label, model } = result
    if (typeof id !== 'string' || typeof text !== 'string' || typeof label !== 'string' || label === '') {
      return undefined
    }
    const name = typeof model === 'object' && model !== null ? (model as { name?: unknown }).name : undefined
    return { id, text, label, ...(typeof name === 'string' ? { model: name } : {}) }
  } catch {
    return undefined
  }
}
