/**
 * The KafkaClient surface implemented with @platformatic/kafka. Selected with
 * `createKafkaClient({ library: 'platformatic' })`; every library error is translated into a
 * TopicstreamError here, where it enters.
 *
 * The consumer does not use the library's message stream: it runs its own fetch loop over the
 * library's group membership (join, heartbeats, rejoin on rebalance) and `fetch()`, so that it can keep
 * kafkajs's `eachBatch` contract: one batch per topic-partition in offset order, the read position moving
 * only to what was resolved (unresolved records are fetched again), `seek` and per-partition `pause`.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import {
  Admin,
  ConfigResourceTypes,
  Consumer,
  FetchIsolationLevels,
  ListOffsetTimestamps,
  Producer,
  compatibilityPartitioner,
} from '@platformatic/kafka'
import type { BaseOptions, ClusterMetadata, MessageToProduce, RetryDelayGetter } from '@platformatic/kafka'
import { TopicstreamError, isTopicstreamError } from '../errors.js'
import type { ErrorCode } from '../errors.js'
import { findApiId, translatePlatformaticError } from './platformatic-errors.js'
import { createMissingTopics } from './topics.js'
import type { TopicCreationAdmin } from './topics.js'
import type {
  BatchControls,
  ConsumerOptions,
  ConsumerRunOptions,
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
  PartitionOffsets,
  SendOptions,
  TopicSpec,
} from './types.js'
import type { TopicstreamError as TopicstreamErrorType } from '../errors.js'

/**
 * Neither the library nor the broker splits a send: all records for one partition become one record
 * batch, refused over `message.max.bytes` (1 MiB by default). Sends go out in slices, in order.
 */
const MAX_SEND_BYTES = 512 * 1024
const MAX_SEND_RECORDS = 5000
const RECORD_OVERHEAD_BYTES = 70

const LOG_RANK: Record<KafkaLogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 }

/** Idempotent and transactional sends keep retrying: giving up would leave a gap in the sequence. */
const FOREVER = Number.MAX_SAFE_INTEGER
const backoff: RetryDelayGetter = (_client, _operation, attempt) => Math.min(10_000, 300 * 2 ** (attempt - 1))

type Headers = Map<Buffer, Buffer>
type Transaction = Awaited<ReturnType<Producer['beginTransaction']>>
type FetchRequestTopic = Parameters<Consumer['fetch']>[0]['topics'][number]
type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>
type ProducerMessage = MessageToProduce<Buffer, Buffer, Buffer, Buffer>

interface Context {
  readonly options: KafkaClientOptions
  readonly base: BaseOptions
  readonly log: (level: Exclude<KafkaLogLevel, 'silent'>, fields: object, message: string) => void
  /** Consumers of this client by group, for transactions that commit a group's offsets. */
  readonly groups: Map<string, Consumer>
}

export function createPlatformaticClient(options: KafkaClientOptions): KafkaClient {
  const limit = LOG_RANK[options.logLevel ?? 'info']
  const logger: KafkaLogger | undefined = options.logger
  const context: Context = {
    options,
    base: {
      clientId: options.clientId ?? 'topicstream',
      bootstrapBrokers: [...options.brokers],
      connectTimeout: options.connectionTimeoutMs ?? 3000,
      timeout: 30_000,
      retries: options.retries ?? 8,
      retryDelay: backoff,
      autocreateTopics: false,
    },
    log: (level, fields, message) => {
      if (logger !== undefined && LOG_RANK[level] <= limit) logger[level](fields, message)
    },
    groups: new Map(),
  }
  return {
    producer: (producerOptions = {}) => wrapProducer(context, producerOptions.idempotent ?? true),
    transactionalProducer: ({ transactionalId }) => wrapTransactionalProducer(context, transactionalId),
    consumer: (consumerOptions) => wrapConsumer(context, consumerOptions),
    admin: () => wrapAdmin(context),
  }
}

async function guard<T>(fallback: ErrorCode, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    throw translatePlatformaticError(error, fallback)
  }
}

/** Library connection events → the logger (debug), so what the client does is visible. */
function forwardEvents(context: Context, client: Producer | Consumer | Admin, name: string): void {
  client.on('client:broker:connect', (payload) =>
    context.log('debug', { kafka: name, broker: payload.broker }, 'Connected to broker'),
  )
  client.on('client:broker:disconnect', (payload) =>
    context.log('debug', { kafka: name, broker: payload.broker }, 'Disconnected from broker'),
  )
  client.on('client:broker:failed', (payload) =>
    context.log('warn', { kafka: name, broker: payload.broker }, 'Connection to broker failed'),
  )
}

/** Reachability check: the cluster's metadata, with the client's bounded retries. */
async function reach(context: Context, client: Producer | Consumer | Admin): Promise<ClusterMetadata> {
  return client.metadata({ topics: [], retries: context.options.retries ?? 8 })
}

// ---------------------------------------------------------------------------------------------------
// Producing

function toBuffer(value: string | Buffer): Buffer {
  return typeof value === 'string' ? Buffer.from(value) : value
}

function sizeOf(value: string | Buffer | null | undefined): number {
  if (value === null || value === undefined) return 0
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length
}

function recordBytes(record: OutgoingRecord): number {
  let bytes = RECORD_OVERHEAD_BYTES + sizeOf(record.key) + sizeOf(record.value)
  for (const [name, value] of record.headers ?? []) bytes += 10 + Buffer.byteLength(name) + sizeOf(value)
  return bytes
}

/** Slices of at most `maxBytes` (estimated) and `maxRecords` records, in order. */
export function sliceForBroker(
  records: readonly OutgoingRecord[],
  maxBytes = MAX_SEND_BYTES,
  maxRecords = MAX_SEND_RECORDS,
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

function toMessages(topic: string, records: readonly OutgoingRecord[]): ProducerMessage[] {
  return records.map((record) => {
    const message: ProducerMessage = { topic }
    if (record.key !== undefined && record.key !== null) message.key = toBuffer(record.key)
    if (record.value !== null) message.value = toBuffer(record.value)
    if (record.headers && record.headers.length > 0) {
      // Distinct Buffer objects are distinct Map keys: repeated names survive, in order.
      const headers: Headers = new Map()
      for (const [name, value] of record.headers) headers.set(Buffer.from(name), toBuffer(value))
      message.headers = headers
    }
    if (record.partition !== undefined) message.partition = record.partition
    if (record.timestamp !== undefined) message.timestamp = BigInt(record.timestamp)
    return message
  })
}

/** Keyed records hash like the Java client and kafkajs; keyless records go round the partitions. */
function createPartitioner(): (message: ProducerMessage, key: Buffer | undefined) => number {
  let next = 0
  return (message, key) => (key === undefined ? next++ & 0x7fffffff : compatibilityPartitioner(message, key))
}

function createProducer(
  context: Context,
  extra: { idempotent: boolean; transactionalId?: string },
): Producer {
  const persistent = extra.idempotent || extra.transactionalId !== undefined
  const producer = new Producer({
    ...context.base,
    ...(persistent ? { retries: FOREVER } : {}),
    idempotent: extra.idempotent,
    acks: -1,
    partitioner: createPartitioner(),
    autocreateTopics: false,
    ...(extra.transactionalId === undefined ? {} : { transactionalId: extra.transactionalId }),
  })
  forwardEvents(context, producer, extra.transactionalId === undefined ? 'Producer' : 'TransactionalProducer')
  return producer
}

function senderOf(send: (messages: ProducerMessage[]) => Promise<unknown>): KafkaSender {
  return {
    send: (topic, records, options: SendOptions = {}) =>
      guard('ERR_KAFKA_PRODUCE_FAILED', async () => {
        const maxRecords = Math.min(MAX_SEND_RECORDS, options.maxRecordsPerRequest ?? MAX_SEND_RECORDS)
        let acknowledged = 0
        for (const slice of sliceForBroker(records, MAX_SEND_BYTES, maxRecords)) {
          await send(toMessages(topic, slice))
          acknowledged += slice.length
          options.onAcknowledged?.(acknowledged)
        }
      }),
  }
}

function wrapProducer(context: Context, idempotent: boolean): KafkaProducer {
  const producer = createProducer(context, { idempotent })
  return {
    connect: () =>
      guard('ERR_KAFKA_UNAVAILABLE', async () => {
        await reach(context, producer)
        context.log('debug', { kafka: 'Producer' }, 'Producer connected')
      }),
    disconnect: () => guard('ERR_KAFKA_UNAVAILABLE', () => producer.close()),
    ...senderOf((messages) => producer.send({ messages })),
  }
}

function wrapTransactionalProducer(context: Context, transactionalId: string): KafkaTransactionalProducer {
  const producer = createProducer(context, { idempotent: true, transactionalId })
  return {
    connect: () => guard('ERR_KAFKA_UNAVAILABLE', async () => void (await reach(context, producer))),
    disconnect: () => guard('ERR_KAFKA_UNAVAILABLE', () => producer.close()),
    transaction: () =>
      guard('ERR_KAFKA_PRODUCE_FAILED', async () => {
        // A transaction left open by a failure is dropped locally; the broker aborts or fences it.
        if (producer.transaction && !producer.transaction.completed) await producer.transaction.cancel()
        const transaction = await producer.beginTransaction()
        // One request at a time inside a transaction: the partitions it adds must not race.
        let queue: Promise<unknown> = Promise.resolve()
        const serial = <T>(operation: () => Promise<T>): Promise<T> => {
          const next = queue.then(operation, operation)
          queue = next.catch(() => {})
          return next
        }
        return {
          ...senderOf((messages) => serial(() => transaction.send({ messages }))),
          sendOffsets: (groupId, offsets) =>
            guard('ERR_KAFKA_PRODUCE_FAILED', () =>
              serial(() => commitOffsetsInTransaction(context, transaction, groupId, offsets)),
            ),
          commit: () => guard('ERR_KAFKA_PRODUCE_FAILED', () => serial(() => transaction.commit())),
          abort: () =>
            guard('ERR_KAFKA_PRODUCE_FAILED', () =>
              serial(async () => {
                if (!transaction.completed) await transaction.abort()
              }),
            ),
        }
      }),
  }
}

/**
 * Adds a group's offsets to the transaction. With a consumer of that group in this client, the
 * commit carries its generation and member id, so a member that lost the partition is fenced
 * (KIP-447); otherwise it is a plain transactional commit for the group.
 */
async function commitOffsetsInTransaction(
  context: Context,
  transaction: Transaction,
  groupId: string,
  offsets: readonly PartitionOffsets[],
): Promise<void> {
  const member = context.groups.get(groupId)
  const consumer = member ?? ({ groupId } as Consumer)
  await transaction.addConsumer(consumer)
  let coordinatorId = member?.coordinatorId ?? null
  if (coordinatorId === null) coordinatorId = await findGroupCoordinator(context, groupId)
  const group = {
    groupId,
    generationId: member?.generationId ?? -1,
    memberId: member?.memberId ?? '',
    coordinatorId,
  }
  for (const { topic, partitions } of offsets) {
    for (const { partition, offset } of partitions) {
      // The library commits the message's offset + 1: hand it the last processed record.
      await transaction.addOffset({
        topic,
        partition,
        offset: BigInt(offset) - 1n,
        metadata: { consumer: group },
      } as unknown as Parameters<Transaction['addOffset']>[0])
    }
  }
}

async function findGroupCoordinator(context: Context, groupId: string): Promise<number> {
  const admin = new Admin({ ...context.base })
  try {
    const [found] = await admin.findCoordinator({ keyType: 0, keys: [groupId] })
    if (found === undefined) throw new TopicstreamError('ERR_KAFKA_UNAVAILABLE', 'No group coordinator found')
    return found.nodeId
  } finally {
    await admin.close().catch(() => {})
  }
}

// ---------------------------------------------------------------------------------------------------
// Consuming

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`

interface FetchedPartition {
  readonly topic: string
  readonly partition: number
  readonly generation: number
  readonly highWatermark: bigint
  readonly records: IncomingRecord[]
  /** Next offset after everything the response held (records, control markers, aborted data). */
  readonly end: bigint
}

function wrapConsumer(context: Context, options: ConsumerOptions): KafkaConsumer {
  const consumer = new Consumer({
    ...context.base,
    groupId: options.groupId,
    autocommit: false,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    rebalanceTimeout: Math.max(60_000, options.sessionTimeoutMs ?? 30_000),
    heartbeatInterval: 3000,
    maxWaitTime: options.maxWaitTimeMs ?? 500,
    maxBytes: 50 * 1024 * 1024,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
    isolationLevel: options.readUncommitted
      ? FetchIsolationLevels.READ_UNCOMMITTED
      : FetchIsolationLevels.READ_COMMITTED,
  })
  forwardEvents(context, consumer, 'Consumer')
  const crashListeners: Array<(error: TopicstreamErrorType, restart: boolean) => void> = []
  const joinListeners: Array<(assignment: Readonly<Record<string, readonly number[]>>) => void> = []

  let topics: string[] = []
  let fromBeginning = true
  /** Next offset to fetch, per partition; missing = read the committed offset first. */
  const positions = new Map<string, bigint>()
  /** Highest resolved offset + 1 not yet committed, per partition. */
  const toCommit = new Map<string, { topic: string; partition: number; offset: bigint }>()
  const paused = new Set<string>()
  /** Seeks asked for while the partition's batch was in flight; applied after it. */
  const seeks = new Map<string, bigint>()
  const inFlight = new Set<string>()
  let generation = 0
  let assignment: Array<{ topic: string; partitions: number[] }> = []
  let running = false
  let loop: Promise<void> | undefined
  let wake: (() => void) | undefined

  const crash = (error: unknown, restart: boolean): void => {
    const failure = translatePlatformaticError(error, 'ERR_KAFKA_UNAVAILABLE')
    context.log(restart ? 'warn' : 'error', { kafka: 'Consumer', err: failure }, 'Consumer failed')
    for (const listener of crashListeners) listener(failure, restart)
  }

  consumer.on('consumer:group:join', (payload) => {
    generation++
    // Positions of the previous generation are stale: another member may have moved them.
    positions.clear()
    seeks.clear()
    assignment = (payload.assignments ?? []).map(({ topic, partitions }) => ({
      topic,
      partitions: [...partitions],
    }))
    const record: Record<string, number[]> = {}
    for (const { topic, partitions } of assignment) record[topic] = [...partitions].sort((a, b) => a - b)
    for (const listener of joinListeners) listener(record)
    wake?.()
  })
  // A failed rejoin is reported here; the fetch loop joins again.
  consumer.on('error', (error: unknown) => crash(error, true))

  const commitResolved = async (): Promise<void> => {
    if (toCommit.size === 0) return
    const offsets = [...toCommit.values()]
    toCommit.clear()
    await consumer.commit({ offsets: offsets.map((entry) => ({ ...entry, leaderEpoch: -1 })) })
  }

  /** Reads committed offsets (or the beginning/end) for the assigned partitions without a position. */
  const loadPositions = async (): Promise<void> => {
    const missing = assignment
      .map(({ topic, partitions }) => ({
        topic,
        partitions: partitions.filter((partition) => !positions.has(keyOf(topic, partition))),
      }))
      .filter(({ partitions }) => partitions.length > 0)
    if (missing.length === 0) return
    const joined = generation
    const committed = await consumer.listCommittedOffsets({ topics: missing })
    const unset: Record<string, number[]> = {}
    for (const { topic, partitions } of missing) {
      const offsets = committed.get(topic) ?? []
      for (const partition of partitions) {
        const offset = offsets[partition] ?? -1n
        if (offset >= 0n) {
          if (joined === generation) positions.set(keyOf(topic, partition), offset)
        } else (unset[topic] ??= []).push(partition)
      }
    }
    const unsetTopics = Object.keys(unset)
    if (unsetTopics.length === 0) return
    const listed = await consumer.listOffsets({
      topics: unsetTopics,
      partitions: unset,
      timestamp: fromBeginning ? ListOffsetTimestamps.EARLIEST : ListOffsetTimestamps.LATEST,
    })
    if (joined !== generation) return
    for (const [topic, partitions] of Object.entries(unset)) {
      const offsets = listed.get(topic) ?? []
      for (const partition of partitions) positions.set(keyOf(topic, partition), offsets[partition] ?? 0n)
    }
  }

  const fetchOnce = async (): Promise<FetchedPartition[]> => {
    const metadata = await consumer.metadata({ topics })
    const byNode = new Map<number, FetchRequestTopic[]>()
    const requested = new Map<string, bigint>()
    for (const { topic, partitions } of assignment) {
      const topicMetadata = metadata.topics.get(topic)
      if (topicMetadata === undefined) continue
      for (const partition of partitions) {
        const key = keyOf(topic, partition)
        const offset = positions.get(key)
        if (offset === undefined || paused.has(key)) continue
        const leader = topicMetadata.partitions[partition]?.leader
        if (leader === undefined || leader < 0) continue
        const requests = byNode.get(leader) ?? []
        byNode.set(leader, requests)
        requests.push({
          topicId: topicMetadata.id,
          partitions: [
            {
              partition,
              fetchOffset: offset,
              partitionMaxBytes: options.maxBytesPerPartition ?? 1_048_576,
              currentLeaderEpoch: -1,
              lastFetchedEpoch: -1,
            },
          ],
        })
        requested.set(key, offset)
      }
    }
    if (byNode.size === 0) {
      await new Promise<void>((resolve) => {
        wake = resolve
        setTimeout(resolve, options.maxWaitTimeMs ?? 500).unref()
      })
      wake = undefined
      return []
    }
    const fetchedIn = generation
    const topicNames = new Map([...metadata.topics].map(([name, { id }]) => [id, name]))
    const responses = await Promise.all(
      [...byNode].map(([node, requests]) => consumer.fetch({ node, topics: requests })),
    )
    return responses.flatMap((response) => toFetched(response, topicNames, requested, fetchedIn))
  }

  const processBatch = async (
    fetched: FetchedPartition,
    eachBatch: ConsumerRunOptions['eachBatch'],
    autoCommit: boolean,
  ): Promise<void> => {
    const { topic, partition } = fetched
    const key = keyOf(topic, partition)
    if (fetched.records.length === 0) {
      // Only control markers or aborted records: step over them.
      if (fetched.generation === generation && positions.has(key)) {
        positions.set(key, fetched.end)
        if (autoCommit) toCommit.set(key, { topic, partition, offset: fetched.end })
      }
      return
    }
    let resolved: bigint | undefined
    const controls: BatchControls = {
      resolveOffset: (offset) => {
        const value = BigInt(offset)
        if (resolved === undefined || value > resolved) resolved = value
      },
      heartbeat: async () => {},
      pause: () => {
        paused.add(key)
        return () => {
          paused.delete(key)
          wake?.()
        }
      },
    }
    const batch: IncomingBatch = {
      topic,
      partition,
      highWatermark: fetched.highWatermark.toString(),
      records: fetched.records,
    }
    inFlight.add(key)
    try {
      await eachBatch(batch, controls)
    } finally {
      inFlight.delete(key)
    }
    if (fetched.generation !== generation) return
    const seek = seeks.get(key)
    seeks.delete(key)
    if (resolved === undefined) {
      if (seek !== undefined) positions.set(key, seek)
      return
    }
    // Past the batch's trailing markers and aborted records when the whole batch was resolved.
    const last = fetched.records[fetched.records.length - 1]
    const next = last !== undefined && resolved >= BigInt(last.offset) ? fetched.end : resolved + 1n
    positions.set(key, seek ?? next)
    if (autoCommit) toCommit.set(key, { topic, partition, offset: next })
  }

  const runLoop = async ({ eachBatch, autoCommit, partitionsConsumedConcurrently }: ConsumerRunOptions) => {
    const concurrency = Math.max(1, partitionsConsumedConcurrently ?? 1)
    let failures = 0
    while (running) {
      try {
        if (!consumer.isActive()) await consumer.joinGroup({})
        await loadPositions()
        const fetched = await fetchOnce()
        if (!running) break
        const queue = [...fetched]
        await Promise.all(
          Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
            for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
              await processBatch(next, eachBatch, autoCommit)
            }
          }),
        )
        if (autoCommit) await commitResolved()
        failures = 0
      } catch (error) {
        if (!running) break
        failures++
        const failure = translatePlatformaticError(error, 'ERR_KAFKA_UNAVAILABLE')
        // A rebalance under way: the group is joined again on the next round.
        if (findApiId(error, REJOIN_IDS) !== undefined) {
          positions.clear()
          continue
        }
        crash(failure, failure.canRetry)
        if (!failure.canRetry) {
          running = false
          break
        }
        positions.clear()
        await sleep(Math.min(5000, 300 * failures))
      }
    }
    if (autoCommit) await commitResolved().catch(() => {})
  }

  const stop = async (): Promise<void> => {
    running = false
    wake?.()
    await loop
    loop = undefined
  }

  return {
    connect: () =>
      guard('ERR_KAFKA_UNAVAILABLE', async () => {
        await reach(context, consumer)
        context.groups.set(options.groupId, consumer)
      }),
    disconnect: () =>
      guard('ERR_KAFKA_UNAVAILABLE', async () => {
        await stop()
        if (context.groups.get(options.groupId) === consumer) context.groups.delete(options.groupId)
        // close() leaves the group, so the partitions move to the other members at once.
        await consumer.close()
      }),
    subscribe: (subscribed, subscribeOptions = {}) =>
      guard('ERR_KAFKA_UNAVAILABLE', async () => {
        topics = [...subscribed]
        fromBeginning = subscribeOptions.fromBeginning ?? true
        for (const topic of topics) consumer.topics.track(topic)
        await consumer.metadata({ topics })
      }),
    run: (runOptions) =>
      guard('ERR_KAFKA_UNAVAILABLE', async () => {
        if (running) throw new TopicstreamError('ERR_INTERNAL', 'The consumer is already running')
        await consumer.joinGroup({})
        running = true
        loop = runLoop(runOptions)
      }),
    stop: () => guard('ERR_KAFKA_UNAVAILABLE', stop),
    seek: (topic, partition, offset) => {
      const key = keyOf(topic, partition)
      if (inFlight.has(key)) seeks.set(key, BigInt(offset))
      else positions.set(key, BigInt(offset))
    },
    onCrash: (listener) => void crashListeners.push(listener),
    onGroupJoin: (listener) => void joinListeners.push(listener),
  }
}

const REJOIN_IDS = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID'])

const IS_CONTROL = 0b10_0000

function toFetched(
  response: FetchResponse,
  topicNames: ReadonlyMap<string, string>,
  requested: ReadonlyMap<string, bigint>,
  generation: number,
): FetchedPartition[] {
  const fetched: FetchedPartition[] = []
  for (const topicResponse of response.responses) {
    const topic = topicNames.get(topicResponse.topicId) ?? topicResponse.topicId
    for (const partitionResponse of topicResponse.partitions) {
      const partition = partitionResponse.partitionIndex
      const from = requested.get(keyOf(topic, partition))
      // A fetch session may return partitions that were not asked for: their data is stale.
      if (from === undefined || !partitionResponse.records || partitionResponse.records.length === 0) continue
      const records: IncomingRecord[] = []
      let end = from
      for (const batch of partitionResponse.records) {
        const batchEnd = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n
        if (batchEnd > end) end = batchEnd
        if (batch.attributes & IS_CONTROL) continue
        for (const record of batch.records) {
          const offset = batch.firstOffset + BigInt(record.offsetDelta)
          if (offset < from) continue
          records.push({
            key: record.key,
            value: record.value,
            headers: record.headers.map(
              ([name, value]) => [name?.toString() ?? '', value ?? Buffer.alloc(0)] as const,
            ),
            offset: offset.toString(),
            timestamp: (batch.firstTimestamp + record.timestampDelta).toString(),
          })
        }
      }
      if (end > from) {
        fetched.push({
          topic,
          partition,
          generation,
          highWatermark: partitionResponse.highWatermark,
          records,
          end,
        })
      }
    }
  }
  return fetched
}

// ---------------------------------------------------------------------------------------------------
// Admin

/** Kafka's rule for topic names; the library would refuse others before asking the broker. */
const LEGAL_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/

interface Refusal {
  topic: string
  type: string
  message: string
}

/** The admin as topics.ts's creation logic expects it (kafkajs's shape). */
function creationAdmin(admin: Admin): TopicCreationAdmin {
  return {
    listTopics: () => admin.listTopics(),
    async createTopics({ topics }) {
      const refusals: Refusal[] = []
      const valid = topics.filter(({ topic, numPartitions }) => {
        if (!LEGAL_TOPIC.test(topic) || topic === '.' || topic === '..') {
          refusals.push({ topic, type: 'INVALID_TOPIC_EXCEPTION', message: 'The topic name is not valid' })
        } else if (numPartitions < 1) {
          refusals.push({
            topic,
            type: 'INVALID_PARTITIONS',
            message: 'Number of partitions must be larger than 0',
          })
        } else return true
        return false
      })
      await Promise.all(
        valid.map(async ({ topic, numPartitions, replicationFactor, configEntries }) => {
          try {
            await admin.createTopics({
              topics: [topic],
              partitions: numPartitions,
              replicas: replicationFactor,
              ...(configEntries ? { configs: configEntries } : {}),
            })
          } catch (error) {
            if (findApiId(error, 'TOPIC_ALREADY_EXISTS')) return
            const type = findApiId(error, REFUSAL_IDS)
            if (type === undefined) throw translatePlatformaticError(error, 'ERR_KAFKA_UNAVAILABLE')
            refusals.push({ topic, type, message: (error as Error).message })
          }
        }),
      )
      if (refusals.length > 0) {
        throw Object.assign(new Error('Kafka refused to create topics'), {
          errors: refusals.map((refusal) => ({ ...refusal, retriable: false })),
        })
      }
      // The library does not wait for the new leaders: `false` makes the caller wait until served.
      return false
    },
    async fetchTopicMetadata({ topics }) {
      try {
        const metadata = await admin.metadata({ topics, forceUpdate: true })
        return {
          topics: topics.map((topic) => ({
            partitions: (metadata.topics.get(topic)?.partitions ?? []).filter(
              (entry) => entry && entry.leader >= 0,
            ),
          })),
        }
      } catch (error) {
        if (findApiId(error, 'UNKNOWN_TOPIC_OR_PARTITION') || findApiId(error, 'LEADER_NOT_AVAILABLE')) {
          return { topics: topics.map(() => ({ partitions: [] })) }
        }
        throw translatePlatformaticError(error, 'ERR_KAFKA_UNAVAILABLE')
      }
    },
  }
}

const REFUSAL_IDS = new Set([
  'INVALID_TOPIC_EXCEPTION',
  'INVALID_PARTITIONS',
  'INVALID_REPLICATION_FACTOR',
  'INVALID_CONFIG',
  'POLICY_VIOLATION',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
])

async function retrying<T>(operation: () => Promise<T>, attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation()
    } catch (error) {
      if (attempt >= attempts || !isTopicstreamError(error) || !error.canRetry) throw error
      await sleep(100 * attempt)
    }
  }
}

function wrapAdmin(context: Context): KafkaAdmin {
  const admin = new Admin({ ...context.base })
  forwardEvents(context, admin, 'Admin')
  const partitionsOf = async (topic: string): Promise<number> => {
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true })
    return metadata.topics.get(topic)?.partitionsCount ?? 0
  }
  return {
    connect: () => guard('ERR_KAFKA_UNAVAILABLE', async () => void (await reach(context, admin))),
    disconnect: () => guard('ERR_KAFKA_UNAVAILABLE', () => admin.close()),
    listTopics: () => guard('ERR_KAFKA_UNAVAILABLE', () => admin.listTopics()),
    createTopics: (topics: readonly TopicSpec[]) =>
      guard('ERR_KAFKA_UNAVAILABLE', () => createMissingTopics(creationAdmin(admin), topics)),
    deleteTopics: (topics) =>
      guard('ERR_KAFKA_UNAVAILABLE', async () => {
        if (topics.length > 0) await admin.deleteTopics({ topics: [...topics] })
      }),
    partitionCount: (topic) =>
      guard('ERR_KAFKA_UNAVAILABLE', async () => {
        try {
          return await partitionsOf(topic)
        } catch (error) {
          if (findApiId(error, 'UNKNOWN_TOPIC_OR_PARTITION')) return 0
          throw error
        }
      }),
    describeTopicConfig: (topic) =>
      guard('ERR_KAFKA_UNAVAILABLE', async () => {
        const [described] = await admin.describeConfigs({
          resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }],
          includeSynonyms: false,
        })
        const entries = described?.configs ?? []
        const map = new Map<string, string>()
        for (const { name, value } of entries) if (typeof value === 'string') map.set(name, value)
        return map
      }),
    topicOffsets: (topic) =>
      guard('ERR_KAFKA_UNAVAILABLE', async () => {
        const count = await partitionsOf(topic)
        const list = async (timestamp: bigint) => {
          const [listed] = await admin.listOffsets({
            topics: [
              {
                name: topic,
                partitions: Array.from({ length: count }, (_, i) => ({ partitionIndex: i, timestamp })),
              },
            ],
            isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED,
          })
          return new Map(
            (listed?.partitions ?? []).map(({ partitionIndex, offset }) => [partitionIndex, offset]),
          )
        }
        const [high, low] = await Promise.all([
          list(ListOffsetTimestamps.LATEST),
          list(ListOffsetTimestamps.EARLIEST),
        ])
        return Array.from({ length: count }, (_, partition) => ({
          partition,
          high: (high.get(partition) ?? 0n).toString(),
          low: (low.get(partition) ?? 0n).toString(),
        }))
      }),
    groupOffsets: (groupId, topic) =>
      retrying(() =>
        guard('ERR_KAFKA_UNAVAILABLE', async () => {
          const count = await partitionsOf(topic)
          const partitionIndexes = Array.from({ length: count }, (_, i) => i)
          const [group] = await admin.listConsumerGroupOffsets({
            groups: [{ groupId, topics: [{ name: topic, partitionIndexes }] }],
          })
          const committed = new Map(
            (group?.topics.find(({ name }) => name === topic)?.partitions ?? []).map(
              ({ partitionIndex, committedOffset }) => [partitionIndex, committedOffset],
            ),
          )
          return partitionIndexes.map((partition) => ({
            partition,
            offset: (committed.get(partition) ?? -1n).toString(),
          }))
        }),
      ),
  }
}
