/**
 * The Kafka surface topicstream codes against: plain data and small interfaces, implemented by the
 * adapters in kafkajs/ and platformatic/ (the only modules that know a client library) and handed
 * out by `createKafkaClient` in client.ts.
 */
import type { TopicstreamError } from '../errors.js'

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
  /** How long the library keeps retrying one operation before giving up (default 30 s). */
  readonly maxRetryTimeMs?: number
  /** Retries of one operation (default 8). Idempotent and transactional sends always retry. */
  readonly retries?: number
  /** The client library behind this surface (default DEFAULT_KAFKA_LIBRARY, in defaults.ts). */
  readonly library?: KafkaLibrary
}

export const KAFKA_LIBRARIES = ['kafkajs', 'platformatic'] as const
export type KafkaLibrary = (typeof KAFKA_LIBRARIES)[number]

export type HeaderValue = string | Buffer
/**
 * One header as Kafka stores it: a name and its bytes. Headers are always an ordered list, never a
 * plain object keyed by name: a name may repeat, and a name such as `constructor` or `__proto__`
 * must not meet Object.prototype.
 */
export type RecordHeader = readonly [name: string, value: Buffer]
/** Headers to write, in order; a repeated name writes a repeated header. */
export type RecordHeaders = ReadonlyArray<readonly [name: string, value: HeaderValue]>

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
  /** In order, duplicates kept (see the adapter for what the client library preserves). */
  readonly headers: readonly RecordHeader[]
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

export interface SendOptions {
  /**
   * Called after each acknowledged slice with the number of records acknowledged so far (records are
   * sent in order, so these are the first ones): a failed send tells how far it got.
   */
  readonly onAcknowledged?: (records: number) => void
  /** At most this many records per request (default: as many as fit the size limit). */
  readonly maxRecordsPerRequest?: number
}

export interface KafkaSender {
  /** Resolves once every record is acknowledged by all in-sync replicas. */
  send(topic: string, records: readonly OutgoingRecord[], options?: SendOptions): Promise<void>
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
  heartbeat(): Promise<void>
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
}

export interface KafkaConsumer extends ConsumerEvents {
  connect(): Promise<void>
  /** Leaves the group (so its partitions move to other members at once) and closes connections. */
  disconnect(): Promise<void>
  subscribe(topics: readonly string[], options?: { fromBeginning?: boolean }): Promise<void>
  /** Resolves once the consumer is running; batches arrive in the background. */
  run(options: ConsumerRunOptions): Promise<void>
  stop(): Promise<void>
  /** Moves the read position; `offset` is the next offset to read. */
  seek(topic: string, partition: number, offset: string): void
}

export interface ConsumerOptions {
  readonly groupId: string
  /** false = read_committed: records of aborted or open transactions are never delivered. */
  readonly readUncommitted?: boolean
  readonly sessionTimeoutMs?: number
  readonly maxBytesPerPartition?: number
  readonly maxWaitTimeMs?: number
}

export interface TopicSpec {
  readonly topic: string
  readonly partitions: number
  /** Topic-level settings, e.g. `{ 'max.message.bytes': '4194304' }`. */
  readonly configs?: Readonly<Record<string, string>>
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
  /**
   * Creates the topics that do not exist yet and resolves once the broker serves them (under KRaft
   * that can be a moment after the controller created them). Existing topics are left as they are,
   * with no wait. A topic Kafka refuses (its name, its partition count) fails at once with
   * ERR_CONFIG_INVALID.
   */
  createTopics(topics: readonly TopicSpec[]): Promise<void>
  deleteTopics(topics: readonly string[]): Promise<void>
  partitionCount(topic: string): Promise<number>
  /** A topic's effective settings (topic-level or inherited from the broker), by name. */
  describeTopicConfig(topic: string): Promise<ReadonlyMap<string, string>>
  topicOffsets(topic: string): Promise<TopicOffsetsInfo[]>
  /** Committed offsets of a group (`-1` where nothing was committed). */
  groupOffsets(groupId: string, topic: string): Promise<Array<{ partition: number; offset: string }>>
}

export interface KafkaClient {
  producer(options?: { idempotent?: boolean }): KafkaProducer
  transactionalProducer(options: { transactionalId: string }): KafkaTransactionalProducer
  consumer(options: ConsumerOptions): KafkaConsumer
  admin(): KafkaAdmin
}
