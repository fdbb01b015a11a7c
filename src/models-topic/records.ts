/**
 * The models topic's records, built and checked without a Kafka connection. One partition holds,
 * per model name, in this order for each publication:
 *
 *   <model>/chunk/<version>/<index>   raw bytes of the model file, `chunkBytes` each (the last one shorter)
 *   <model>/manifest/<version>        JSON Manifest: size, chunk count and sha256 of the whole file
 *   <model>/current                   JSON CurrentPointer: the version to serve, and the ones before
 *   tombstones (null values) for the chunks and manifests of versions that fell out of the window
 *
 * and, at any time, `<model>/command` (a PromoteCommand) and `<model>/status` (the learner's JSON).
 * Model names and versions never hold "/", so the key splits unambiguously.
 */
import { createHash } from 'node:crypto'
import { TopicstreamError } from '../errors.js'
import type { OutgoingRecord } from '../kafka/client.js'

export const MODEL_SOURCES = ['train', 'learner', 'startup'] as const
export type SnapshotSource = (typeof MODEL_SOURCES)[number]

export const POINTER_ACTIONS = ['publish', 'promote', 'rollback'] as const
export type PointerAction = (typeof POINTER_ACTIONS)[number]

/** 512 KiB: half of Kafka's default record limit, so a chunk fits even a topic left at the defaults. */
export const DEFAULT_CHUNK_BYTES = 512 * 1024
/** The models topic allows records up to twice this (see topic.ts). */
export const MAX_CHUNK_BYTES = 1024 * 1024
/** Versions pointed at last whose snapshots stay on the topic, the current one included. */
export const DEFAULT_KEEP_VERSIONS = 3
/** Entries of a pointer's history: enough to tell the story, short enough to stay a small record. */
export const MAX_HISTORY = 100

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
const SHA256 = /^[0-9a-f]{64}$/
/** Beyond any model a process can hold: a bound for the numbers a manifest may claim. */
const MAX_MODEL_BYTES = 2 ** 40
const MAX_ID_LENGTH = 256

export interface Manifest {
  readonly name: string
  readonly version: string
  /** Size of the model file. */
  readonly bytes: number
  readonly chunks: number
  readonly chunkBytes: number
  /** Hex SHA-256 of the whole model file. */
  readonly sha256: string
  /** ISO time of publication. */
  readonly createdAt: string
  readonly source: SnapshotSource
  /** The version this one followed. */
  readonly previous?: string
  /** Held-out measures of the version, as its publisher recorded them. */
  readonly evaluation?: Readonly<Record<string, unknown>>
}

export interface CurrentPointer {
  readonly version: string
  readonly action: PointerAction
  /** ISO time of the move. */
  readonly at: string
  /** The versions pointed at before, newest first. */
  readonly history: readonly string[]
}

export interface PromoteCommand {
  readonly action: 'promote'
  readonly id: string
  readonly requestedAt: string
}

/** Written by the learner; passed through as parsed. */
export type ModelStatus = Readonly<Record<string, unknown>>

/** A decoded record; `null` stands for a tombstone. */
export type ModelsRecord =
  | {
      readonly kind: 'chunk'
      readonly name: string
      readonly version: string
      readonly index: number
      readonly bytes: Buffer | null
    }
  | {
      readonly kind: 'manifest'
      readonly name: string
      readonly version: string
      readonly manifest: Manifest | null
    }
  | { readonly kind: 'current'; readonly name: string; readonly pointer: CurrentPointer | null }
  | { readonly kind: 'command'; readonly name: string; readonly command: PromoteCommand | null }
  | { readonly kind: 'status'; readonly name: string; readonly status: ModelStatus | null }

export const chunkKey = (name: string, version: string, index: number): string =>
  `${name}/chunk/${version}/${index}`
export const manifestKey = (name: string, version: string): string => `${name}/manifest/${version}`
export const currentKey = (name: string): string => `${name}/current`
export const commandKey = (name: string): string => `${name}/command`
export const statusKey = (name: string): string => `${name}/status`

/** True for a model name or a version: what may stand between the "/" of a key. */
export function isKeyPart(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 255 && NAME.test(value)
}

export interface SnapshotOptions {
  readonly name: string
  readonly version: string
  /** The model file (`encodeModel`). */
  readonly bytes: Uint8Array
  readonly source: SnapshotSource
  readonly previous?: string | undefined
  readonly evaluation?: Readonly<Record<string, unknown>> | undefined
  readonly chunkBytes?: number | undefined
  readonly createdAt?: string | undefined
}

/** The manifest of `bytes` and the chunk records, in order. */
export function snapshotRecords(options: SnapshotOptions): {
  readonly manifest: Manifest
  readonly records: OutgoingRecord[]
} {
  const { name, version, bytes } = options
  checkName(name)
  checkVersion(version)
  if (options.previous !== undefined) checkVersion(options.previous)
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
    throw new TopicstreamError(
      'ERR_CONFIG_INVALID',
      `The chunk size must be an integer from 1 to ${MAX_CHUNK_BYTES} bytes, not ${chunkBytes}`,
    )
  }
  const chunks = Math.ceil(bytes.byteLength / chunkBytes)
  const manifest: Manifest = Object.freeze({
    name,
    version,
    bytes: bytes.byteLength,
    chunks,
    chunkBytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    createdAt: options.createdAt ?? new Date().toISOString(),
    source: options.source,
    ...(options.previous === undefined ? {} : { previous: options.previous }),
    ...(options.evaluation === undefined ? {} : { evaluation: options.evaluation }),
  })
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const records: OutgoingRecord[] = []
  for (let index = 0; index < chunks; index++) {
    records.push({
      key: chunkKey(name, version, index),
      value: view.subarray(index * chunkBytes, Math.min(bytes.byteLength, (index + 1) * chunkBytes)),
      partition: 0,
    })
  }
  records.push({ key: manifestKey(name, version), value: JSON.stringify(manifest), partition: 0 })
  return { manifest, records }
}

/** A pointer naming `version`, with `history` (newest first) cut to MAX_HISTORY entries. */
export function makePointer(
  version: string,
  action: PointerAction,
  history: readonly string[],
  at = new Date().toISOString(),
): CurrentPointer {
  checkVersion(version)
  for (const earlier of history) checkVersion(earlier)
  return Object.freeze({ version, action, at, history: Object.freeze(history.slice(0, MAX_HISTORY)) })
}

/** The history of the pointer that replaces `pointer`: its version, then its own history. */
export function nextHistory(pointer: CurrentPointer | undefined): string[] {
  return pointer === undefined ? [] : [pointer.version, ...pointer.history].slice(0, MAX_HISTORY)
}

export function pointerRecord(name: string, pointer: CurrentPointer): OutgoingRecord {
  checkName(name)
  return { key: currentKey(name), value: JSON.stringify(pointer), partition: 0 }
}

export function commandRecord(name: string, command: PromoteCommand): OutgoingRecord {
  checkName(name)
  return { key: commandKey(name), value: JSON.stringify(command), partition: 0 }
}

export function statusRecord(name: string, status: object): OutgoingRecord {
  checkName(name)
  return { key: statusKey(name), value: JSON.stringify(status), partition: 0 }
}

/** Tombstones of every chunk and then the manifest of one version. */
export function tombstoneRecords(name: string, version: string, chunks: number): OutgoingRecord[] {
  const records: OutgoingRecord[] = []
  for (let index = 0; index < chunks; index++) {
    records.push({ key: chunkKey(name, version, index), value: null, partition: 0 })
  }
  records.push({ key: manifestKey(name, version), value: null, partition: 0 })
  return records
}

/**
 * The distinct versions a pointer keeps, newest first: its own, then its history, the first `keep`
 * of them. Their snapshots stay on the topic, for a rollback.
 */
export function keptVersions(pointer: Pick<CurrentPointer, 'version' | 'history'>, keep: number): string[] {
  return [...new Set([pointer.version, ...pointer.history])].slice(0, Math.max(1, keep))
}

/**
 * The versions that `pointer` pushes out of the window: kept by the pointer it replaces (the
 * first of its history and what follows), not kept by it. Each falls out once, so its tombstones
 * are written once.
 */
export function droppedVersions(
  pointer: Pick<CurrentPointer, 'version' | 'history'>,
  keep: number,
): string[] {
  const [previous, ...before] = pointer.history
  if (previous === undefined) return []
  const kept = new Set(keptVersions(pointer, keep))
  return keptVersions({ version: previous, history: before }, keep).filter((version) => !kept.has(version))
}

/**
 * Decodes one record of the models topic. A record that is not one of ours, or is malformed,
 * throws ERR_MODEL_SNAPSHOT_INVALID (the follower logs it and goes on).
 */
export function decodeModelsRecord(record: {
  readonly key: Buffer | null
  readonly value: Buffer | null
}): ModelsRecord {
  if (record.key === null) throw invalid('a record without a key')
  const key = record.key.toString('utf8')
  const parts = key.split('/')
  const [name, kind] = parts
  if (!isKeyPart(name)) throw invalid(`the key "${printable(key)}" does not start with a model name`)
  const value = record.value
  if (kind === 'chunk' && parts.length === 4) {
    const version = parts[2]
    const index = parseIndex(parts[3])
    if (!isKeyPart(version) || index === undefined)
      throw invalid(`the chunk key "${printable(key)}" is malformed`)
    return { kind: 'chunk', name, version, index, bytes: value }
  }
  if (kind === 'manifest' && parts.length === 3) {
    const version = parts[2]
    if (!isKeyPart(version)) throw invalid(`the manifest key "${printable(key)}" is malformed`)
    const manifest = value === null ? null : checkManifest(parseObject(value, key), name, version)
    return { kind: 'manifest', name, version, manifest }
  }
  if (parts.length === 2) {
    if (kind === 'current') {
      return { kind, name, pointer: value === null ? null : checkPointer(parseObject(value, key)) }
    }
    if (kind === 'command') {
      return { kind, name, command: value === null ? null : checkCommand(parseObject(value, key)) }
    }
    if (kind === 'status') {
      return { kind, name, status: value === null ? null : Object.freeze(parseObject(value, key)) }
    }
  }
  throw invalid(`the key "${printable(key)}" is not one of the models topic's`)
}

/**
 * The model file from its chunks, checked against the manifest: every chunk present and of the
 * manifest's size, the whole of the manifest's length and SHA-256. Throws ERR_MODEL_SNAPSHOT_INVALID.
 */
export function assembleSnapshot(
  manifest: Manifest,
  chunkAt: (index: number) => Uint8Array | undefined,
): Buffer {
  const where = `${manifest.name}@${manifest.version}`
  const parts: Uint8Array[] = []
  let total = 0
  for (let index = 0; index < manifest.chunks; index++) {
    const chunk = chunkAt(index)
    if (chunk === undefined) {
      throw invalid(`${where}: chunk ${index} of ${manifest.chunks} is missing`, manifest)
    }
    const expected =
      index < manifest.chunks - 1 ? manifest.chunkBytes : manifest.bytes - manifest.chunkBytes * index
    if (chunk.byteLength !== expected) {
      throw invalid(
        `${where}: chunk ${index} holds ${chunk.byteLength} bytes, expected ${expected}`,
        manifest,
      )
    }
    parts.push(chunk)
    total += chunk.byteLength
  }
  if (total !== manifest.bytes) {
    throw invalid(`${where}: the chunks hold ${total} bytes, the manifest says ${manifest.bytes}`, manifest)
  }
  const bytes = Buffer.concat(parts, total)
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  if (sha256 !== manifest.sha256) {
    throw invalid(`${where}: the bytes fail the manifest's SHA-256 (a chunk is corrupt or stale)`, manifest)
  }
  return bytes
}

function checkManifest(raw: Record<string, unknown>, name: string, version: string): Manifest {
  const { bytes, chunks, chunkBytes, sha256, createdAt, source, previous, evaluation } = raw
  const bad = (why: string): TopicstreamError => invalid(`the manifest of ${name}@${version} ${why}`)
  if (raw.name !== name || raw.version !== version) throw bad('names another model or version')
  if (!Number.isSafeInteger(bytes) || (bytes as number) < 1 || (bytes as number) > MAX_MODEL_BYTES) {
    throw bad('has no valid byte count')
  }
  if (
    !Number.isSafeInteger(chunkBytes) ||
    (chunkBytes as number) < 1 ||
    (chunkBytes as number) > MAX_CHUNK_BYTES
  ) {
    throw bad('has no valid chunk size')
  }
  if (chunks !== Math.ceil((bytes as number) / (chunkBytes as number))) {
    throw bad('has a chunk count that does not match its size')
  }
  if (typeof sha256 !== 'string' || !SHA256.test(sha256)) throw bad('has no SHA-256')
  if (typeof createdAt !== 'string') throw bad('has no creation time')
  if (!(MODEL_SOURCES as readonly unknown[]).includes(source)) throw bad('has an unknown source')
  if (previous !== undefined && !isKeyPart(previous)) throw bad('names an invalid previous version')
  if (evaluation !== undefined && !isPlainObject(evaluation))
    throw bad('has an evaluation that is not an object')
  return Object.freeze({
    name,
    version,
    bytes: bytes as number,
    chunks: chunks as number,
    chunkBytes: chunkBytes as number,
    sha256,
    createdAt,
    source: source as SnapshotSource,
    ...(previous === undefined ? {} : { previous }),
    ...(evaluation === undefined ? {} : { evaluation: evaluation as Record<string, unknown> }),
  })
}

function checkPointer(raw: Record<string, unknown>): CurrentPointer {
  const { version, action, at, history } = raw
  if (!isKeyPart(version)) throw invalid('a current pointer without a valid version')
  if (!(POINTER_ACTIONS as readonly unknown[]).includes(action)) {
    throw invalid('a current pointer with an unknown action')
  }
  if (typeof at !== 'string') throw invalid('a current pointer without a time')
  if (!Array.isArray(history) || !history.every(isKeyPart)) {
    throw invalid('a current pointer whose history is not a list of versions')
  }
  return Object.freeze({
    version,
    action: action as PointerAction,
    at,
    history: Object.freeze(history.slice(0, MAX_HISTORY)),
  })
}

function checkCommand(raw: Record<string, unknown>): PromoteCommand {
  const { action, id, requestedAt } = raw
  if (action !== 'promote') throw invalid('a command with an unknown action')
  if (typeof id !== 'string' || id === '' || id.length > MAX_ID_LENGTH)
    throw invalid('a command without an id')
  if (typeof requestedAt !== 'string') throw invalid('a command without a request time')
  return Object.freeze({ action, id, requestedAt })
}

function parseObject(value: Buffer, key: string): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = JSON.parse(value.toString('utf8'))
  } catch {
    throw invalid(`the value of "${printable(key)}" is not JSON`)
  }
  if (!isPlainObject(parsed)) throw invalid(`the value of "${printable(key)}" is not a JSON object`)
  return parsed
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseIndex(text: string | undefined): number | undefined {
  if (text === undefined || !/^(0|[1-9]\d{0,8})$/.test(text)) return undefined
  return Number(text)
}

function checkName(name: string): void {
  if (!isKeyPart(name)) {
    throw new TopicstreamError(
      'ERR_CONFIG_INVALID',
      `Invalid model name "${name}" (letters, digits, ".", "_" and "-" only)`,
    )
  }
}

function checkVersion(version: string): void {
  if (!isKeyPart(version)) {
    throw new TopicstreamError('ERR_CONFIG_INVALID', `Invalid model version "${version}"`)
  }
}

/** Keys come from anyone who can write to the topic: bounded and without control characters in logs. */
function printable(key: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = key.replace(/[\u0000-\u001f\u007f]/g, '?')
  return clean.length > 120 ? `${clean.slice(0, 120)}…` : clean
}

function invalid(message: string, manifest?: Manifest): TopicstreamError {
  return new TopicstreamError(
    'ERR_MODEL_SNAPSHOT_INVALID',
    `Models topic: ${message}`,
    manifest === undefined ? {} : { details: { model: manifest.name, version: manifest.version } },
  )
}
