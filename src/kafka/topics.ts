/**
 * Creating topics so that they can be used at once, for every caller of the client's `createTopics`.
 * Under KRaft a broker learns of a new topic asynchronously, so kafkajs' wait for the new leaders can
 * be answered with UNKNOWN_TOPIC_OR_PARTITION although the controller created the topic. That answer
 * alone means "created, not visible yet" and is waited out; every other failure is reported at once.
 * Typed by the shape of the kafkajs admin, so this needs no import of the library itself.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { TopicstreamError } from '../errors.js'
import { translateKafkaError } from './kafkajs/errors.js'
import type { KafkaJsErrorShape } from './kafkajs/errors.js'
import type { TopicSpec } from './types.js'

/** The part of kafkajs' `Admin` that topic creation uses. */
export interface TopicCreationAdmin {
  listTopics(): Promise<string[]>
  /** Resolves `false` when every topic already existed. */
  createTopics(options: {
    waitForLeaders: boolean
    topics: Array<{
      topic: string
      numPartitions: number
      replicationFactor: number
      configEntries?: Array<{ name: string; value: string }>
    }>
  }): Promise<boolean>
  fetchTopicMetadata(options: { topics: string[] }): Promise<{ topics: Array<{ partitions: unknown[] }> }>
}

export interface TopicCreationOptions {
  /** How long a created topic may stay invisible to the broker before we give up (default 15 s). */
  readonly visibilityTimeoutMs?: number
}

const NOT_VISIBLE_YET = 'UNKNOWN_TOPIC_OR_PARTITION'
const POLL_MS = 100

/**
 * Refusals of what the configuration decides, the name and the partition count: changing an option
 * is the fix, so these are ERR_CONFIG_INVALID. (The replication factor is always 1 here; the broker
 * refuses it only while no broker is registered, which is not a configuration error.)
 */
const SPEC_REFUSALS = new Set(['INVALID_TOPIC_EXCEPTION', 'INVALID_PARTITIONS'])

/**
 * Creates the topics that do not exist yet and resolves once the broker serves them. Topics that
 * exist are left as they are, without a request to create them and without waiting.
 */
export async function createMissingTopics(
  admin: TopicCreationAdmin,
  topics: readonly TopicSpec[],
  options: TopicCreationOptions = {},
): Promise<void> {
  const existing = new Set(await admin.listTopics())
  const missing = topics.filter(({ topic }) => !existing.has(topic))
  if (missing.length === 0) return
  const timeoutMs = options.visibilityTimeoutMs ?? 15_000
  let created: boolean
  try {
    created = await admin.createTopics({
      waitForLeaders: true,
      // One replica, as on the local broker; on a larger cluster, create the topics beforehand.
      topics: missing.map(({ topic, partitions, configs }) => ({
        topic,
        numPartitions: partitions,
        replicationFactor: 1,
        ...(configs
          ? { configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }
          : {}),
      })),
    })
  } catch (error) {
    if (hasType(error, NOT_VISIBLE_YET)) return waitUntilVisible(admin, missing, timeoutMs, error)
    throw translateRefusals(error, missing) ?? translateKafkaError(error, 'ERR_KAFKA_UNAVAILABLE')
  }
  // Another client created them between our listing and our request, and kafkajs did not wait for
  // their leaders then: the broker we asked may not serve them yet.
  if (!created) await waitUntilVisible(admin, missing, timeoutMs, undefined)
}

async function waitUntilVisible(
  admin: TopicCreationAdmin,
  topics: readonly TopicSpec[],
  timeoutMs: number,
  cause: unknown,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (const { topic } of topics) {
    while (!(await isVisible(admin, topic))) {
      if (Date.now() >= deadline) {
        throw new TopicstreamError(
          'ERR_KAFKA_UNAVAILABLE',
          `Kafka created the topic "${topic}" but does not serve it after ${timeoutMs} ms`,
          { cause, canRetry: true, details: { topic } },
        )
      }
      await sleep(POLL_MS)
    }
  }
}

async function isVisible(admin: TopicCreationAdmin, topic: string): Promise<boolean> {
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
    return (topics[0]?.partitions.length ?? 0) > 0
  } catch (error) {
    if (hasType(error, NOT_VISIBLE_YET)) return false
    throw translateKafkaError(error, 'ERR_KAFKA_UNAVAILABLE')
  }
}

/**
 * The broker answers a creation request with one error per refused topic (kafkajs gathers them in a
 * KafkaJSAggregateError; topics another client created first make kafkajs resolve `false` instead).
 * Returns undefined when `error` is not such an answer.
 */
function translateRefusals(error: unknown, specs: readonly TopicSpec[]): TopicstreamError | undefined {
  const inner = (error as { errors?: unknown } | null)?.errors
  if (!Array.isArray(inner)) return undefined
  const refusals = (inner as Array<KafkaJsErrorShape & { topic?: string }>).filter(
    ({ type }) => type !== 'TOPIC_ALREADY_EXISTS',
  )
  if (refusals.length === 0) return undefined
  const partitionsOf = new Map(specs.map(({ topic, partitions }) => [topic, partitions]))
  const reasons = refusals.map(({ topic = '', type, message }) => {
    const partitions = partitionsOf.get(topic)
    const spec =
      type === 'INVALID_PARTITIONS' && partitions !== undefined ? ` with ${partitions} partitions` : ''
    return `"${topic}"${spec}: ${message} (${type})`
  })
  const details = { topics: refusals.map(({ topic, type }) => ({ topic, kafkaErrorType: type })) }
  const message = `Kafka refused to create the topic${refusals.length > 1 ? 's' : ''} ${reasons.join('; ')}`
  if (refusals.some(({ type }) => type !== undefined && SPEC_REFUSALS.has(type))) {
    return new TopicstreamError('ERR_CONFIG_INVALID', message, { cause: error, details })
  }
  // Anything else (not authorized, a cluster policy, the controller busy) keeps the translation the
  // rest of the admin surface uses: the first refusal's code, retryable if every refusal is.
  const translated = refusals.map((refusal) => translateKafkaError(refusal, 'ERR_KAFKA_UNAVAILABLE'))
  return new TopicstreamError((translated[0] as TopicstreamError).code, message, {
    cause: error,
    details,
    canRetry: translated.every(({ canRetry }) => canRetry),
  })
}

/** kafkajs hands the broker's answer on as it is (its retrier's `bail`), not wrapped. */
function hasType(error: unknown, type: string): boolean {
  return typeof error === 'object' && error !== null && (error as KafkaJsErrorShape).type === type
}
