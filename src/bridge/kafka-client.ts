/**
 * The one place that knows about kafkajs. Everything else in topicstream talks to Kafka through the
 * small typed surface below, so the client library stays a replaceable detail, and every kafkajs
 * error is translated into a TopicstreamError right here, where it enters.
 */
import { Kafka, Partitioners, logLevel as KafkaJsLevel } from 'kafkajs'
import type {
  Admin,
  Batch,
  Consumer,
  EachBatchPayload,
  IHeaders,
  KafkaMessage,
  LogEntry,
  Producer,
  Transaction,
} from 'kafkajs'
import { TopicstreamError, isTopicstreamError } from '../errors.js'
import type { ErrorCode } from '../errors.js'

/** pino-compatible: fastify's and pino's loggers fit, and so does a four-line object. */
export interface KafkaLogger {
  error(object: object, message?: string): void
  warn(object: object, message?: string): void
  info(object: object, message?: string): void
  debug(object: object, message?: string): void
}

export type KafkaLogLevel = 'error' | 'warn' | 'info' | 'debug' | 'silent'

export interface KafkaClientOptions {
  /** `host:port` seeds. */
  readonly brokers: readonly string[]
  readonly clientId?: string
  readonly logger?: KafkaLogger
  /** The most verbose level forwarded from the client library (default `info`). */
  readonly logLevel?: KafkaLogLevel
  readonly connectionTimeoutMs?: number
  readonly requestTimeoutMs?: number
  /** How long the library keeps retrying one operation before giving up (default 30 s). */
  readonly maxRetryTimeMs?: number
  /** Retries of one operation (default 8). Idempotent and transactional sends always retry. */
  readonly retries?: number
}

export type HeaderValue = string | Buffer
export type RecordHeaders = Readonly<Record<string, HeaderValue | undefined>>

export interface OutgoingRecord {
  readonly key?: string | Buffer | null
  readonly value: string | Buffer | null
  readonly headers?: RecordHeaders
  readonly partition?: number
  /** Milliseconds since the epoch, as a string (Kafka's convention). */
  readonly timestamp?: string
}

export interface IncomingRecord {
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers: Readonly<Record<string, Buffer | undefined>>
  readonly offset: string
  /** Milliseconds since the epoch, as a string. */
  readonly timestamp: string
}

export interface IncomingBatch {
  readonly topic: string
  readonly partition: number
  readonly highWatermark: string
  readonly records: readonly IncomingRecord[]
}

export interface PartitionOffsets {
  readonly topic: string
  /** `offset` is the NEXT offset to read (last processed + 1), as Kafka commits it. */
  readonly partitions: ReadonlyArray<{ readonly partition: number; readonly offset: string }>
}

export interface KafkaSender {
  /** Resolves once every record is acknowledged by all in-sync replicas. */
  send(topic: string, records: readonly OutgoingRecord[]): Promise<void>
}

export interface KafkaProducer extends KafkaSender {
  connect(): Promise<void>
  disconnect(): Promise<void>
}

export interface KafkaTransaction extends KafkaSender {
  /** Commits the consumer group's offsets as part of this transaction. */
  sendOffsets(groupId: string, offsets: readonly PartitionOffsets[]): Promise<void>
  commit(): Promise<void>
  abort(): Promise<void>
}

export interface KafkaTransactionalProducer {
  connect(): Promise<void>
  disconnect(): Promise<void>
  transaction(): Promise<KafkaTransaction>
}

/** Per-batch controls handed to `eachBatch`. */
export interface BatchControls {
  /** Marks the offset processed; committed with the next commit. */
  resolveOffset(offset: string): void
  commitOffsetsIfNecessary(): Promise<void>
  heartbeat(): Promise<void>
  /** False once the consumer is stopping: finish quickly. */
  isRunning(): boolean
  /** True when a rebalance took the partition away or a seek moved it: drop the rest. */
  isStale(): boolean
  /** Pauses this partition; call the returned function to resume it. */
  pause(): () => void
}

export interface ConsumerRunOptions {
  readonly eachBatch: (batch: IncomingBatch, controls: BatchControls) => Promise<void>
  /** Commit resolved offsets periodically (at-least-once). Off for transactional processing. */
  readonly autoCommit: boolean
  readonly partitionsConsumedConcurrently?: number
}

export interface ConsumerEvents {
  /** The consumer gave up after retries; `restart` says whether it is restarting itself. */
  onCrash(listener: (error: TopicstreamError, restart: boolean) => void): void
  onGroupJoin(listener: (assignment: Readonly<Record<string, readonly number[]>>) => void): void
  onRebalancing(listener: () => void): void
  onConnect(listener: () => void): void
  onDisconnect(listener: () => void): void
  onStop(listener: () => void): void
}

export interface KafkaConsumer extends ConsumerEvents {
  connect(): Promise<void>
  /** Leaves the group (so its partitions move to other members at once) and closes connections. */
  disconnect(): Promise<void>
  subscribe(topics: readonly string[], options?: { fromBeginning?: boolean }): Promise<void>
  /** Resolves once the consumer is running; batches arrive in the background. */
  run(options: ConsumerRunOptions): Promise<void>
  stop(): Promise<void>
  commitOffsets(offsets: readonly PartitionOffsets[]): Promise<void>
  /** Moves the read position; `offset` is the next offset to read. */
  seek(topic: string, partition: number, offset: string): void
  pause(topic: string, partitions?: readonly number[]): void
  resume(topic: string, partitions?: readonly number[]): void
}

export interface ConsumerOptions {
  readonly groupId: string
  /** false = read_committed: records of aborted or open transactions are never delivered. */
  readonly readUncommitted?: boolean
  readonly sessionTimeoutMs?: number
  readonly heartbeatIntervalMs?: number
  readonly maxBytesPerPartition?: number
  readonly maxWaitTimeMs?: number
  /** Whether a crashed consumer restarts itself (default true: it rejoins after a broker restart). */
  readonly restartOnFailure?: boolean
}

export interface TopicSpec {
  readonly topic: string
  readonly partitions: number
  readonly replicationFactor?: number
}

export interface TopicOffsetsInfo {
  readonly partition: number
  /** Next offset to be written. */
  readonly high: string
  readonly low: string
}

export interface KafkaAdmin {
  connect(): Promise<void>
  disconnect(): Promise<void>
  listTopics(): Promise<string[]>
  /** Creates the topics that do not exist yet; existing topics are left as they are. */
  createTopics(topics: readonly TopicSpec[]): Promise<void>
  deleteTopics(topics: readonly string[]): Promise<void>
  partitionCount(topic: string): Promise<number>
  topicOffsets(topic: string): Promise<TopicOffsetsInfo[]>
  /** Committed offsets of a group (`-1` where nothing was committed). */
  groupOffsets(groupId: string, topic: string): Promise<Array<{ partition: number; offset: string }>>
}

export interface KafkaClient {
  producer(options?: { idempotent?: boolean }): KafkaProducer
  transactionalProducer(options: {
    transactionalId: string
    transactionTimeoutMs?: number
  }): KafkaTransactionalProducer
  consumer(options: ConsumerOptions): KafkaConsumer
  admin(): KafkaAdmin
}

/**
 * Idempotent and transactional sends keep retrying (kafkajs's own default for them): giving up
 * would leave a gap in the sequence numbers, and a broker restart is waited out instead.
 */
const RETRY_FOREVER = { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 }

/** Nothing connects here: clients connect when their `connect()` is called. */
export function createKafkaClient(options: KafkaClientOptions): KafkaClient {
  if (options.brokers.length === 0) {
    throw new TopicstreamError('ERR_CONFIG_INVALID', 'At least one Kafka broker (host:port) is required')
  }
  const kafka = new Kafka({
    brokers: [...options.brokers],
    clientId: options.clientId ?? 'topicstream',
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retry: {
      retries: options.retries ?? 8,
      initialRetryTime: 300,
      maxRetryTime: options.maxRetryTimeMs ?? 30_000,
    },
    logLevel: toKafkaLevel(options.logLevel ?? 'info'),
    logCreator: () => forwardLogs(options.logger),
  })
  return {
    producer: (producerOptions = {}) =>
      wrapProducer(
        kafka.producer({
          idempotent: producerOptions.idempotent ?? true,
          ...(producerOptions.idempotent === false ? {} : { retry: RETRY_FOREVER }),
          createPartitioner: Partitioners.DefaultPartitioner,
          allowAutoTopicCreation: false,
          // Idempotence keeps order and avoids duplicates only with one request in flight per broker.
          ...(producerOptions.idempotent === false ? {} : { maxInFlightRequests: 1 }),
        }),
      ),
    transactionalProducer: ({ transactionalId, transactionTimeoutMs }) =>
      wrapTransactionalProducer(
        kafka.producer({
          idempotent: true,
          transactionalId,
          retry: RETRY_FOREVER,
          transactionTimeout: transactionTimeoutMs ?? 60_000,
          maxInFlightRequests: 1,
          createPartitioner: Partitioners.DefaultPartitioner,
          allowAutoTopicCreation: false,
        }),
      ),
    consumer: (consumerOptions) => wrapConsumer(createConsumer(kafka, consumerOptions)),
    admin: () => wrapAdmin(kafka.admin()),
  }
}

function createConsumer(kafka: Kafka, options: ConsumerOptions): Consumer {
  const restart = options.restartOnFailure ?? true
  return kafka.consumer({
    groupId: options.groupId,
    readUncommitted: options.readUncommitted ?? false,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: options.heartbeatIntervalMs ?? 3000,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 500,
    allowAutoTopicCreation: false,
    retry: { restartOnFailure: async () => restart },
  })
}

/** Ensures the topics exist with at least the given partitions (creates the missing ones). */
export async function ensureTopics(admin: KafkaAdmin, topics: readonly TopicSpec[]): Promise<void> {
  await admin.createTopics(topics)
}

/** Which kafkajs failures mean "the cluster is not reachable right now". */
const UNAVAILABLE_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSTimeout',
])

// kafkajs's names for the broker error codes that mean "leader/coordinator moving or starting".
const UNAVAILABLE_PROTOCOL_TYPES = new Set([
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'REPLICA_NOT_AVAILABLE',
  'GROUP_LOAD_IN_PROGRESS',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR_FOR_GROUP',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'NOT_CONTROLLER',
  'KAFKA_STORAGE_ERROR',
])

interface KafkaJsErrorShape {
  name?: string
  message?: string
  retriable?: boolean
  type?: string
  cause?: unknown
  originalError?: unknown
}

/**
 * Translates a kafkajs error into a TopicstreamError. Connection-level failures (including
 * "retries exhausted" whose cause was one) become ERR_KAFKA_UNAVAILABLE with `canRetry`;
 * everything else gets `fallback` and keeps the library's own retriable flag.
 */
export function translateKafkaError(error: unknown, fallback: ErrorCode): TopicstreamError {
  if (isTopicstreamError(error)) return error
  const shape = (typeof error === 'object' && error !== null ? error : {}) as KafkaJsErrorShape
  const message = shape.message ?? String(error)
  const details: Record<string, unknown> = {}
  if (shape.name) details.kafkaError = shape.name
  if (shape.type) details.kafkaErrorType = shape.type
  if (isUnavailable(shape, 0)) {
    return new TopicstreamError('ERR_KAFKA_UNAVAILABLE', `Kafka is unavailable: ${message}`, {
      cause: error,
      details,
      canRetry: true,
    })
  }
  return new TopicstreamError(fallback, message, {
    cause: error,
    details,
    canRetry: isRetriable(shape, 0),
  })
}

/** kafkajs wraps the last retriable failure when it gives up; the cause decides. */
function isRetriable(shape: KafkaJsErrorShape, depth: number): boolean {
  if (shape.retriable === true || shape.name === 'KafkaJSNumberOfRetriesExceeded') return true
  const inner = shape.originalError ?? shape.cause
  return (
    depth < 4 &&
    typeof inner === 'object' &&
    inner !== null &&
    isRetriable(inner as KafkaJsErrorShape, depth + 1)
  )
}

function isUnavailable(shape: KafkaJsErrorShape, depth: number): boolean {
  if (depth > 4) return false
  if (shape.name && UNAVAILABLE_ERRORS.has(shape.name)) return true
  if (shape.type && UNAVAILABLE_PROTOCOL_TYPES.has(shape.type)) return true
  const inner = shape.originalError ?? shape.cause
  return typeof inner === 'object' && inner !== null && isUnavailable(inner as KafkaJsErrorShape, depth + 1)
}

async function guard<T>(fallback: ErrorCode, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    throw translateKafkaError(error, fallback)
  }
}

async function retrying<T>(operation: () => Promise<T>, attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation()
    } catch (error) {
      if (attempt >= attempts || !isTopicstreamError(error) || !error.canRetry) throw error
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt))
    }
  }
}

function toMessages(records: readonly OutgoingRecord[]): Array<{
  key?: string | Buffer | null
  value: string | Buffer | null
  headers?: IHeaders
  partition?: number
  timestamp?: string
}> {
  return records.map((record) => ({
    key: record.key ?? null,
    value: record.value,
    ...(record.headers ? { headers: { ...record.headers } } : {}),
    ...(record.partition === undefined ? {} : { partition: record.partition }),
    ...(record.timestamp === undefined ? {} : { timestamp: record.timestamp }),
  }))
}

/**
 * kafkajs puts all records for one partition into one record batch, and the broker refuses batches
 * over `message.max.bytes` (1 MiB by default), so large sends go out in slices, one after the other
 * to keep their order.
 */
const MAX_SEND_BYTES = 512 * 1024
const RECORD_OVERHEAD_BYTES = 70

function recordBytes(record: OutgoingRecord): number {
  let bytes = RECORD_OVERHEAD_BYTES + sizeOf(record.key) + sizeOf(record.value)
  for (const [name, value] of Object.entries(record.headers ?? {})) bytes += name.length + sizeOf(value)
  return bytes
}

function sizeOf(value: string | Buffer | null | undefined): number {
  if (value === null || value === undefined) return 0
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length
}

export function sliceBySize(
  records: readonly OutgoingRecord[],
  maxBytes = MAX_SEND_BYTES,
): OutgoingRecord[][] {
  const slices: OutgoingRecord[][] = []
  let current: OutgoingRecord[] = []
  let bytes = 0
  for (const record of records) {
    const size = recordBytes(record)
    if (current.length > 0 && bytes + size > maxBytes) {
      slices.push(current)
      current = []
      bytes = 0
    }
    current.push(record)
    bytes += size
  }
  if (current.length > 0) slices.push(current)
  return slices
}

function wrapSender(sender: Producer | Transaction): KafkaSender {
  return {
    send: (topic, records) =>
      guard('ERR_KAFKA_PRODUCE_FAILED', async () => {
        for (const slice of sliceBySize(records)) {
          await sender.send({ topic, messages: toMessages(slice), acks: -1 })
        }
      }),
  }
}

function wrapProducer(producer: Producer): KafkaProducer {
  return {
    connect: () => guard('ERR_KAFKA_UNAVAILABLE', () => producer.connect()),
    disconnect: () => guard('ERR_KAFKA_UNAVAILABLE', () => producer.disconnect()),
    ...wrapSender(producer),
  }
}

function wrapTransactionalProducer(producer: Producer): KafkaTransactionalProducer {
  return {
    connect: () => guard('ERR_KAFKA_UNAVAILABLE', () => producer.connect()),
    disconnect: () => guard('ERR_KAFKA_UNAVAILABLE', () => producer.disconnect()),
    transaction: () =>
      guard('ERR_KAFKA_PRODUCE_FAILED', async () => {
        const transaction = await producer.transaction()
        return {
          ...wrapSender(transaction),
          sendOffsets: (groupId, offsets) =>
            guard('ERR_KAFKA_PRODUCE_FAILED', () =>
              transaction.sendOffsets({
                consumerGroupId: groupId,
                topics: offsets.map(({ topic, partitions }) => ({
                  topic,
                  partitions: partitions.map(({ partition, offset }) => ({ partition, offset })),
                })),
              }),
            ),
          commit: () => guard('ERR_KAFKA_PRODUCE_FAILED', () => transaction.commit()),
          abort: () => guard('ERR_KAFKA_PRODUCE_FAILED', () => transaction.abort()),
        }
      }),
  }
}

function toIncomingRecord(message: KafkaMessage): IncomingRecord {
  const headers: Record<string, Buffer | undefined> = {}
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value
    headers[name] = typeof first === 'string' ? Buffer.from(first) : first
  }
  return {
    key: message.key,
    value: message.value,
    headers,
    offset: message.offset,
    timestamp: message.timestamp,
  }
}

function toIncomingBatch(batch: Batch): IncomingBatch {
  return {
    topic: batch.topic,
    partition: batch.partition,
    highWatermark: batch.highWatermark,
    records: batch.messages.map(toIncomingRecord),
  }
}

function wrapConsumer(consumer: Consumer): KafkaConsumer {
  const { events } = consumer
  return {
    connect: () => guard('ERR_KAFKA_UNAVAILABLE', () => consumer.connect()),
    disconnect: () => guard('ERR_KAFKA_UNAVAILABLE', () => consumer.disconnect()),
    subscribe: (topics, options = {}) =>
      guard('ERR_KAFKA_UNAVAILABLE', () =>
        consumer.subscribe({ topics: [...topics], fromBeginning: options.fromBeginning ?? true }),
      ),
    run: ({ eachBatch, autoCommit, partitionsConsumedConcurrently }) =>
      guard('ERR_KAFKA_UNAVAILABLE', () =>
        consumer.run({
          autoCommit,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: partitionsConsumedConcurrently ?? 1,
          eachBatch: async (payload: EachBatchPayload) => {
            if (payload.batch.isEmpty()) return
            await eachBatch(toIncomingBatch(payload.batch), {
              resolveOffset: payload.resolveOffset,
              commitOffsetsIfNecessary: () => payload.commitOffsetsIfNecessary(),
              heartbeat: payload.heartbeat,
              isRunning: payload.isRunning,
              isStale: payload.isStale,
              pause: payload.pause,
            })
          },
        }),
      ),
    stop: () => guard('ERR_KAFKA_UNAVAILABLE', () => consumer.stop()),
    commitOffsets: (offsets) =>
      guard('ERR_KAFKA_UNAVAILABLE', () =>
        consumer.commitOffsets(
          offsets.flatMap(({ topic, partitions }) =>
            partitions.map(({ partition, offset }) => ({ topic, partition, offset })),
          ),
        ),
      ),
    seek: (topic, partition, offset) => consumer.seek({ topic, partition, offset }),
    pause: (topic, partitions) =>
      consumer.pause([{ topic, ...(partitions ? { partitions: [...partitions] } : {}) }]),
    resume: (topic, partitions) =>
      consumer.resume([{ topic, ...(partitions ? { partitions: [...partitions] } : {}) }]),
    onCrash: (listener) => {
      consumer.on(events.CRASH, (event) =>
        listener(translateKafkaError(event.payload.error, 'ERR_KAFKA_UNAVAILABLE'), event.payload.restart),
      )
    },
    onGroupJoin: (listener) => {
      consumer.on(events.GROUP_JOIN, (event) => listener(event.payload.memberAssignment))
    },
    onRebalancing: (listener) => {
      consumer.on(events.REBALANCING, () => listener())
    },
    onConnect: (listener) => {
      consumer.on(events.CONNECT, () => listener())
    },
    onDisconnect: (listener) => {
      consumer.on(events.DISCONNECT, () => listener())
    },
    onStop: (listener) => {
      consumer.on(events.STOP, () => listener())
    },
  }
}

function wrapAdmin(admin: Admin): KafkaAdmin {
  return {
    connect: () => guard('ERR_KAFKA_UNAVAILABLE', () => admin.connect()),
    disconnect: () => guard('ERR_KAFKA_UNAVAILABLE', () => admin.disconnect()),
    listTopics: () => guard('ERR_KAFKA_UNAVAILABLE', () => admin.listTopics()),
    createTopics: (topics) =>
      guard('ERR_KAFKA_UNAVAILABLE', async () => {
        const existing = new Set(await admin.listTopics())
        const missing = topics.filter(({ topic }) => !existing.has(topic))
        if (missing.length === 0) return
        try {
          await admin.createTopics({
            waitForLeaders: true,
            topics: missing.map(({ topic, partitions, replicationFactor }) => ({
              topic,
              numPartitions: partitions,
              replicationFactor: replicationFactor ?? 1,
            })),
          })
        } catch (error) {
          // Another process may have created it between our listing and our request.
          if ((error as KafkaJsErrorShape).type !== 'TOPIC_ALREADY_EXISTS') throw error
        }
      }),
    deleteTopics: (topics) =>
      guard('ERR_KAFKA_UNAVAILABLE', () => admin.deleteTopics({ topics: [...topics] })),
    partitionCount: (topic) =>
      guard('ERR_KAFKA_UNAVAILABLE', async () => {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
        return topics[0]?.partitions.length ?? 0
      }),
    topicOffsets: (topic) =>
      guard('ERR_KAFKA_UNAVAILABLE', async () =>
        (await admin.fetchTopicOffsets(topic)).map(({ partition, high, low }) => ({ partition, high, low })),
      ),
    groupOffsets: (groupId, topic) =>
      // kafkajs does not retry NOT_COORDINATOR here (seen right after a broker start): retry it briefly.
      retrying(() =>
        guard('ERR_KAFKA_UNAVAILABLE', async () => {
          const topics = await admin.fetchOffsets({ groupId, topics: [topic] })
          return (topics[0]?.partitions ?? []).map(({ partition, offset }) => ({ partition, offset }))
        }),
      ),
  }
}

function toKafkaLevel(level: KafkaLogLevel): KafkaJsLevel {
  switch (level) {
    case 'silent':
      return KafkaJsLevel.NOTHING
    case 'error':
      return KafkaJsLevel.ERROR
    case 'warn':
      return KafkaJsLevel.WARN
    case 'info':
      return KafkaJsLevel.INFO
    case 'debug':
      return KafkaJsLevel.DEBUG
  }
}

function forwardLogs(logger: KafkaLogger | undefined): (entry: LogEntry) => void {
  if (logger === undefined) return () => {}
  return ({ namespace, level, log }) => {
    const { message, timestamp: _timestamp, ...extra } = log
    const fields = { kafka: namespace, ...extra }
    // A failed response is logged by the connection and then retried or thrown by the layer above (and
    // translated there), so on its own it is a warning: the first requests after a broker start get
    // "coordinator not available" as a matter of course.
    if (level === KafkaJsLevel.ERROR && namespace !== 'Connection') logger.error(fields, message)
    else if (level <= KafkaJsLevel.WARN) logger.warn(fields, message)
    else if (level === KafkaJsLevel.INFO) logger.info(fields, message)
    else logger.debug(fields, message)
  }
}
