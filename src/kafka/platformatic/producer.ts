/** The @platformatic/kafka producers: plain (idempotent by default) and transactional. */
import { Admin, Producer, compatibilityPartitioner } from '@platformatic/kafka'
import type { Consumer, MessageToProduce } from '@platformatic/kafka'
import { TopicstreamError } from '../../errors.js'
import { sendInSlices } from '../send-slices.js'
import type {
  KafkaProducer,
  KafkaSender,
  KafkaTransactionalProducer,
  OutgoingRecord,
  PartitionOffsets,
  SendOptions,
} from '../types.js'
import { forwardEvents, reach } from './context.js'
import type { Context } from './context.js'
import { guard } from './errors.js'

/** At most this many records per request (the size limit is send-slices.ts's). */
const MAX_SEND_RECORDS = 5000

/** Idempotent and transactional sends keep retrying: giving up would leave a gap in the sequence. */
const FOREVER = Number.MAX_SAFE_INTEGER

/**
 * What InitProducerId says when the producer knows no earlier id and epoch. Without these the library
 * sends id 0 and epoch 0, which a broker that already knows the transactional id (a process that
 * restarted after a crash) answers with PRODUCER_FENCED instead of fencing the old epoch and
 * aborting its open transaction.
 */
const NO_PRODUCER = { producerId: -1n, producerEpoch: -1 }

type Headers = Map<Buffer, Buffer>
type Transaction = Awaited<ReturnType<Producer['beginTransaction']>>
type ProducerMessage = MessageToProduce<Buffer, Buffer, Buffer, Buffer>

function toBuffer(value: string | Buffer): Buffer {
  return typeof value === 'string' ? Buffer.from(value) : value
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
    ...(persistent ? NO_PRODUCER : {}),
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
      guard('ERR_KAFKA_PRODUCE_FAILED', () =>
        sendInSlices(
          records,
          options,
          Math.min(MAX_SEND_RECORDS, options.maxRecordsPerRequest ?? MAX_SEND_RECORDS),
          (slice) => send(toMessages(topic, slice)),
        ),
      ),
  }
}

export function wrapProducer(context: Context, idempotent: boolean): KafkaProducer {
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

export function wrapTransactionalProducer(
  context: Context,
  transactionalId: string,
): KafkaTransactionalProducer {
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
