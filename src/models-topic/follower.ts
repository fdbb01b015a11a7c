/**
 * The follower: every process that serves models reads the models topic from the beginning, with a
 * consumer group of its own (each process reads everything), read_committed, so a version published
 * in a transaction shows whole or not at all.
 *
 * Start-up reads up to the end the topic had when it began (its high watermark), then installs, for
 * each model the registry serves, the version the latest pointer names; only that one, not each
 * pointer read on the way. From then on, each new pointer is installed as it arrives; one whose
 * snapshot is missing or fails its checks is logged and counted, and the version serving stays.
 * Commands read during start-up are history (compaction keeps the last one forever): only those that
 * arrive afterwards reach `onCommand`.
 */
import { randomUUID } from 'node:crypto'
import { modelFromBytes } from '../engine/model-file.js'
import type { ModelRegistry } from '../engine/model-registry.js'
import type { TextClassifier } from '../engine/text-classifier.js'
import { TopicstreamError, toTopicstreamError } from '../errors.js'
import type { IncomingBatch, KafkaClient, KafkaConsumer } from '../kafka/client.js'
import type { Logger } from '../runtime/logger.js'
import { DEFAULT_KEEP_VERSIONS, assembleSnapshot, decodeModelsRecord } from './records.js'
import type { CurrentPointer, Manifest, ModelStatus, ModelsRecord, PromoteCommand } from './records.js'
import { emptyLog, record, retain } from './state.js'
import type { ModelLog } from './state.js'
import { createModelsTopic } from './topic.js'

/** What became of a pointer for this process. */
export type CurrentOutcome =
  /** The version was swapped in. */
  | 'installed'
  /** The version was serving already. */
  | 'serving'
  /** Its snapshot is missing or broken: the version serving before stays. */
  | 'failed'
  /** This process does not serve that model. */
  | 'not-served'

export interface CurrentEvent {
  readonly name: string
  readonly pointer: CurrentPointer
  readonly outcome: CurrentOutcome
  /** Why it failed (ERR_MODEL_SNAPSHOT_INVALID, ERR_MODEL_FILE_INVALID, ...). */
  readonly error?: TopicstreamError
}

export interface ModelsFollowerOptions {
  readonly client: KafkaClient
  readonly topic: string
  /** The models to keep on the current version; without it, the follower only reads. */
  readonly registry?: ModelRegistry
  readonly logger: Logger
  /** Versions whose bytes are kept for a rollback, the current one included (default 3). */
  readonly keepVersions?: number
  /**
   * How long start-up waits with nothing to read before taking what remains below the high
   * watermark for transaction markers, which are never delivered (default 2000 ms).
   */
  readonly settleMs?: number
  /** Each pointer read after start-up, once applied. */
  readonly onCurrent?: (event: CurrentEvent) => void
  /** Each command written after start-up. */
  readonly onCommand?: (name: string, command: PromoteCommand) => void | Promise<void>
}

export interface FollowerCounters {
  /** Records read. */
  readonly records: number
  /** Records refused as malformed. */
  readonly skipped: number
  readonly installed: number
  /** Pointers whose version could not be installed. */
  readonly failed: number
}

export interface ModelsFollower {
  /** Resolves once caught up and the current versions are installed. */
  start(): Promise<void>
  stop(): Promise<void>
  /** The latest pointer of a model. */
  current(name: string): CurrentPointer | undefined
  manifest(name: string, version: string): Manifest | undefined
  /** The latest status of a model. */
  status(name: string): ModelStatus | undefined
  /** The recent statuses of a model, oldest first (at most STATUS_HISTORY). */
  statusHistory(name: string): readonly ModelStatus[]
  counters(): FollowerCounters
}

/** Large enough to move several chunks per fetch. */
const FETCH_BYTES = 4 * 1024 * 1024
const DEFAULT_SETTLE_MS = 2000

export function createModelsFollower(options: ModelsFollowerOptions): ModelsFollower {
  const { client, topic, registry, logger } = options
  const keepVersions = options.keepVersions ?? DEFAULT_KEEP_VERSIONS
  const served = new Set(registry?.list().map((entry) => entry.name) ?? [])
  const logs = new Map<string, ModelLog>()
  const counts = { records: 0, skipped: 0, installed: 0, failed: 0 }
  /** Next offset to read per partition, and where start-up ends. */
  const positions = new Map<number, bigint>()
  const targets = new Map<number, bigint>()
  let consumer: KafkaConsumer | undefined
  let live = false
  let stopped = false
  let settleTimer: NodeJS.Timeout | undefined
  /** Batches and the end of start-up run one after the other. */
  let work: Promise<void> = Promise.resolve()
  let caughtUp: { resolve(): void; reject(error: unknown): void } | undefined

  const logOf = (name: string): ModelLog => {
    let log = logs.get(name)
    if (log === undefined) {
      log = emptyLog()
      logs.set(name, log)
    }
    return log
  }

  const serialize = (task: () => void): Promise<void> => {
    const next = work.then(task).catch((error: unknown) => {
      logger.error({ err: error, topic }, 'Models topic: unexpected failure while reading')
    })
    work = next
    return next
  }

  /** Installs the version the latest pointer of `name` names, unless it serves already. */
  const install = (name: string): CurrentEvent | undefined => {
    const log = logs.get(name)
    const pointer = log?.pointer
    if (log === undefined || pointer === undefined) return undefined
    if (registry === undefined || !served.has(name)) return { name, pointer, outcome: 'not-served' }
    const { version } = pointer
    const before = registry.list().find((entry) => entry.name === name)
    if (before?.ref?.version === version) {
      log.held.delete(version)
      return { name, pointer, outcome: 'serving' }
    }
    let model: TextClassifier
    try {
      model = load(log, name, version)
    } catch (error) {
      const failure = toTopicstreamError(error, 'ERR_MODEL_SNAPSHOT_INVALID')
      counts.failed++
      logger.error(
        { err: failure, code: failure.code, topic, model: name, version, serving: before?.ref?.version },
        `Models topic: cannot install ${name}@${version}; the version serving stays`,
      )
      return { name, pointer, outcome: 'failed', error: failure }
    }
    registry.install(name, model)
    counts.installed++
    log.held.delete(version)
    if (before?.model !== undefined && before.ref !== undefined) {
      retain(log, before.ref.version, before.model, keepVersions)
    }
    logger.info(
      { topic, model: name, version, action: pointer.action, previous: before?.ref?.version },
      `Models topic: serving ${name}@${version} (${pointer.action})`,
    )
    return { name, pointer, outcome: 'installed' }
  }

  const load = (log: ModelLog, name: string, version: string): TextClassifier => {
    const held = log.held.get(version)
    if (held?.model !== undefined) return held.model
    const manifest = log.manifests.get(version)
    if (manifest === undefined) {
      throw new TopicstreamError(
        'ERR_MODEL_SNAPSHOT_INVALID',
        `Models topic: ${name}@${version} has no manifest (its snapshot was never written, or was tombstoned)`,
        { details: { model: name, version } },
      )
    }
    const bytes = assembleSnapshot(manifest, (index) => held?.chunks.get(index))
    const model = modelFromBytes(bytes, `${name}@${version} from the models topic`)
    if (model.metadata.version !== version) {
      throw new TopicstreamError(
        'ERR_MODEL_SNAPSHOT_INVALID',
        `Models topic: the snapshot of ${name}@${version} holds version ${model.metadata.version}`,
        { details: { model: name, version } },
      )
    }
    return model
  }

  const notify = (callback: () => void | Promise<void>, what: string): void => {
    try {
      void Promise.resolve(callback()).catch((error: unknown) =>
        logger.error({ err: error, topic }, `Models topic: the ${what} listener failed`),
      )
    } catch (error) {
      logger.error({ err: error, topic }, `Models topic: the ${what} listener failed`)
    }
  }

  const handle = (decoded: ModelsRecord): void => {
    const log = logOf(decoded.name)
    record(log, decoded, registry !== undefined && served.has(decoded.name), keepVersions)
    if (!live) return
    if (decoded.kind === 'current' && decoded.pointer !== null) {
      const event = install(decoded.name)
      if (event !== undefined && options.onCurrent) notify(() => options.onCurrent?.(event), 'current')
    } else if (decoded.kind === 'command' && decoded.command !== null) {
      const command = decoded.command
      if (options.onCommand) notify(() => options.onCommand?.(decoded.name, command), 'command')
    }
  }

  const finishCatchUp = (reason: 'end' | 'settled'): void => {
    if (live || stopped) return
    clearTimeout(settleTimer)
    if (reason === 'settled') {
      logger.debug(
        { topic, positions: Object.fromEntries(positions), targets: Object.fromEntries(targets) },
        'Models topic: nothing more to read; the rest is transaction markers',
      )
    }
    for (const name of served) install(name)
    live = true
    caughtUp?.resolve()
  }

  const reachedTargets = (): boolean => {
    for (const [partition, high] of targets) {
      if ((positions.get(partition) ?? 0n) < high) return false
    }
    return true
  }

  const armSettle = (): void => {
    if (live) return
    clearTimeout(settleTimer)
    settleTimer = setTimeout(
      () => void serialize(() => finishCatchUp('settled')),
      options.settleMs ?? DEFAULT_SETTLE_MS,
    )
    settleTimer.unref()
  }

  const eachBatch = async (batch: IncomingBatch, controls: { resolveOffset(offset: string): void }) => {
    await serialize(() => {
      const from = positions.get(batch.partition) ?? 0n
      for (const incoming of batch.records) {
        // The group commits nothing, so a consumer that rejoins reads from the beginning again:
        // what was read once (a command above all) is not acted on twice.
        if (BigInt(incoming.offset) < from) continue
        counts.records++
        let decoded: ModelsRecord
        try {
          decoded = decodeModelsRecord(incoming)
        } catch (error) {
          counts.skipped++
          const failure = toTopicstreamError(error, 'ERR_MODEL_SNAPSHOT_INVALID')
          logger.warn(
            { code: failure.code, topic, partition: batch.partition, offset: incoming.offset, err: failure },
            'Models topic: skipping a malformed record',
          )
          continue
        }
        handle(decoded)
      }
      const last = batch.records[batch.records.length - 1]
      if (last === undefined) return
      controls.resolveOffset(last.offset)
      if (BigInt(last.offset) >= from) positions.set(batch.partition, BigInt(last.offset) + 1n)
      if (live) return
      if (reachedTargets()) finishCatchUp('end')
      else armSettle()
    })
  }

  return {
    async start() {
      if (consumer !== undefined)
        throw new TopicstreamError('ERR_INTERNAL', 'The models follower is already started')
      const admin = client.admin()
      await admin.connect()
      try {
        await createModelsTopic(admin, topic)
        for (const { partition, high, low } of await admin.topicOffsets(topic)) {
          if (BigInt(high) > BigInt(low)) targets.set(partition, BigInt(high))
        }
      } finally {
        await admin.disconnect().catch(() => undefined)
      }
      if (stopped) throw stoppedEarly()
      const done = new Promise<void>((resolve, reject) => (caughtUp = { resolve, reject }))
      done.catch(() => undefined)
      const reader = client.consumer({
        groupId: `topicstream-models-${randomUUID()}`,
        readUncommitted: false,
        maxBytesPerPartition: FETCH_BYTES,
      })
      consumer = reader
      reader.onCrash((error, restart) => {
        logger[restart ? 'warn' : 'error'](
          { err: error, code: error.code, topic, restart },
          'Models topic: the consumer failed',
        )
        if (!restart && !live) caughtUp?.reject(error)
      })
      reader.onGroupJoin(() => armSettle())
      await reader.connect()
      await reader.subscribe([topic], { fromBeginning: true })
      await reader.run({ autoCommit: false, eachBatch })
      if (targets.size === 0) await serialize(() => finishCatchUp('end'))
      await done
    },
    async stop() {
      stopped = true
      clearTimeout(settleTimer)
      caughtUp?.reject(stoppedEarly())
      const reader = consumer
      if (reader !== undefined) {
        await reader
          .disconnect()
          .catch((error: unknown) =>
            logger.warn({ err: error, topic }, 'Models topic: the consumer did not disconnect cleanly'),
          )
      }
      await work
    },
    current: (name) => logs.get(name)?.pointer,
    manifest: (name, version) => logs.get(name)?.manifests.get(version),
    status: (name) => logs.get(name)?.status,
    statusHistory: (name) => [...(logs.get(name)?.statuses ?? [])],
    counters: () => ({ ...counts }),
  }
}

function stoppedEarly(): TopicstreamError {
  return new TopicstreamError('ERR_KAFKA_UNAVAILABLE', 'The models follower stopped before catching up', {
    canRetry: true,
  })
}

/** The follower as a part of a process: started before the servers, so they start on the current versions. */
