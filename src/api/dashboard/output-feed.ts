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
import type { TopicstreamError } from '../../errors.js'

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
  /**
   * Results the bridge running in this process has written so far (undefined when none runs here):
   * tells "the bridge produced nothing" from "the dashboard has not read it yet". Read every poll.
   */
  readonly bridgeResultsProduced?: () => number | undefined | Promise<number | undefined>
  /** Milliseconds between lag and health polls (default 2000). */
  readonly pollIntervalMs?: number
  /** Wait before restarting a dead consumer: starts at `initialMs`, doubles up to `maxMs` (1 s, 30 s). */
  readonly reconnectBackoff?: { readonly initialMs: number; readonly maxMs: number }
  readonly logger?: KafkaLogger
}

export interface OutputFeed extends RecordFeed {
  facts(): PipelineFacts
  /** Starts consuming in the background; keeps retrying while Kafka is unreachable. */
  start(): void
  stop(): Promise<void>
}

const STOP_TIMEOUT_MS = 5000
const DEFAULT_BACKOFF = { initialMs: 1000, maxMs: 30_000 }

/**
 * The consumer is supervised: whenever it dies (a failed connect or subscribe, a failed group join,
 * a crash, whether or not the client library meant to restart it), the feed closes it and starts a
 * fresh one after a back-off. The state is "up" only from the consumer's group join until it dies.
 */
export function createOutputFeed(options: OutputFeedOptions): OutputFeed {
  const { kafka, topics } = options
  const pollIntervalMs = options.pollIntervalMs ?? 2000
  const backoff = options.reconnectBackoff ?? DEFAULT_BACKOFF
  const log = options.logger
  const listeners = new Set<FeedListener>()
  let state: KafkaState = 'connecting'
  let lastError: TopicstreamError | undefined
  // Consecutive failed runs of the consumer since it was last up.
  let failures = 0
  let consumerLag: number | null = null
  let dlqCount: number | null = null
  let bridgeResults: number | undefined
  let consumer: KafkaConsumer | undefined
  let admin: KafkaAdmin | undefined
  let pollTimer: NodeJS.Timeout | undefined
  let polling = false
  let adminReady = false
  let running: Promise<void> | undefined
  // Aborted by stop(): ends the wait for the consumer's death, or between attempts, at once.
  const stopping = new AbortController()
  const stopped = new Promise<undefined>((resolve) =>
    stopping.signal.addEventListener('abort', () => resolve(undefined), { once: true }),
  )

  function emit(record: FeedRecord): void {
    for (const listener of listeners) listener(record)
  }

  /** One consumer's life: resolves with the error it died of, or undefined once the feed stops. */
  async function runConsumer(): Promise<TopicstreamError | undefined> {
    let died: (error: TopicstreamError) => void = () => {}
    const death = new Promise<TopicstreamError>((resolve) => (died = resolve))
    try {
      admin = kafka.admin()
      await admin.connect()
      adminReady = true
      // stop() may have run meanwhile: the caller closes what was opened.
      if (stopping.signal.aborted) return undefined
      const created = kafka.consumer({
        groupId: `topicstream-dashboard-${randomUUID()}`,
        // A fresh group for the dashboard: the broker can forget it quickly.
        sessionTimeoutMs: 10_000,
        maxWaitTimeMs: 200,
      })
      consumer = created
      // A crash ends this consumer even when the library would restart it: the feed restarts it
      // itself, with a back-off, and a crash it would not restart is never left unnoticed.
      created.onCrash((error) => died(error))
      created.onGroupJoin(() => {
        if (consumer !== created || stopping.signal.aborted) return
        failures = 0
        lastError = undefined
        setState('up')
      })
      await created.connect()
      if (stopping.signal.aborted) return undefined
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
    } catch (error) {
      died(toTopicstreamError(error, 'ERR_KAFKA_UNAVAILABLE'))
    }
    return stopping.signal.aborted ? undefined : await Promise.race([death, stopped])
  }

  function setState(next: KafkaState): void {
    if (next === state) return
    state = next
    if (next === 'up') log?.info({ topic: topics.output }, 'Dashboard feed is reading the output topic')
  }

  function parseAndEmit(record: IncomingRecord): void {
    const parsed = parseResult(record)
    if (parsed !== undefined) emit(parsed)
  }

  async function supervise(): Promise<void> {
    while (!stopping.signal.aborted) {
      const error = await runConsumer()
      // Runs after the crash handler of the library has returned, so closing the consumer also
      // cancels the restart it may have scheduled.
      await closeClients()
      if (error === undefined || stopping.signal.aborted) return
      failures++
      lastError = error
      state = 'reconnecting'
      const delayMs = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(failures - 1, 20))
      // Retriable conditions (a broker still starting, a coordinator loading) are routine: info, one
      // line. Anything else is worth a warning, still without a stack.
      const fields = { attempt: failures + 1, retryInMs: delayMs, error: error.message, code: error.code }
      if (error.canRetry) log?.info(fields, 'Dashboard feed: Kafka consumer not ready; reconnecting')
      else log?.warn(fields, 'Dashboard feed: Kafka consumer failed; reconnecting')
      await sleep(delayMs, undefined, { signal: stopping.signal }).catch(() => undefined)
    }
  }

  async function poll(): Promise<void> {
    // A poll slower than the interval must not be joined by the next one.
    if (polling || stopping.signal.aborted) return
    polling = true
    try {
      await Promise.all([pollBridge(), pollLag()])
    } finally {
      polling = false
    }
  }

  async function pollBridge(): Promise<void> {
    if (options.bridgeResultsProduced === undefined) return
    try {
      bridgeResults = await options.bridgeResultsProduced()
    } catch {
      bridgeResults = undefined
    }
  }

  /** The lag figure only: the consumer's own events, not these requests, decide the state. */
  async function pollLag(): Promise<void> {
    // Before the admin is connected, a request would start a second retry chain of its own.
    const current = admin
    if (current === undefined || !adminReady) return
    try {
      const [ends, committed] = await Promise.all([
        current.topicOffsets(topics.input),
        options.bridgeGroupId ? current.groupOffsets(options.bridgeGroupId, topics.input) : undefined,
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
    } catch (error) {
      const failure = toTopicstreamError(error, 'ERR_KAFKA_UNAVAILABLE')
      log?.debug({ error: failure.message, code: failure.code }, 'Dashboard feed: lag not read')
      consumerLag = null
    }
  }

  async function closeClients(): Promise<void> {
    const closing = [consumer?.disconnect(), admin?.disconnect()].map((p) => p?.catch(() => undefined))
    consumer = undefined
    admin = undefined
    adminReady = false
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
        ...(state === 'reconnecting' ? { kafkaAttempt: failures + 1 } : {}),
        ...(lastError && state !== 'up' ? { kafkaMessage: lastError.message } : {}),
        consumerLag,
        dlqCount,
        ...(bridgeResults === undefined ? {} : { bridgeResultsProduced: bridgeResults }),
        topics,
        ...(model ? { model } : {}),
      }
    },
    start() {
      if (running !== undefined) return
      running = supervise()
      pollTimer = setInterval(() => void poll(), pollIntervalMs)
      pollTimer.unref()
    },
    async stop() {
      stopping.abort()
      clearInterval(pollTimer)
      listeners.clear()
      await withTimeout(running ?? Promise.resolve(), STOP_TIMEOUT_MS)
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
  if (typeof fields.confidence !== 'number') return undefined
  const abstained = fields.abstained === true && fields.label === null
  // An abstention has no label; its top class still tells a reviewer what the model leaned to.
  const label = abstained ? topLabel(fields.top_k) : fields.label
  if (typeof label !== 'string') return undefined
  const classifiedAt = Number(record.timestamp) || toMillis(fields.classified_at) || Date.now()
  const producedAt = toMillis(fields.produced_at)
  const model =
    typeof fields.model === 'object' && fields.model !== null ? (fields.model as Record<string, unknown>) : {}
  return {
    ...(typeof fields.id === 'string' ? { id: fields.id } : {}),
    text: typeof fields.text === 'string' ? fields.text : '',
    label,
    confidence: fields.confidence,
    ...(abstained ? { abstained } : {}),
    ...(typeof fields.label_true === 'string' ? { trueLabel: fields.label_true } : {}),
    ...(producedAt === undefined ? {} : { producedAt }),
    classifiedAt,
    ...(typeof model.name === 'string' ? { model: model.name } : {}),
    ...(typeof model.version === 'string' ? { modelVersion: model.version } : {}),
  }
}

function topLabel(topK: unknown): unknown {
  const first: unknown = Array.isArray(topK) ? topK[0] : undefined
  return typeof first === 'object' && first !== null ? (first as Record<string, unknown>).label : undefined
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
