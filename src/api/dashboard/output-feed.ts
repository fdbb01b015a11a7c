/**
 * The dashboard's view of Kafka: reads the output topic (live, from its end) and the dead-letter
 * topic (counted from the beginning), and polls the bridge group's lag. It never commits offsets:
 * each server process sees every result, and leaves no consumer group state behind.
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FeedListener, FeedRecord, KafkaState, PipelineFacts, RecordFeed } from './types.js'
import type {
  IncomingRecord,
  KafkaAdmin,
  KafkaClient,
  KafkaConsumer,
  KafkaLogger,
} from '../../kafka/client.js'
import { toTopicstreamError } from '../../errors.js'

export interface OutputFeedOptions {
  /**
   * Should give up on an operation within a few seconds (few retries): the feed reconnects on its
   * own, and `stop()` waits for the operation in flight, whose retry timers would keep the process up.
   */
  readonly kafka: KafkaClient
  readonly topics: { readonly input: string; readonly output: string; readonly dlq: string }
  /** The classifying consumer group, for the lag figure. */
  readonly bridgeGroupId?: string
  /** The model the pipeline serves, shown with the stats. */
  readonly model?: () => { name: string; version: string; classes?: readonly string[] } | undefined
  /** Milliseconds between lag and health polls (default 2000). */
  readonly pollIntervalMs?: number
  readonly logger?: KafkaLogger
}

export interface OutputFeed extends RecordFeed {
  facts(): PipelineFacts
  /** Starts consuming in the background; keeps retrying while Kafka is unreachable. */
  start(): void
  stop(): Promise<void>
}

const STOP_TIMEOUT_MS = 5000
const RECONNECT_DELAY_MS = 2000

export function createOutputFeed(options: OutputFeedOptions): OutputFeed {
  const { kafka, topics } = options
  const pollIntervalMs = options.pollIntervalMs ?? 2000
  const listeners = new Set<FeedListener>()
  let state: KafkaState = 'connecting'
  let stateMessage: string | undefined
  let consumerLag: number | null = null
  let dlqCount: number | null = null
  let consumer: KafkaConsumer | undefined
  let admin: KafkaAdmin | undefined
  let pollTimer: NodeJS.Timeout | undefined
  let polling = false
  let connected = false
  let starting: Promise<void> | undefined
  // Aborted by stop(): ends the wait between connection attempts at once.
  const stopping = new AbortController()

  function setState(next: KafkaState, message?: string): void {
    if (next !== state) options.logger?.info({ kafka: next, reason: message }, 'dashboard feed: Kafka state')
    state = next
    stateMessage = message
  }

  function emit(record: FeedRecord): void {
    for (const listener of listeners) listener(record)
  }

  async function connectOnce(): Promise<void> {
    admin = kafka.admin()
    await admin.connect()
    const created = kafka.consumer({
      groupId: `topicstream-dashboard-${randomUUID()}`,
      // A fresh group for the dashboard: the broker can forget it quickly.
      sessionTimeoutMs: 10_000,
      maxWaitTimeMs: 200,
    })
    consumer = created
    created.onCrash((error, restart) => setState(restart ? 'connecting' : 'down', error.message))
    created.onGroupJoin(() => setState('up'))
    await created.connect()
    await created.subscribe([topics.output], { fromBeginning: false })
    await created.subscribe([topics.dlq], { fromBeginning: true })
    dlqCount = 0
    await created.run({
      autoCommit: false,
      eachBatch: async (batch, controls) => {
        if (batch.topic === topics.dlq) dlqCount = (dlqCount ?? 0) + batch.records.length
        else for (const record of batch.records) parseAndEmit(record)
        const last = batch.records.at(-1)
        // Without resolving, the next fetch would return the same records again.
        if (last !== undefined) controls.resolveOffset(last.offset)
      },
    })
  }

  function parseAndEmit(record: IncomingRecord): void {
    const parsed = parseResult(record)
    if (parsed !== undefined) emit(parsed)
  }

  async function poll(): Promise<void> {
    // Before the connection is made, a request would start a second retry chain of its own; and a
    // poll slower than the interval must not be joined by the next one.
    if (admin === undefined || !connected || polling || stopping.signal.aborted) return
    polling = true
    try {
      const [ends, committed] = await Promise.all([
        admin.topicOffsets(topics.input),
        options.bridgeGroupId ? admin.groupOffsets(options.bridgeGroupId, topics.input) : undefined,
      ])
      if (committed !== undefined) {
        let lag = 0
        for (const end of ends) {
          const position = committed.find((entry) => entry.partition === end.partition)?.offset ?? '-1'
          const from = position === '-1' ? end.low : position
          lag += Math.max(0, Number(end.high) - Number(from))
        }
        consumerLag = lag
      }
      if (state !== 'up' && consumer !== undefined) setState('up')
    } catch (error) {
      setState('down', toTopicstreamError(error, 'ERR_KAFKA_UNAVAILABLE').message)
    } finally {
      polling = false
    }
  }

  async function connectLoop(): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        await connectOnce()
        // stop() may have run while connecting: it must not leave these clients open.
        if (stopping.signal.aborted) {
          await closeClients()
        } else {
          connected = true
          setState('up')
        }
        return
      } catch (error) {
        setState('down', toTopicstreamError(error, 'ERR_KAFKA_UNAVAILABLE').message)
        await closeClients()
        await sleep(RECONNECT_DELAY_MS, undefined, { signal: stopping.signal }).catch(() => undefined)
      }
    }
  }

  async function closeClients(): Promise<void> {
    const closing = [consumer?.disconnect(), admin?.disconnect()].map((p) => p?.catch(() => undefined))
    consumer = undefined
    admin = undefined
    connected = false
    await withTimeout(Promise.all(closing), STOP_TIMEOUT_MS)
  }

  return {
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    facts() {
      const model = options.model?.()
      return {
        kafka: state,
        ...(stateMessage && state !== 'up' ? { kafkaMessage: stateMessage } : {}),
        consumerLag,
        dlqCount,
        topics,
        ...(model ? { model } : {}),
      }
    },
    start() {
      if (starting !== undefined) return
      starting = connectLoop()
      pollTimer = setInterval(() => void poll(), pollIntervalMs)
      pollTimer.unref()
    },
    async stop() {
      stopping.abort()
      clearInterval(pollTimer)
      listeners.clear()
      await withTimeout(starting ?? Promise.resolve(), STOP_TIMEOUT_MS)
      await closeClients()
    },
  }
}

/** Output value → feed record; anything that is not a result is ignored (the topic is not ours). */
export function parseResult(record: IncomingRecord): FeedRecord | undefined {
  if (record.value === null) return undefined
  let value: unknown
  try {
    value = JSON.parse(record.value.toString('utf8'))
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const fields = value as Record<string, unknown>
  if (typeof fields.label !== 'string' || typeof fields.confidence !== 'number') return undefined
  const classifiedAt = Number(record.timestamp) || toMillis(fields.classified_at) || Date.now()
  const producedAt = toMillis(fields.produced_at)
  const model =
    typeof fields.model === 'object' && fields.model !== null ? (fields.model as Record<string, unknown>) : {}
  return {
    ...(typeof fields.id === 'string' ? { id: fields.id } : {}),
    text: typeof fields.text === 'string' ? fields.text : '',
    label: fields.label,
    confidence: fields.confidence,
    ...(typeof fields.label_true === 'string' ? { trueLabel: fields.label_true } : {}),
    ...(producedAt === undefined ? {} : { producedAt }),
    classifiedAt,
    ...(typeof model.name === 'string' ? { model: model.name } : {}),
    ...(typeof model.version === 'string' ? { modelVersion: model.version } : {}),
  }
}

function toMillis(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value !== 'string') return undefined
  const parsed = /^\d+$/.test(value) ? Number(value) : Date.parse(value)
  return Number.isFinite(parsed) ? parsed : undefined
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    promise.catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms)
    }),
  ])
  clearTimeout(timer)
}
