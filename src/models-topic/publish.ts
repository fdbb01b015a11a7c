/**
 * Writing to the models topic. Each function writes its records with one `send`, so a caller may
 * pass a KafkaTransaction (the records then appear together or not at all to read_committed
 * readers) or a plain idempotent producer (in order, on the topic's one partition).
 */
import { randomUUID } from 'node:crypto'
import { encodeModel } from '../engine/model-file.js'
import type { SaveModelExtra } from '../engine/model-file.js'
import type { TextClassifier } from '../engine/text-classifier.js'
import type { KafkaSender } from '../kafka/client.js'
import {
  DEFAULT_KEEP_VERSIONS,
  commandRecord,
  droppedVersions,
  makePointer,
  pointerRecord,
  snapshotRecords,
  statusRecord,
  tombstoneRecords,
} from './records.js'
import type { CurrentPointer, Manifest, PointerAction, PromoteCommand, SnapshotSource } from './records.js'

export interface PublishModelOptions {
  readonly topic: string
  /** The name the model is served under. */
  readonly name: string
  readonly model: TextClassifier
  /** Written into the model file, as `saveModel` writes it. */
  readonly extra?: SaveModelExtra
  readonly source: SnapshotSource
  /** The pointer's action: `publish` (default), or `promote` for a candidate the learner promotes. */
  readonly action?: Exclude<PointerAction, 'rollback'>
  /** The version this one follows, recorded in the manifest. */
  readonly previous?: string
  /** The versions pointed at before, newest first: `nextHistory(current pointer)`. */
  readonly history: readonly string[]
  readonly evaluation?: Readonly<Record<string, unknown>>
  /** Versions whose snapshots stay for a rollback, the new one included (default 3). */
  readonly keepVersions?: number
  readonly chunkBytes?: number
  /**
   * The manifests of earlier versions (a follower's `manifest`), for the chunk count of a version
   * that falls out of the window. Without it, a dropped version's chunks are taken to be as many as
   * the new version's.
   */
  readonly manifestOf?: (version: string) => Manifest | undefined
}

/**
 * Publishes a version: its chunks, its manifest, the pointer to it, then
 * tombstones for the versions it pushes out of the last `keepVersions`. Resolves to the manifest.
 */
export async function publishModel(sender: KafkaSender, options: PublishModelOptions): Promise<Manifest> {
  const { name, model } = options
  const version = model.metadata.version
  const { manifest, records } = snapshotRecords({
    name,
    version,
    bytes: encodeModel(model, options.extra),
    source: options.source,
    previous: options.previous,
    evaluation: options.evaluation,
    chunkBytes: options.chunkBytes,
  })
  const pointer = makePointer(version, options.action ?? 'publish', options.history)
  records.push(pointerRecord(name, pointer))
  for (const dropped of droppedVersions(pointer, options.keepVersions ?? DEFAULT_KEEP_VERSIONS)) {
    if (dropped === version) continue
    const chunks = options.manifestOf?.(dropped)?.chunks ?? manifest.chunks
    records.push(...tombstoneRecords(name, dropped, chunks))
  }
  await sender.send(options.topic, records)
  return manifest
}

export interface MoveCurrentOptions {
  readonly topic: string
  readonly name: string
  /** The version to serve: one whose snapshot is still on the topic. */
  readonly version: string
  readonly action?: Exclude<PointerAction, 'publish'>
  /** `nextHistory(current pointer)`. */
  readonly history: readonly string[]
}

/** Points `name` at a version already on the topic (a rollback by default): the pointer alone. */
export async function moveCurrent(sender: KafkaSender, options: MoveCurrentOptions): Promise<CurrentPointer> {
  const pointer = makePointer(options.version, options.action ?? 'rollback', options.history)
  await sender.send(options.topic, [pointerRecord(options.name, pointer)])
  return pointer
}

/** Asks the learner to promote its candidate of `name`. Resolves to the command written. */
export async function sendCommand(
  sender: KafkaSender,
  topic: string,
  name: string,
  options: {
    /** Tells the answer to this command apart (default: a random UUID). */
    readonly id?: string
    readonly requestedAt?: string
  } = {},
): Promise<PromoteCommand> {
  const command: PromoteCommand = Object.freeze({
    action: 'promote',
    id: options.id ?? randomUUID(),
    requestedAt: options.requestedAt ?? new Date().toISOString(),
  })
  await sender.send(topic, [commandRecord(name, command)])
  return command
}

/** Shares the learner's figures for `name`: the latest is what every follower's `status` returns. */
export async function sendStatus(
  sender: KafkaSender,
  topic: string,
  name: string,
  /** Any JSON object (an interface such as the learner's status type fits). */
  status: object,
): Promise<void> {
  await sender.send(topic, [statusRecord(name, status)])
}
