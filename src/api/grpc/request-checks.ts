/**
 * Request deserializers that refuse what protobuf decoding would silently accept: string fields
 * holding invalid UTF-8 (the default decoder replaces the bytes with U+FFFD, so a text the client
 * never sent would be classified) and bytes that are not one whole protobuf message.
 *
 * grpc-js ends a call whose deserializer throws with INTERNAL and no trailer, so a refused request
 * is not thrown: it is handed on carrying its error (`refusalOf`), and the call handlers answer it
 * like any other invalid request (unary: INVALID_ARGUMENT with the code in the trailer; streams: an
 * `error` response, and the stream goes on).
 *
 * The check is part of the one decoding pass: the generated decoder reads strings through the
 * reader's `decodeUtf8`, here a fatal TextDecoder instead of the default lenient one, and a message
 * must end exactly where its bytes end. Only a refused request is decoded a second time, to say
 * which field was wrong and to recover the id a stream response echoes.
 */
import { isUtf8 } from 'node:buffer'
import { BinaryReader } from '@bufbuild/protobuf/wire'
import { TopicstreamError } from '../../errors.js'
import {
  ClassifyRequest,
  ClassifyStreamRequest,
  FeedbackRequest,
  ListModelsRequest,
} from './generated/topicstream/v1/classifier.js'

const REFUSAL = Symbol('topicstream.grpc.refusal')

type Refusable = { readonly [REFUSAL]?: TopicstreamError }

/** The error a checked deserializer attached to `request`, if it refused its bytes. */
export function refusalOf(request: unknown): TopicstreamError | undefined {
  return typeof request === 'object' && request !== null ? (request as Refusable)[REFUSAL] : undefined
}

/** How to decode one request message type, and what to hand on in place of a refused one. */
export interface RequestShape<T> {
  readonly decode: (reader: BinaryReader) => T
  /** `id`: the refused message's id when it has one and it could be read, otherwise ''. */
  readonly refused: (id: string) => T
}

export const CLASSIFY_REQUEST: RequestShape<ClassifyRequest> = {
  decode: (reader) => ClassifyRequest.decode(reader),
  refused: () => ClassifyRequest.create(),
}

export const CLASSIFY_STREAM_REQUEST: RequestShape<ClassifyStreamRequest> = {
  decode: (reader) => ClassifyStreamRequest.decode(reader),
  refused: (id) => ClassifyStreamRequest.create({ id }),
}

export const LIST_MODELS_REQUEST: RequestShape<ListModelsRequest> = {
  decode: (reader) => ListModelsRequest.decode(reader),
  refused: () => ListModelsRequest.create(),
}

export const FEEDBACK_REQUEST: RequestShape<FeedbackRequest> = {
  decode: (reader) => FeedbackRequest.decode(reader),
  refused: (id) => FeedbackRequest.create({ id }),
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const strictUtf8 = (bytes: Uint8Array): string => strictDecoder.decode(bytes)

/**
 * Stands for a string that is not UTF-8 while diagnosing. No UTF-8 decodes to a lone surrogate,
 * so no real field value can equal it.
 */
const NOT_UTF8 = '\uD800'
const lenientDecoder = new TextDecoder('utf-8', { ignoreBOM: true })
const markingUtf8 = (bytes: Uint8Array): string => (isUtf8(bytes) ? lenientDecoder.decode(bytes) : NOT_UTF8)

const notProtobuf = (): TopicstreamError =>
  new TopicstreamError('ERR_REQUEST_INVALID', 'The request is not a valid protobuf message')

/** Decodes all of `bytes` with `decodeUtf8`; throws when the message is cut short or stops early. */
function decodeWhole<T>(
  shape: RequestShape<T>,
  bytes: Uint8Array,
  decodeUtf8: (bytes: Uint8Array) => string,
): T {
  const reader = new BinaryReader(bytes, decodeUtf8)
  const message = shape.decode(reader)
  // The generated decoder stops silently at a zero tag or an end-group tag: whatever follows would be
  // lost. (One such tag as the very last byte loses nothing and passes.)
  if (reader.pos !== reader.len) throw notProtobuf()
  return message
}

/** Why `bytes` were refused, and the id to echo. Runs only for refused requests. */
function diagnose<T extends object>(
  shape: RequestShape<T>,
  bytes: Uint8Array,
): { error: TopicstreamError; id: string } {
  let message: T
  try {
    message = decodeWhole(shape, bytes, markingUtf8)
  } catch {
    return { error: notProtobuf(), id: '' }
  }
  const fields = Object.entries(message)
  const bad = fields.filter(([, value]) => value === NOT_UTF8).map(([name]) => `\`${name}\``)
  const id = fields.find(([name]) => name === 'id')?.[1]
  return {
    error: new TopicstreamError(
      'ERR_TEXT_NOT_UTF8',
      bad.length === 0 ? 'A string field is not valid UTF-8' : `${bad.join(', ')} is not valid UTF-8`,
    ),
    id: typeof id === 'string' && id !== NOT_UTF8 ? id : '',
  }
}

/**
 * A `requestDeserialize` that refuses invalid UTF-8 in any string field and bytes that are not one
 * protobuf message. It never throws: a refused request is `shape.refused(id)` carrying its error.
 */
export function checkedDeserializer<T extends object>(shape: RequestShape<T>): (bytes: Buffer) => T {
  return (bytes) => {
    try {
      return decodeWhole(shape, bytes, strictUtf8)
    } catch {
      const { error, id } = diagnose(shape, bytes)
      return Object.assign(shape.refused(id), { [REFUSAL]: error })
    }
  }
}

interface Deserializing {
  readonly requestDeserialize: (bytes: Buffer) => object
}

/** A copy of a generated service definition whose methods decode with `checkedDeserializer`. */
export function withCheckedRequests<D extends Readonly<Record<string, Deserializing>>>(
  definition: D,
  shapes: { readonly [K in keyof D]: RequestShape<ReturnType<D[K]['requestDeserialize']>> },
): D {
  const checked: Record<string, Deserializing> = {}
  for (const key of Object.keys(definition) as (keyof D & string)[]) {
    checked[key] = { ...definition[key], requestDeserialize: checkedDeserializer(shapes[key]) }
  }
  return checked as D
}
