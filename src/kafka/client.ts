/**
 * The one place that knows about kafkajs. Everything else in topicstream talks to Kafka through the
 * small typed surface below, so the client library stays a replaceable detail, and every kafkajs
 * error is translated into a TopicstreamError right here, where it enters.
 */
import { Kafka, Partitioners, logLevel as KafkaJsLevel } from 'kafkajs'
import type {
  Admin,
  Batch,
  ConfigResourceTypes,
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
import { isRetriableLogEntry, translateKafkaError } from './errors.js'
import { createPlatformaticClient } from './platformatic.js'
import { createMissingTopics } from './topics.js'
import type {
  ConsumerOptions,
  IncomingBatch,
  IncomingRecord,
  KafkaAdmin,
  KafkaClient,
  KafkaClientOptions,
  KafkaConsumer,
  KafkaLogger,
  KafkaLogLevel,
  KafkaProducer,
  KafkaSender,
  KafkaTransactionalProducer,
  OutgoingRecord,
  RecordHeader,
  RecordHeaders,
  SendOptions,
} from './types.js'

export type * from './types.js'
export { translateKafkaError } from './errors.js'

/**
 * Idempotent and transactional sends keep retrying (kafkajs's own default for them): giving up
 * would leave a gap in the sequence numbers, and a broker restart is waited out instead.
 */
const RETRY_FOREVER = { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 }

/**
 * kafkajs's `ConfigResourceTypes.TOPIC` (Kafka's resource type 2): the enum is not among the named
 * exports Node finds in kafkajs's CommonJS module, so only its type is imported.
 */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes

/** Nothing connects here: clients connect when their `connect()` is called. */
export function createKafkaClient(options: KafkaClientOptions): KafkaClient {
  if (options.brokers.length === 0) {
    throw new TopicstreamError('ERR_CONFIG_INVALID', 'At least one Kafka broker (host:port) is required')
  }
  if (options.library === 'platformatic') return createPlatformaticClient(options)
  const kafka = new Kafka({
    brokers: [...options.brokers],
    clientId: options.clientId ?? 'topicstream',
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: 30_000,
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
    transactionalProducer: ({ transactionalId }) =>
      wrapTransactionalProducer(
        kafka.producer({
          idempotent: true,
          transactionalId,
          retry: RETRY_FOREVER,
          transactionTimeout: 60_000,
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
  return kafka.consumer({
    groupId: options.groupId,
    readUncommitted: options.readUncommitted ?? false,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: 3000,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 500,
    allowAutoTopicCreation: false,
    // A crashed consumer restarts itself: it rejoins after a broker restart.
    retry: { restartOnFailure: async () => true },
  })
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
    ...(record.headers ? { headers: toKafkaJsHeaders(record.headers) } : {}),
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

/** About how many bytes `record` takes in a record batch (a little more, never less). */
export function recordBytes(record: OutgoingRecord): number {
  let bytes = RECORD_OVERHEAD_BYTES + sizeOf(record.key) + sizeOf(record.value)
  for (const [name, value] of record.headers ?? []) bytes += 10 + Buffer.byteLength(name) + sizeOf(value)
  return bytes
}

/**
 * Headers list → what kafkajs's producer takes: an object whose array values become repeated
 * headers. The object has no prototype and its entries are defined, not assigned, so that names
 * such as `__proto__` or `constructor` are written like any other.
 */
function toKafkaJsHeaders(headers: RecordHeaders): IHeaders {
  const object = Object.create(null) as Record<string, Array<string | Buffer>>
  for (const [name, value] of headers) {
    const values = Object.hasOwn(object, name) ? object[name] : undefined
    if (values) values.push(value)
    else Object.defineProperty(object, name, { value: [value], enumerable: true, writable: true })
  }
  return object as IHeaders
}

/**
 * kafkajs's decoded headers → the record's list. kafkajs folds the list into a plain object, one key
 * per name, a repeated name holding an array in order. It looks the name up with `obj[key]` first,
 * so a name that is an Object.prototype member (`constructor`, `toString`, `__proto__`…) comes out
 * as `[<the prototype's member>, <bytes>]`: only Buffers (or strings) are the record's own values,
 * anything else is dropped. What the object cannot keep is the interleaving of different names
 * (`a, b, a` comes back as `a, a, b`), and names that look like array indices (`"1"`) come first,
 * as Object.keys orders them; each name's own values keep their order.
 */
export function fromKafkaJsHeaders(headers: IHeaders | undefined): RecordHeader[] {
  const list: RecordHeader[] = []
  if (headers === undefined) return list
  for (const name of Object.keys(headers)) {
    const raw: unknown = Object.getOwnPropertyDescriptor(headers, name)?.value
    for (const value of Array.isArray(raw) ? (raw as unknown[]) : [raw]) {
      if (Buffer.isBuffer(value)) list.push([name, value])
      else if (typeof value === 'string') list.push([name, Buffer.from(value)])
    }
  }
  return list
}

function sizeOf(value: string | Buffer | null | undefined): number {
  if (value === null || value === undefined) return 0
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length
}

export function sliceBySize(
  records: readonly OutgoingRecord[],
  maxBytes = MAX_SEND_BYTES,
  maxRecords = Number.POSITIVE_INFINITY,
): OutgoingRecord[][] {
  const slices: OutgoingRecord[][] = []
  let current: OutgoingRecord[] = []
  let bytes = 0
  for (const record of records) {
    const size = recordBytes(record)
    if (current.length > 0 && (bytes + size > maxBytes || current.length >= maxRecords)) {
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
    send: (topic, records, options: SendOptions = {}) =>
      guard('ERR_KAFKA_PRODUCE_FAILED', async () => {
        let acknowledged = 0
        for (const slice of sliceBySize(records, MAX_SEND_BYTES, options.maxRecordsPerRequest)) {
          await sender.send({ topic, messages: toMessages(slice), acks: -1 })
          acknowledged += slice.length
          options.onAcknowledged?.(acknowledged)
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
  return {
    key: message.key,
    value: message.value,
    headers: fromKafkaJsHeaders(message.headers),
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
              heartbeat: payload.heartbeat,
              pause: payload.pause,
            })
          },
        }),
      ),
    stop: () => guard('ERR_KAFKA_UNAVAILABLE', () => consumer.stop()),
    seek: (topic, partition, offset) => consumer.seek({ topic, partition, offset }),
    onCrash: (listener) => {
      consumer.on(events.CRASH, (event) =>
        listener(translateKafkaError(event.payload.error, 'ERR_KAFKA_UNAVAILABLE'), event.payload.restart),
      )
    },
    onGroupJoin: (listener) => {
      consumer.on(events.GROUP_JOIN, (event) => listener(event.payload.memberAssignment))
    },
  }
}

function wrapAdmin(admin: Admin): KafkaAdmin {
  return {
    connect: () => guard('ERR_KAFKA_UNAVAILABLE', () => admin.connect()),
    disconnect: () => guard('ERR_KAFKA_UNAVAILABLE', () => admin.disconnect()),
    listTopics: () => guard('ERR_KAFKA_UNAVAILABLE', () => admin.listTopics()),
    createTopics: (topics) => guard('ERR_KAFKA_UNAVAILABLE', () => createMissingTopics(admin, topics)),
    deleteTopics: (topics) =>
      guard('ERR_KAFKA_UNAVAILABLE', () => admin.deleteTopics({ topics: [...topics] })),
    partitionCount: (topic) =>
      guard('ERR_KAFKA_UNAVAILABLE', async () => {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
        return topics[0]?.partitions.length ?? 0
      }),
    describeTopicConfig: (topic) =>
      guard('ERR_KAFKA_UNAVAILABLE', async () => {
        const { resources } = await admin.describeConfigs({
          resources: [{ type: TOPIC_RESOURCE, name: topic }],
          includeSynonyms: false,
        })
        const entries = resources[0]?.configEntries ?? []
        return new Map(entries.map(({ configName, configValue }) => [configName, configValue]))
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

/** kafkajs log entries → the logger's levels. Exported for tests. */
export function forwardLogs(logger: KafkaLogger | undefined): (entry: LogEntry) => void {
  if (logger === undefined) return () => {}
  return ({ namespace, level, log }) => {
    const { message, timestamp: _timestamp, ...extra } = log
    const fields = { kafka: namespace, ...extra }
    // Retriable conditions (a coordinator loading, a leader being elected, a topic not yet known
    // everywhere, a crash kafkajs restarts from) are routine right after a broker or topic starts:
    // debug, without the stack. The layer above reports it if it does not clear.
    if (level <= KafkaJsLevel.WARN && isRetriableLogEntry(message, extra)) {
      const { stack: _stack, ...short } = extra as Record<string, unknown>
      logger.debug({ kafka: namespace, ...short }, message)
      return
    }
    // Any other failed response is logged by the connection and then retried or thrown by the layer
    // above (and translated there), so on its own it is a warning. So is a failure kafkajs says it
    // will retry (`retryCount`): if the retries run out, the caller gets the error and reports it.
    const retrying = extra.retryCount !== undefined
    if (level === KafkaJsLevel.ERROR && namespace !== 'Connection' && !retrying) logger.error(fields, message)
    else if (level <= KafkaJsLevel.WARN) logger.warn(fields, message)
    else if (level === KafkaJsLevel.INFO) logger.info(fields, message)
    else logger.debug(fields, message)
  }
}
