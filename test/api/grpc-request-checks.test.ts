/**
 * What the gRPC API refuses before classifying: string fields that are not UTF-8, bytes that are not
 * a protobuf message, and a request without `text`. Raw bytes go through a generic grpc-js client
 * with identity serializers, since a generated client cannot encode invalid UTF-8.
 */
import { Client, Metadata, type ServiceError, credentials, status } from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  ClassifyRequest,
  ClassifyResponse,
  ClassifyStreamRequest,
  ClassifyStreamResponse,
  ListModelsResponse,
} from '../../src/api/grpc/generated/topicstream/v1/classifier.js'
import { type GrpcServer, createGrpcServer } from '../../src/api/grpc/grpc-server.js'
import {
  CLASSIFY_REQUEST,
  CLASSIFY_STREAM_REQUEST,
  checkedDeserializer,
  refusalOf,
} from '../../src/api/grpc/request-checks.js'
import type { ApiConfig } from '../../src/api/api-config.js'
import { SPORTS, TECH, tinyRegistry } from './helpers.js'

const CLASSIFY = '/topicstream.v1.Classifier/Classify'
const CLASSIFY_STREAM = '/topicstream.v1.Classifier/ClassifyStream'
const LIST_MODELS = '/topicstream.v1.Classifier/ListModels'
const ECHO = '/topicstream.bench.v1.Echo/Echo'
const TRAILER = 'topicstream-error-code'

// --- protobuf wire bytes by hand -------------------------------------------------------------------

function varint(value: number): number[] {
  const out: number[] = []
  while (value > 0x7f) {
    out.push((value & 0x7f) | 0x80)
    value >>>= 7
  }
  out.push(value)
  return out
}

/** A length-delimited field. */
function field(number: number, bytes: Uint8Array | string): Buffer {
  const body = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes)
  return Buffer.concat([Buffer.from([...varint(number * 8 + 2), ...varint(body.length)]), body])
}

/** "caf" followed by a lone continuation byte, and an overlong "/": neither is UTF-8. */
const NOT_UTF8 = [Buffer.from([0x63, 0x61, 0x66, 0xa9]), Buffer.from([0xc0, 0xaf])]

/** Bytes that no protobuf decoder should accept. */
const MALFORMED: Record<string, Buffer> = {
  'length past the end': Buffer.from([0x0a, 0x05, 0x61]),
  'wire type 7': Buffer.from([0x0f, 0x01]),
  'wire type 6': Buffer.from([0x0e, 0x01]),
  'end group without a start': Buffer.from([0x0a, 0x01, 0x61, 0x0c, 0x12, 0x01, 0x62]),
  'zero tag, then more bytes': Buffer.from([0x0a, 0x01, 0x61, 0x00, 0x12, 0x01, 0x62]),
  'truncated varint': Buffer.from([0x10, 0x80]),
  'truncated fixed64': Buffer.from([0x09, 0x01, 0x02]),
  'varint of 11 bytes': Buffer.from([0x10, ...Array<number>(10).fill(0xff), 0x01]),
  'a JSON body': Buffer.from('{"text": "hello"}'),
}

// --- servers and a raw client --------------------------------------------------------------------

const servers: GrpcServer[] = []
const clients: Client[] = []
afterAll(async () => {
  for (const client of clients) client.close()
  await Promise.all(servers.map((server) => server.shutdown(1000)))
})

async function rawClient(config: Partial<ApiConfig> = {}): Promise<Client> {
  const server = createGrpcServer({ registry: tinyRegistry(), config })
  servers.push(server)
  const port = await server.listen('127.0.0.1', 0)
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure())
  clients.push(client)
  return client
}

const identity = (bytes: Buffer): Buffer => bytes

function unary<T>(
  client: Client,
  path: string,
  bytes: Buffer,
  decode: (bytes: Buffer) => T,
  metadata = new Metadata(),
): Promise<{ response?: T; error?: ServiceError }> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, identity, decode, bytes, metadata, (error, response) =>
      resolve(error ? { error } : { response: response as T }),
    )
  })
}

function refusedWith(outcome: { error?: ServiceError }, code: string): void {
  expect(outcome.error?.code).toBe(status.INVALID_ARGUMENT)
  expect(outcome.error?.metadata.get(TRAILER)).toEqual([code])
}

const classifyBytes = (request: Partial<ClassifyRequest>): Buffer =>
  Buffer.from(ClassifyRequest.encode(ClassifyRequest.create(request)).finish())
const streamBytes = (request: Partial<ClassifyStreamRequest>): Buffer =>
  Buffer.from(ClassifyStreamRequest.encode(ClassifyStreamRequest.create(request)).finish())
const decodeResponse = (bytes: Buffer) => ClassifyResponse.decode(bytes)

// --- the tests -----------------------------------------------------------------------------------

describe('unary calls', () => {
  let client: Client
  beforeAll(async () => {
    client = await rawClient({ benchmarkRoutes: true })
  })

  test('a text that is not UTF-8 is INVALID_ARGUMENT with ERR_TEXT_NOT_UTF8, never classified', async () => {
    for (const bad of NOT_UTF8) {
      const outcome = await unary(client, CLASSIFY, field(1, bad), decodeResponse)
      refusedWith(outcome, 'ERR_TEXT_NOT_UTF8')
      expect(outcome.error?.details).toBe('`text` is not valid UTF-8')
    }
    // Also after a long valid prefix, past the decoder's ASCII fast path.
    const long = Buffer.concat([Buffer.from(`${'é'.repeat(200)} ${'x'.repeat(5000)}`), NOT_UTF8[0] as Buffer])
    refusedWith(await unary(client, CLASSIFY, field(1, long), decodeResponse), 'ERR_TEXT_NOT_UTF8')
    // Also behind valid fields, and in `model`.
    const mixed = Buffer.concat([
      field(4, 'tiny'),
      Buffer.from([0x18, 0x01]),
      field(1, NOT_UTF8[0] as Buffer),
    ])
    refusedWith(await unary(client, CLASSIFY, mixed, decodeResponse), 'ERR_TEXT_NOT_UTF8')
    const badModel = await unary(
      client,
      CLASSIFY,
      Buffer.concat([field(1, 'hello'), field(4, NOT_UTF8[1] as Buffer)]),
      decodeResponse,
    )
    refusedWith(badModel, 'ERR_TEXT_NOT_UTF8')
    expect(badModel.error?.details).toBe('`model` is not valid UTF-8')
    // The benchmark service decodes the same messages with the same checks.
    refusedWith(
      await unary(client, ECHO, field(1, NOT_UTF8[0] as Buffer), decodeResponse),
      'ERR_TEXT_NOT_UTF8',
    )
  })

  test('valid UTF-8 of every width is classified as sent', async () => {
    const text = `${SPORTS[0]} é € 𝄞 \u{FFFD}`
    const outcome = await unary(client, CLASSIFY, field(1, text), decodeResponse)
    expect(outcome.error).toBeUndefined()
    expect(outcome.response?.label).toBe(tinyRegistry().get().classify(text).label)
  })

  test('bytes that are not a protobuf message are INVALID_ARGUMENT with ERR_REQUEST_INVALID', async () => {
    for (const [name, bytes] of Object.entries(MALFORMED)) {
      const outcome = await unary(client, CLASSIFY, bytes, decodeResponse)
      expect(outcome.error?.code, name).toBe(status.INVALID_ARGUMENT)
      expect(outcome.error?.metadata.get(TRAILER), name).toEqual(['ERR_REQUEST_INVALID'])
    }
    refusedWith(
      await unary(client, LIST_MODELS, MALFORMED['length past the end'] as Buffer, (bytes) =>
        ListModelsResponse.decode(bytes),
      ),
      'ERR_REQUEST_INVALID',
    )
  })

  test('Classify {} is INVALID_ARGUMENT with ERR_TEXT_INVALID; an empty text that is set is answered', async () => {
    const missing = await unary(client, CLASSIFY, Buffer.alloc(0), decodeResponse)
    refusedWith(missing, 'ERR_TEXT_INVALID')
    expect(missing.error?.details).toBe('`text` is required')
    refusedWith(
      await unary(client, CLASSIFY, classifyBytes({ top_k: 1 }), decodeResponse),
      'ERR_TEXT_INVALID',
    )
    refusedWith(await unary(client, ECHO, Buffer.alloc(0), decodeResponse), 'ERR_TEXT_INVALID')
    // `text: ""` is on the wire (field 1, length 0): classified from the priors, as REST does.
    const empty = await unary(client, CLASSIFY, classifyBytes({ text: '' }), decodeResponse)
    expect(classifyBytes({ text: '' })).toEqual(Buffer.from([0x0a, 0x00]))
    expect(empty.response?.label).toBe(tinyRegistry().get().classify('').label)
  })

  test('unknown fields of any wire type are still skipped', async () => {
    const bytes = Buffer.concat([
      field(1, TECH[0] as string),
      field(15, Buffer.from([0xff, 0xfe])), // an unknown bytes field is not a string we check
      Buffer.from([0x80, 0x01, 0x05]), // field 16, varint
      Buffer.from([0x85, 0x01, 1, 2, 3, 4]), // field 16, fixed32
      Buffer.from([0x81, 0x01, 1, 2, 3, 4, 5, 6, 7, 8]), // field 16, fixed64
      Buffer.from([0x83, 0x01, 0x08, 0x01, 0x84, 0x01]), // field 16, a group holding a varint
    ])
    const outcome = await unary(client, CLASSIFY, bytes, decodeResponse)
    expect(outcome.error).toBeUndefined()
    expect(outcome.response?.label).toBe('tech')
  })

  test('the API key is checked first: an unauthenticated client learns nothing about its bytes', async () => {
    const keyed = await rawClient({ apiKeys: ['k1'] })
    const outcome = await unary(keyed, CLASSIFY, field(1, NOT_UTF8[0] as Buffer), decodeResponse)
    expect(outcome.error?.code).toBe(status.UNAUTHENTICATED)
    const metadata = new Metadata()
    metadata.set('authorization', 'Bearer k1')
    refusedWith(
      await unary(keyed, CLASSIFY, field(1, NOT_UTF8[0] as Buffer), decodeResponse, metadata),
      'ERR_TEXT_NOT_UTF8',
    )
  })
})

describe('ClassifyStream', () => {
  test('a refused message gets an error response with its id; the stream goes on', async () => {
    const client = await rawClient()
    const call = client.makeBidiStreamRequest(CLASSIFY_STREAM, identity, (bytes: Buffer) =>
      ClassifyStreamResponse.decode(bytes),
    )
    const responses: ClassifyStreamResponse[] = []
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (response: ClassifyStreamResponse) => responses.push(response))
      call.on('end', resolve)
      call.on('error', reject)
    })
    call.write(streamBytes({ id: 'first', text: SPORTS[0] as string }))
    call.write(Buffer.concat([field(1, 'bad-text'), field(2, NOT_UTF8[0] as Buffer)]))
    call.write(Buffer.concat([field(1, NOT_UTF8[1] as Buffer), field(2, 'fine')]))
    call.write(Buffer.concat([field(1, 'cut'), Buffer.from([0x12, 0x09, 0x61])]))
    call.write(streamBytes({ id: 'no-text' }))
    call.write(streamBytes({ id: 'last', text: TECH[0] as string }))
    call.end()
    await done
    expect(
      responses.map((response) => [response.id, response.error?.code ?? response.result?.label]),
    ).toEqual([
      ['first', 'sports'],
      ['bad-text', 'ERR_TEXT_NOT_UTF8'],
      // An id that is not UTF-8 cannot be echoed: the response keeps its place in the order.
      ['', 'ERR_TEXT_NOT_UTF8'],
      // A message that cannot be read has no id to echo either.
      ['', 'ERR_REQUEST_INVALID'],
      ['no-text', 'ERR_TEXT_INVALID'],
      ['last', 'tech'],
    ])
    expect(responses[1]?.error?.message).toBe('`text` is not valid UTF-8')
    expect(responses[2]?.error?.message).toBe('`id` is not valid UTF-8')
  })
})

describe('the checked deserializer', () => {
  test('decodes valid messages exactly as the generated decoder does', () => {
    const deserialize = checkedDeserializer(CLASSIFY_STREAM_REQUEST)
    const samples: Partial<ClassifyStreamRequest>[] = [
      {},
      { id: 'a', text: '' },
      { id: '1', text: SPORTS[1] as string, top_k: 2, explain: true, model: 'other' },
      { text: 'x'.repeat(300), top_k: 0 },
      { id: '𝄞', text: 'naïve café – 東京 🚀' },
    ]
    for (const sample of samples) {
      const bytes = streamBytes(sample)
      const decoded = deserialize(bytes)
      expect(refusalOf(decoded)).toBeUndefined()
      expect(decoded).toEqual(ClassifyStreamRequest.decode(bytes))
    }
  })

  test('never throws, whatever the bytes; accepted strings round-trip to the same bytes', () => {
    const deserialize = checkedDeserializer(CLASSIFY_REQUEST)
    let seed = 42
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }
    let accepted = 0
    for (let round = 0; round < 20_000; round++) {
      // Mostly plausible messages: a text field with random bytes, sometimes cut or corrupted.
      const body = Buffer.from(
        Array.from({ length: Math.floor(random() * 12) }, () => Math.floor(random() * 256)),
      )
      let bytes = field(1, body)
      if (random() < 0.3) bytes = bytes.subarray(0, Math.floor(random() * bytes.length))
      if (random() < 0.3) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256)
      const decoded = deserialize(bytes)
      const refusal = refusalOf(decoded)
      if (refusal !== undefined) {
        expect(['ERR_TEXT_NOT_UTF8', 'ERR_REQUEST_INVALID']).toContain(refusal.code)
        continue
      }
      accepted++
      const text = decoded.text ?? ''
      // Whatever was accepted as the text was valid UTF-8: encoding it again gives its bytes back.
      const start = bytes.indexOf(Buffer.from(text, 'utf8'))
      expect(start === -1 && text !== '' ? 'not round-tripped' : 'ok').toBe('ok')
    }
    expect(accepted).toBeGreaterThan(100)
  })
})
