/**
 * The @platformatic/kafka consumer. It does not use the library's message stream: it runs its own
 * fetch loop over the library's group membership (join, heartbeats, rejoin on rebalance) and
 * `fetch()`, so that it can keep kafkajs's `eachBatch` contract: one batch per topic-partition in
 * offset order, the read position moving only to what was resolved (unresolved records are fetched
 * again), `seek` and per-partition `pause`.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { Consumer, FetchIsolationLevels, ListOffsetTimestamps } from '@platformatic/kafka'
import { TopicstreamError } from '../../errors.js'
import type { TopicstreamError as TopicstreamErrorType } from '../../errors.js'
import type {
  BatchControls,
  ConsumerOptions,
  ConsumerRunOptions,
  IncomingBatch,
  KafkaConsumer,
} from '../types.js'
import { forwardEvents, reach } from './context.js'
import type { Context } from './context.js'
import { findApiId, guard, translatePlatformaticError } from './errors.js'
import { keyOf, toFetched } from './fetch.js'
import type { FetchedPartition } from './fetch.js'

type FetchRequestTopic = Parameters<Consumer['fetch']>[0]['topics'][number]

const REJOIN_IDS = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID'])

/**
 * How long a rejoin waits for the batches in flight before it joins anyway (their partitions may
 * then be processed again by the next owner). Well inside the rebalance timeout.
 */
const DRAIN_BEFORE_JOIN_MS = 20_000

export function wrapConsumer(context: Context, options: ConsumerOptions): KafkaConsumer {
  /** Set once `run` starts; the library calls it before every JoinGroup it sends. */
  let beforeJoin: () => Promise<void> = async () => {}
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
    // Called before every JoinGroup, also the ones the library sends by itself when a heartbeat
    // learns of a rebalance: the hook that lets the partitions be given up like kafkajs does, with
    // the batches in flight finished and their offsets committed under the current generation.
    protocolsMetadata: async () => {
      await beforeJoin()
      return Buffer.alloc(0)
    },
  })
  forwardEvents(context, consumer, 'Consumer')
  const crashListeners: Array<(error: TopicstreamErrorType, restart: boolean) => void> = []
  const joinListeners: Array<(assignment: Readonly<Record<string, readonly number[]>>) => void> = []

  let topics: string[] = []
  /** Per subscribed topic: does a partition with no committed offset start at the beginning? */
  const fromBeginning = new Map<string, boolean>()
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
  /** The batches of the current fetch round, while they are processed. */
  let round: Promise<unknown> | undefined
  /** A JoinGroup is about to be sent or is waiting for its answer: no new batch starts meanwhile. */
  let rejoining = false
  let draining = false

  const crash = (error: unknown, restart: boolean): void => {
    const failure = translatePlatformaticError(error, 'ERR_KAFKA_UNAVAILABLE')
    context.log(restart ? 'warn' : 'error', { kafka: 'Consumer', err: failure }, 'Consumer failed')
    for (const listener of crashListeners) listener(failure, restart)
  }

  consumer.on('consumer:group:join', (payload) => {
    rejoining = false
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
    // Offsets of partitions given up are the new owner's business now: a late commit would move them back.
    for (const [key, { topic, partition }] of toCommit) {
      if (!record[topic]?.includes(partition)) toCommit.delete(key)
    }
    for (const listener of joinListeners) listener(record)
    wake?.()
  })
  // A failed rejoin is reported here; the fetch loop joins again.
  consumer.on('error', (error: unknown) => {
    rejoining = false
    crash(error, true)
  })

  /**
   * Before a JoinGroup: no new batch starts, the batches in flight finish (bounded) and, with
   * autoCommit, what they resolved is committed while this member's generation is still valid, so
   * the next owner of a partition starts where this one stopped.
   */
  const drainBeforeJoin = async (autoCommit: boolean): Promise<void> => {
    rejoining = true
    wake?.()
    // A commit below may itself rejoin (the library does so on a generation error): no second drain.
    if (draining) return
    draining = true
    try {
      if (round !== undefined) {
        let timer: NodeJS.Timeout | undefined
        const drained = await Promise.race([
          round.then(
            () => true,
            () => true,
          ),
          new Promise<false>((resolve) => {
            timer = setTimeout(() => resolve(false), DRAIN_BEFORE_JOIN_MS)
            timer.unref()
          }),
        ])
        clearTimeout(timer)
        if (!drained) {
          context.log('warn', { kafka: 'Consumer' }, 'Rejoining the group with batches still in flight')
        }
      }
      if (autoCommit) {
        await commitResolved().catch((error: unknown) =>
          context.log(
            'warn',
            { kafka: 'Consumer', err: translatePlatformaticError(error, 'ERR_KAFKA_UNAVAILABLE') },
            'Committing offsets before rejoining the group failed',
          ),
        )
      }
    } finally {
      draining = false
    }
  }

  const joinGroup = async (): Promise<void> => {
    try {
      await consumer.joinGroup({})
    } finally {
      rejoining = false
    }
  }

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
    // Topics subscribed from the beginning and those from the end are listed apart.
    for (const earliest of [true, false]) {
      const chosen = Object.keys(unset).filter((topic) => (fromBeginning.get(topic) ?? true) === earliest)
      if (chosen.length === 0) continue
      const listed = await consumer.listOffsets({
        topics: chosen,
        partitions: Object.fromEntries(chosen.map((topic) => [topic, unset[topic] ?? []])),
        timestamp: earliest ? ListOffsetTimestamps.EARLIEST : ListOffsetTimestamps.LATEST,
      })
      if (joined !== generation) return
      for (const topic of chosen) {
        const offsets = listed.get(topic) ?? []
        for (const partition of unset[topic] ?? []) {
          positions.set(keyOf(topic, partition), offsets[partition] ?? 0n)
        }
      }
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
    // Fetched before the group was joined again: the partition may be someone else's by now.
    if (fetched.generation !== generation) return
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
        if (rejoining) {
          // The library is joining the group again (a heartbeat learned of a rebalance).
          await sleep(50)
          continue
        }
        if (!consumer.isActive()) await joinGroup()
        await loadPositions()
        const queue = [...(await fetchOnce())]
        if (!running) break
        const processing = Promise.all(
          Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
            // A rebalance under way: batches not started yet are left for whoever owns them next.
            for (let next = queue.shift(); next !== undefined && !rejoining; next = queue.shift()) {
              await processBatch(next, eachBatch, autoCommit)
            }
          }),
        )
        round = processing
        try {
          await processing
        } finally {
          round = undefined
        }
        if (autoCommit && !rejoining) await commitResolved()
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
        // Each call adds its topics, with its own starting point, as kafkajs's subscribe does.
        for (const topic of subscribed) fromBeginning.set(topic, subscribeOptions.fromBeginning ?? true)
        topics = [...fromBeginning.keys()]
        for (const topic of topics) consumer.topics.track(topic)
        await consumer.metadata({ topics })
      }),
    run: (runOptions) =>
      guard('ERR_KAFKA_UNAVAILABLE', async () => {
        if (running) throw new TopicstreamError('ERR_INTERNAL', 'The consumer is already running')
        beforeJoin = () => drainBeforeJoin(runOptions.autoCommit)
        await joinGroup()
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
