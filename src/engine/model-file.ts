/**
 * Model files: a versioned, self-describing binary.
 *
 *   bytes 0–7    magic  89 54 53 4D 0D 0A 1A 0A  ("\x89TSM\r\n\x1a\n": catches text-mode mangling)
 *   bytes 8–11   format version, uint32 little-endian
 *   bytes 12–15  header length H, uint32 LE
 *   16 … 16+H    header, UTF-8 JSON: metadata, and per section its type, offset and byte length
 *                (offsets count from the data start, the first 8-byte boundary after the header)
 *   sections     8-byte aligned little-endian arrays, term-major like the engine keeps them:
 *                termUnits u16 (every term's UTF-16 units back to back), termOffsets i32 [V+1],
 *                termTable i32 (the lookup hash table, so loading does not rehash the vocabulary),
 *                idf f64 [V], classCount f64 [C], featureCount f64 [V×C] (kept for partialFit),
 *                weights f64 [V×C], classLogPrior f64 [C]
 *   last 8 bytes CRC-32 of everything before it (uint32 LE), then "TSM\0"
 *
 * Format 2 adds hashing models: no vocabulary, so no term sections, and V is `params.nFeatures`.
 * A count model is still written as format 1, which older topicstream reads (they ignore the two
 * new parameters); files without `params.vectorizer` are count models.
 *
 * Files are written to a temporary name and renamed, so readers never see half a model.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { crc32 } from 'node:zlib'
import { TopicstreamError, isTopicstreamError } from '../errors.js'
import { TermIndex } from './term-index.js'
import { TextClassifier, type ModelState } from './text-classifier.js'
import { validateTrainingParams } from './training-params.js'
import {
  CALIBRATION_BANDS,
  DEFAULT_TRAINING_PARAMS,
  type ModelMetadata,
  type StreamReference,
  type TrainingParams,
} from './types.js'

/** The newest format this code reads and writes. */
export const MODEL_FORMAT_VERSION = 2

/** The oldest format that can hold a model with these parameters: the one it is written in. */
export function modelFormatVersion(params: Pick<TrainingParams, 'vectorizer'>): number {
  return params.vectorizer === 'hashing' ? 2 : 1
}

export interface SaveModelExtra {
  /** Accuracy on a held-out split, recorded in the metadata. */
  readonly testAccuracy?: number | undefined
  /** The model on the same split, for stream health (see StreamReference). */
  readonly reference?: StreamReference | undefined
}

const MAGIC = Buffer.from([0x89, 0x54, 0x53, 0x4d, 0x0d, 0x0a, 0x1a, 0x0a])
const END_MAGIC = Buffer.from([0x54, 0x53, 0x4d, 0x00])
const PREAMBLE = 16
const TRAILER = 8

type SectionType = 'u16' | 'i32' | 'f64'
const SECTIONS = {
  termUnits: 'u16',
  termOffsets: 'i32',
  termTable: 'i32',
  idf: 'f64',
  classCount: 'f64',
  featureCount: 'f64',
  weights: 'f64',
  classLogPrior: 'f64',
} as const satisfies Record<string, SectionType>
type SectionName = keyof typeof SECTIONS
const BYTES: Record<SectionType, number> = { u16: 2, i32: 4, f64: 8 }

interface Section {
  readonly type: SectionType
  readonly offset: number
  readonly length: number
}

interface Header {
  readonly format: 'topicstream-model'
  readonly metadata: ModelMetadata
  readonly sections: Readonly<Partial<Record<SectionName, Section>>>
}

type TypedArray = Uint16Array | Int32Array | Float64Array

/**
 * The model file's bytes, as the pieces written one after the other: the sections stay views over
 * the model's own arrays, so a 40 MB model is not copied to be written. See `encodeModel` for one
 * buffer.
 */
export function encodeModelParts(model: TextClassifier, extra: SaveModelExtra = {}): Uint8Array[] {
  const state = model.state
  const formatVersion = modelFormatVersion(state.metadata.params)
  const metadata: ModelMetadata = {
    ...state.metadata,
    formatVersion,
    ...(extra.testAccuracy === undefined ? {} : { testAccuracy: extra.testAccuracy }),
    ...(extra.reference === undefined ? {} : { reference: extra.reference }),
  }
  const terms = state.index?.parts
  const arrays: Partial<Record<SectionName, TypedArray>> = {
    ...(terms === undefined
      ? {}
      : { termUnits: terms.units, termOffsets: terms.offsets, termTable: terms.records }),
    idf: state.idf,
    classCount: state.classCount,
    featureCount: state.featureCount,
    weights: state.weights,
    classLogPrior: state.classLogPrior,
  }
  const sections: Partial<Record<SectionName, Section>> = {}
  const body: Uint8Array[] = []
  let position = 0
  for (const name of Object.keys(SECTIONS) as SectionName[]) {
    const array = arrays[name]
    if (array === undefined) continue
    const bytes = littleEndianBytes(array)
    const offset = align8(position)
    if (offset > position) body.push(new Uint8Array(offset - position))
    sections[name] = { type: SECTIONS[name], offset, length: bytes.byteLength }
    body.push(bytes)
    position = offset + bytes.byteLength
  }
  const header = Buffer.from(
    JSON.stringify({ format: 'topicstream-model', metadata, sections } satisfies Header),
  )
  const preamble = Buffer.alloc(PREAMBLE)
  MAGIC.copy(preamble, 0)
  preamble.writeUInt32LE(formatVersion, 8)
  preamble.writeUInt32LE(header.byteLength, 12)
  const padding = new Uint8Array(align8(PREAMBLE + header.byteLength) - PREAMBLE - header.byteLength)
  const parts: Uint8Array[] = [preamble, header, padding, ...body]
  let checksum = 0
  for (const part of parts) checksum = crc32(part, checksum)
  const trailer = Buffer.alloc(TRAILER)
  trailer.writeUInt32LE(checksum >>> 0, 0)
  END_MAGIC.copy(trailer, 4)
  parts.push(trailer)
  return parts
}

/** The whole model file in one buffer (a copy of the model's arrays): what the models topic carries. */
export function encodeModel(model: TextClassifier, extra: SaveModelExtra = {}): Buffer {
  return Buffer.concat(encodeModelParts(model, extra))
}

export async function saveModel(
  model: TextClassifier,
  path: string,
  extra: SaveModelExtra = {},
): Promise<void> {
  const chunks = encodeModelParts(model, extra)
  await mkdir(dirname(path), { recursive: true })
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`
  try {
    const handle = await open(temporary, 'w', 0o644)
    try {
      await handle.writev(chunks)
      await handle.datasync()
    } finally {
      await handle.close()
    }
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true })
    throw new TopicstreamError(
      'ERR_INTERNAL',
      `Cannot write model file ${path}: ${(error as Error).message}`,
      {
        cause: error,
        details: { path },
      },
    )
  }
}

export async function loadModel(path: string): Promise<TextClassifier> {
  let file: Buffer
  try {
    file = await readFile(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      throw new TopicstreamError('ERR_MODEL_NOT_FOUND', `Model file not found: ${path}`, {
        cause: error,
        details: { path },
      })
    }
    throw new TopicstreamError(
      'ERR_MODEL_FILE_INVALID',
      `Cannot read model file ${path}: ${code ?? String(error)}`,
      { cause: error, details: { path } },
    )
  }
  return new TextClassifier(decodeModel(file, path))
}

/**
 * A model from the bytes of a model file (`encodeModel`), e.g. assembled from the models topic.
 * `name` names the bytes in error messages. Throws ERR_MODEL_FILE_INVALID / ERR_MODEL_FILE_VERSION.
 */
export function modelFromBytes(bytes: Uint8Array, name = 'model'): TextClassifier {
  return new TextClassifier(decodeModel(bytes, name))
}

/** Parses and checks a whole model file; throws ERR_MODEL_FILE_INVALID / ERR_MODEL_FILE_VERSION. */
export function decodeModel(file: Uint8Array, path = 'model'): ModelState {
  const invalid = (why: string): TopicstreamError =>
    new TopicstreamError('ERR_MODEL_FILE_INVALID', `${path} is not a usable model file: ${why}`, {
      details: { path, bytes: file.byteLength },
    })
  if (file.byteLength < MAGIC.length || !MAGIC.equals(file.subarray(0, MAGIC.length))) {
    throw invalid('it does not start with the topicstream model signature (wrong file or not a model)')
  }
  if (file.byteLength < PREAMBLE + TRAILER) throw invalid(`it is truncated (${file.byteLength} bytes)`)
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength)
  const version = view.getUint32(8, true)
  if (version > MODEL_FORMAT_VERSION) {
    throw new TopicstreamError(
      'ERR_MODEL_FILE_VERSION',
      `${path} uses model format ${version}; this topicstream reads format ${MODEL_FORMAT_VERSION} and older. Upgrade topicstream or retrain the model.`,
      { details: { path, formatVersion: version, supported: MODEL_FORMAT_VERSION } },
    )
  }
  if (version < 1) throw invalid(`format version ${version} does not exist`)
  const bodyEnd = file.byteLength - TRAILER
  if (!END_MAGIC.equals(file.subarray(bodyEnd + 4))) {
    throw invalid('it is truncated (the end marker is missing)')
  }
  if (view.getUint32(bodyEnd, true) !== crc32(file.subarray(0, bodyEnd)) >>> 0) {
    throw invalid('checksum mismatch (the file is corrupt)')
  }

  const headerLength = view.getUint32(12, true)
  if (PREAMBLE + headerLength > bodyEnd) throw invalid('the header length points past the end of the file')
  let header: Header
  try {
    header = JSON.parse(
      Buffer.from(file.buffer, file.byteOffset + PREAMBLE, headerLength).toString(),
    ) as Header
  } catch (error) {
    throw invalid(`the header is not JSON (${(error as Error).message})`)
  }
  if (header?.format !== 'topicstream-model' || typeof header.metadata !== 'object' || !header.metadata) {
    throw invalid('the header does not describe a topicstream model')
  }
  const metadata = checkMetadata(header.metadata, invalid)
  if (modelFormatVersion(metadata.params) > version) {
    throw invalid(`format ${version} cannot hold a ${metadata.params.vectorizer} model`)
  }
  const hashing = metadata.params.vectorizer === 'hashing'
  if (hashing && metadata.vocabularySize !== metadata.params.nFeatures) {
    throw invalid(`a hashing model has nFeatures columns, but the header says ${metadata.vocabularySize}`)
  }
  const dataStart = align8(PREAMBLE + headerLength)
  const section = <T extends TypedArray>(name: SectionName, expectedCount?: number): T => {
    const range = header.sections?.[name]
    const type = SECTIONS[name]
    if (
      !range ||
      range.type !== type ||
      !Number.isSafeInteger(range.offset) ||
      !Number.isSafeInteger(range.length) ||
      range.offset < 0 ||
      range.offset % 8 !== 0 ||
      range.length % BYTES[type] !== 0 ||
      dataStart + range.offset + range.length > bodyEnd
    ) {
      throw invalid(`section "${name}" is missing, mistyped or out of bounds`)
    }
    const count = range.length / BYTES[type]
    if (expectedCount !== undefined && count !== expectedCount) {
      throw invalid(`section "${name}" holds ${count} values, expected ${expectedCount}`)
    }
    return typedArray(
      file.subarray(dataStart + range.offset, dataStart + range.offset + range.length),
      type,
    ) as T
  }
  const size = metadata.vocabularySize
  const classes = metadata.classes.length
  const index = hashing
    ? undefined
    : TermIndex.fromParts({
        units: section<Uint16Array>('termUnits'),
        offsets: section<Int32Array>('termOffsets', size + 1),
        records: section<Int32Array>('termTable'),
      })
  if (typeof index === 'string') throw invalid(index)
  const state = {
    metadata,
    ...(index === undefined ? {} : { index }),
    idf: section<Float64Array>('idf', size),
    classCount: section<Float64Array>('classCount', classes),
    featureCount: section<Float64Array>('featureCount', size * classes),
    weights: section<Float64Array>('weights', size * classes),
    classLogPrior: section<Float64Array>('classLogPrior', classes),
  }
  // A file can carry a valid checksum over broken numbers (written by a faulty tool): such a model
  // would answer every text with NaN. Training (alpha > 0) only ever writes finite numbers.
  for (const name of ['idf', 'classCount', 'featureCount', 'weights', 'classLogPrior'] as const) {
    const at = state[name].findIndex((value) => !Number.isFinite(value))
    if (at !== -1) throw invalid(`section "${name}" holds ${state[name][at]} at index ${at}`)
  }
  return state
}

function checkMetadata(raw: ModelMetadata, invalid: (why: string) => TopicstreamError): ModelMetadata {
  if (
    !Array.isArray(raw.classes) ||
    raw.classes.length < 1 ||
    !raw.classes.every((label) => typeof label === 'string')
  ) {
    throw invalid('the header has no class list')
  }
  if (!Number.isInteger(raw.vocabularySize) || raw.vocabularySize < 1) {
    throw invalid('the header has no vocabulary size')
  }
  let params: TrainingParams
  try {
    // Files written before hashing existed hold count models without these two parameters.
    const stored: Partial<TrainingParams> = raw.params ?? {}
    const { vectorizer = 'count', nFeatures = DEFAULT_TRAINING_PARAMS.nFeatures } = stored
    params = validateTrainingParams({ ...raw.params, vectorizer, nFeatures })
  } catch (error) {
    if (isTopicstreamError(error)) throw invalid(`its training parameters are unusable: ${error.message}`)
    throw error
  }
  if (raw.reference !== undefined && !isReference(raw.reference, raw.classes.length)) {
    throw invalid('its held-out reference does not match its classes')
  }
  return Object.freeze({ ...raw, classes: Object.freeze([...raw.classes]), params })
}

function isReference(value: unknown, classes: number): value is StreamReference {
  const share = (x: unknown) => typeof x === 'number' && x >= 0 && x <= 1
  const reference = value as Partial<StreamReference> | null
  return (
    typeof reference === 'object' &&
    reference !== null &&
    Number.isInteger(reference.documents) &&
    Array.isArray(reference.predictedMix) &&
    reference.predictedMix.length === classes &&
    reference.predictedMix.every(share) &&
    Array.isArray(reference.calibration) &&
    reference.calibration.length === CALIBRATION_BANDS &&
    reference.calibration.every((x) => x === null || share(x))
  )
}

const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** A view over the file's bytes when aligned (readFile's own buffer is), else a copy. */
function typedArray(bytes: Uint8Array, type: SectionType): TypedArray {
  const Type = type === 'u16' ? Uint16Array : type === 'i32' ? Int32Array : Float64Array
  const width = BYTES[type]
  if (isLittleEndian && bytes.byteOffset % width === 0) {
    return new Type(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength / width)
  }
  const out = new Type(bytes.byteLength / width)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let i = 0; i < out.length; i++) {
    out[i] =
      type === 'u16'
        ? view.getUint16(i * 2, true)
        : type === 'i32'
          ? view.getInt32(i * 4, true)
          : view.getFloat64(i * 8, true)
  }
  return out
}

function littleEndianBytes(values: TypedArray): Uint8Array {
  if (isLittleEndian) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
  const width = values.BYTES_PER_ELEMENT
  const out = new Uint8Array(values.byteLength)
  const view = new DataView(out.buffer)
  for (let i = 0; i < values.length; i++) {
    const value = values[i]
    if (width === 2) view.setUint16(i * 2, value, true)
    else if (width === 4) view.setInt32(i * 4, value, true)
    else view.setFloat64(i * 8, value, true)
  }
  return out
}

function align8(offset: number): number {
  return Math.ceil(offset / 8) * 8
}
