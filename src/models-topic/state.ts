/**
 * What a follower knows of the models topic, updated record by record, without Kafka: per model
 * the latest pointer, the manifests, the latest statuses, and for the models this process serves
 * the bytes of the versions it may have to install.
 *
 * Memory: per served model, the chunks of the versions seen and not installed yet, and the
 * instances this process served before, both only while their version is among the last
 * `keepVersions` pointed at (a rollback needs them; tombstones and pointers drop the rest).
 */
import type { TextClassifier } from '../engine/text-classifier.js'
import { keptVersions } from './records.js'
import type { CurrentPointer, Manifest, ModelStatus, ModelsRecord } from './records.js'

/** Statuses kept per model for `statusHistory`. */
export const STATUS_HISTORY = 500

/** One version's bytes as this process holds them: chunks until installed, then the instance. */
export interface HeldVersion {
  readonly chunks: Map<number, Buffer>
  /** An instance this process served, kept for a rollback. */
  model: TextClassifier | undefined
  /** How many pointers of the model had been read when this version's first record came. */
  readonly seenAt: number
}

export interface ModelLog {
  pointer: CurrentPointer | undefined
  /** Pointers read so far. */
  pointers: number
  readonly manifests: Map<string, Manifest>
  /** Only for served models. */
  readonly held: Map<string, HeldVersion>
  status: ModelStatus | undefined
  /** Oldest first, at most STATUS_HISTORY. */
  readonly statuses: ModelStatus[]
}

export function emptyLog(): ModelLog {
  return {
    pointer: undefined,
    pointers: 0,
    manifests: new Map(),
    held: new Map(),
    status: undefined,
    statuses: [],
  }
}

/**
 * Applies one decoded record to its model's log. `serves` says whether the process serves the
 * model (else no bytes are kept). Commands change nothing here.
 */
export function record(log: ModelLog, decoded: ModelsRecord, serves: boolean, keepVersions: number): void {
  switch (decoded.kind) {
    case 'chunk': {
      if (!serves) return
      if (decoded.bytes === null) {
        const held = log.held.get(decoded.version)
        held?.chunks.delete(decoded.index)
        if (held !== undefined && held.chunks.size === 0 && held.model === undefined) {
          log.held.delete(decoded.version)
        }
        return
      }
      hold(log, decoded.version).chunks.set(decoded.index, decoded.bytes)
      return
    }
    case 'manifest':
      if (decoded.manifest === null) {
        log.manifests.delete(decoded.version)
        log.held.delete(decoded.version)
      } else {
        log.manifests.set(decoded.version, decoded.manifest)
      }
      return
    case 'current':
      if (decoded.pointer === null) {
        log.pointer = undefined
        return
      }
      log.pointers++
      log.pointer = decoded.pointer
      prune(log, decoded.pointer, keepVersions)
      return
    case 'status':
      if (decoded.status === null) return
      log.status = decoded.status
      log.statuses.push(decoded.status)
      if (log.statuses.length > STATUS_HISTORY) log.statuses.splice(0, log.statuses.length - STATUS_HISTORY)
      return
    case 'command':
      return
  }
}

function hold(log: ModelLog, version: string): HeldVersion {
  let held = log.held.get(version)
  if (held === undefined) {
    held = { chunks: new Map(), model: undefined, seenAt: log.pointers }
    log.held.set(version, held)
  }
  return held
}

/**
 * Drops the bytes of versions a pointer leaves out of its window: those its history names (they
 * fell out), and those that stayed without a pointer for a whole publication (what a publisher
 * that died halfway left). A version of another publication still arriving keeps its bytes.
 */
function prune(log: ModelLog, pointer: CurrentPointer, keepVersions: number): void {
  const kept = new Set(keptVersions(pointer, keepVersions))
  const fell = new Set(pointer.history)
  for (const [version, held] of log.held) {
    if (kept.has(version)) continue
    if (fell.has(version) || held.seenAt < log.pointers - 1) log.held.delete(version)
  }
}

/** Keeps `model`, which served `version`, for a rollback, if the version is in the window. */
export function retain(log: ModelLog, version: string, model: TextClassifier, keepVersions: number): void {
  if (log.pointer === undefined || !keptVersions(log.pointer, keepVersions).includes(version)) return
  hold(log, version).model = model
}
