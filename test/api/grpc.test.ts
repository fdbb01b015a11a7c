import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import {
  type ChannelCredentials,
  type Client,
  type ClientDuplexStream,
  Metadata,
  type ServiceError,
  credentials,
  loadPackageDefinition,
  status,
} from '@grpc/grpc-js'
import { loadSync } from '@grpc/proto-loader'
import { protoPath as healthProtoPath } from 'grpc-health-check'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ECHO_RESULT } from '../../src/api/bench/echo-result.js'
import { EchoClient } from '../../src/api/grpc/generated/topicstream/bench/v1/echo.js'
import {
  ClassifierClient,
  type ClassifyRequest,
  type ClassifyResponse,
  type ClassifyStreamResponse,
} from '../../src/api/grpc/generated/topicstream/v1/classifier.js'
import { type GrpcServer, createGrpcServer } from '../../src/api/grpc/grpc-server.js'
import type { ApiConfig } from '../../src/api/api-config.js'
import { ModelRegistry } from '../../src/engine/model-registry.js'
import { waitFor } from '../helpers/poll.js'
import { FOOD, SPORTS, TECH, tinyRegistry, trainTinyModel } from './helpers.js'

interface Running {
  readonly server: GrpcServer
  readonly address: string
  readonly registry: ModelRegistry
}

const running: Running[] = []
const clients: { close(): void }[] = []
afterAll(async () => {
  for (const client of clients) client.close()
  await Promise.all(running.map(({ server }) => server.shutdown(1000)))
})

async function start(config: Partial<ApiConfig> = {}, registry = tinyRegistry()): Promise<Running> {
  const server = createGrpcServer({ registry, config })
  const port = await server.listen('127.0.0.1', 0)
  const result = { server, address: `127.0.0.1:${port}`, registry }
  running.push(result)
  return result
}

function client(address: string): ClassifierClient {
  const created = new ClassifierClient(address, credentials.createInsecure())
  clients.push(created)
  return created
}

function classify(target: ClassifierClient, request: Partial<ClassifyRequest>, metadata = new Metadata()) {
  return new Promise<ClassifyResponse>((resolve, reject) => {
    target.classify({ text: '', explain: false, model: '', ...request }, metadata, (error, response) =>
      error ? reject(error) : resolve(response),
    )
  })
}

async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise
  } catch (error) {
    return error as ServiceError
  }
  throw new Error('expected the call to fail')
}

type ReflectionClient = Client & {
  ServerReflectionInfo(): ClientDuplexStream<Record<string, string>, ReflectionResponse>
}

interface ReflectionResponse {
  list_services_response?: { service: { name: string }[] }
  file_descriptor_response?: { file_descriptor_proto: Uint8Array[] }
}

type HealthClient = Client & {
  check(
    request: { service: string },
    callback: (error: ServiceError | null, response: { status: string }) => void,
  ): void
}

function healthClient(address: string): HealthClient {
  const loaded = loadPackageDefinition(loadSync(healthProtoPath, { enums: String })) as unknown as {
    grpc: {
      health: {
        v1: {
          Health: new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => HealthClient
        }
      }
    }
  }
  return new loaded.grpc.health.v1.Health(address, credentials.createInsecure())
}

describe('Classify (unary)', () => {
  let target: Running
  let stub: ClassifierClient
  beforeAll(async () => {
    target = await start({ maxTextBytes: 64 })
    stub = client(target.address)
  })

  test('carries exactly the engine classification and the model', async () => {
    const engine = target.registry.get()
    for (const text of [SPORTS[0], TECH[1], FOOD[2], '']) {
      const expected = engine.classify(text as string)
      const response = await classify(stub, { text })
      expect(response).toEqual({
        label: expected.label,
        confidence: expected.confidence,
        abstained: false,
        top_k: expected.top_k,
        explanation: [],
        model: { name: 'tiny', version: engine.metadata.version },
      })
    }
    const explained = await classify(stub, {
      text: 'the striker scored',
      top_k: 1,
      explain: true,
      model: 'other',
    })
    const other = target.registry.get('other').classify('the striker scored', { topK: 1, explain: true })
    expect(explained.top_k).toEqual(other.top_k)
    expect(explained.explanation).toEqual(other.explanation)
    expect(explained.model?.name).toBe('other')
  })

  test('under --min-confidence: no label, abstained, the top-k kept', async () => {
    const abstaining = await start({ minConfidence: 0.99 })
    const stub = client(abstaining.address)
    const engine = abstaining.registry.get()
    const text = SPORTS[0] as string
    const response = await classify(stub, { text })
    expect(response.label).toBeUndefined()
    expect(response.abstained).toBe(true)
    expect(response.top_k).toEqual(engine.classify(text).top_k)
    expect(response.confidence).toBe(engine.classify(text).confidence)
    const confident = client((await start({ minConfidence: 0.01 })).address)
    expect(await classify(confident, { text })).toMatchObject({
      label: engine.classify(text).label,
      abstained: false,
    })
  })

  test('maps errors to gRPC statuses with the code in the trailer', async () => {
    const tooLarge = await failure(classify(stub, { text: 'x'.repeat(65) }))
    expect(tooLarge.code).toBe(status.INVALID_ARGUMENT)
    expect(tooLarge.metadata.get('topicstream-error-code')).toEqual(['ERR_TEXT_TOO_LARGE'])
    const unknown = await failure(classify(stub, { text: 'hi', model: 'nope' }))
    expect(unknown.code).toBe(status.NOT_FOUND)
    expect(unknown.metadata.get('topicstream-error-code')).toEqual(['ERR_MODEL_NOT_FOUND'])
    const badTopK = await failure(classify(stub, { text: 'hi', top_k: 0 }))
    expect(badTopK.code).toBe(status.INVALID_ARGUMENT)
  })

  test('UNAVAILABLE while models load', async () => {
    const registry = new ModelRegistry([{ name: 'slow', path: 'slow.tsmodel' }], {
      load: () => new Promise(() => undefined),
    })
    const loading = await start({}, registry)
    const error = await failure(classify(client(loading.address), { text: 'hi' }))
    expect(error.code).toBe(status.UNAVAILABLE)
  })

  test('messages over the configured size are RESOURCE_EXHAUSTED', async () => {
    const small = await start({ grpcMaxMessageBytes: 1024, maxTextBytes: 1 << 20 })
    const error = await failure(classify(client(small.address), { text: 'y'.repeat(4096) }))
    expect(error.code).toBe(status.RESOURCE_EXHAUSTED)
  })
})

describe('ClassifyStream', () => {
  test('one response per request, in order, echoing ids; a bad request gets an error and the stream goes on', async () => {
    const target = await start({ maxTextBytes: 100 })
    const stub = client(target.address)
    const engine = target.registry.get()
    const call = stub.classifyStream()
    const responses: ClassifyStreamResponse[] = []
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (response: ClassifyStreamResponse) => responses.push(response))
      call.on('end', resolve)
      call.on('error', reject)
    })
    const texts = [...SPORTS, ...TECH, ...FOOD]
    texts.forEach((text, i) => {
      call.write({ id: `r${i}`, text, explain: false, model: '' })
      if (i === 3) call.write({ id: 'too-large', text: 'z'.repeat(101), explain: false, model: '' })
      if (i === 5) call.write({ id: 'no-model', text, explain: false, model: 'nope' })
    })
    call.end()
    await done
    expect(responses).toHaveLength(texts.length + 2)
    const ids = responses.map((response) => response.id)
    expect(ids.slice(0, 5)).toEqual(['r0', 'r1', 'r2', 'r3', 'too-large'])
    expect(responses.find((response) => response.id === 'too-large')).toEqual({
      id: 'too-large',
      error: { code: 'ERR_TEXT_TOO_LARGE', message: expect.any(String) },
    })
    expect(responses.find((response) => response.id === 'no-model')?.error?.code).toBe('ERR_MODEL_NOT_FOUND')
    const results = responses.filter((response) => response.result !== undefined)
    expect(results.map((response) => response.id)).toEqual(texts.map((_, i) => `r${i}`))
    results.forEach((response, i) => {
      expect(response.result?.label).toBe(engine.classify(texts[i] as string).label)
      expect(response.result?.confidence).toBe(engine.classify(texts[i] as string).confidence)
    })
  })

  test('clients that cancel streams leak nothing: the open-stream count returns to 0', async () => {
    const target = await start()
    const stub = client(target.address)
    const calls = Array.from({ length: 50 }, (_, i) => {
      const call = stub.classifyStream()
      call.on('error', () => undefined)
      call.write({ id: String(i), text: SPORTS[0] as string, explain: false, model: '' })
      return call
    })
    await waitFor(() => target.server.activeStreams === 50, { timeoutMs: 10_000 })
    calls.forEach((call, i) => (i % 2 === 0 ? call.cancel() : call.end()))
    await waitFor(() => target.server.activeStreams === 0, { timeoutMs: 10_000 })
    expect(target.server.activeStreams).toBe(0)
  })
})

describe('ListModels, health and reflection', () => {
  test('ListModels lists every model with its metadata', async () => {
    const target = await start()
    const response = await new Promise<{
      models: { name: string; is_default: boolean; version: string; classes: string[] }[]
    }>((resolve, reject) =>
      client(target.address).listModels({}, (error, value) => (error ? reject(error) : resolve(value))),
    )
    expect(response.models.map((model) => [model.name, model.is_default])).toEqual([
      ['tiny', true],
      ['other', false],
    ])
    expect(response.models[0]?.version).toBe(target.registry.get().metadata.version)
    expect(response.models[0]?.classes).toEqual(['food', 'sports', 'tech'])
  })

  test('grpc.health.v1 reports NOT_SERVING until models load, then SERVING; unavailable after shutdown', async () => {
    let finishLoading: (model: ReturnType<typeof trainTinyModel>) => void = () => undefined
    const loaded = new Promise<ReturnType<typeof trainTinyModel>>((resolve) => (finishLoading = resolve))
    const registry = new ModelRegistry([{ name: 'm', path: 'm.tsmodel' }], { load: () => loaded })
    const target = await start({}, registry)
    const health = healthClient(target.address)
    clients.push(health)
    const check = (service: string) =>
      new Promise<string>((resolve, reject) =>
        health.check({ service }, (error: ServiceError | null, response: { status: string }) =>
          error ? reject(error) : resolve(response.status),
        ),
      )
    expect(await check('topicstream.v1.Classifier')).toBe('NOT_SERVING')
    const loading = registry.loadAll()
    finishLoading(trainTinyModel())
    await loading
    target.server.refreshHealth()
    expect(await check('')).toBe('SERVING')
    expect(await check('topicstream.v1.Classifier')).toBe('SERVING')
    await target.server.shutdown(1000)
    const afterShutdown = await check('').catch((error: ServiceError) => error.code)
    expect(afterShutdown).toBe(status.UNAVAILABLE)
  })

  test('server reflection lists the services and describes them with the proto field names', async () => {
    const target = await start()
    const reflectionProto = join(
      dirname(fileURLToPath(import.meta.resolve('@grpc/reflection'))),
      '../proto/grpc/reflection/v1/reflection.proto',
    )
    const loaded = loadPackageDefinition(loadSync(reflectionProto, { keepCase: true })) as unknown as {
      grpc: {
        reflection: {
          v1: { ServerReflection: new (address: string, creds: ChannelCredentials) => ReflectionClient }
        }
      }
    }
    const reflection = new loaded.grpc.reflection.v1.ServerReflection(
      target.address,
      credentials.createInsecure(),
    )
    clients.push(reflection)
    const ask = (request: Record<string, string>) =>
      new Promise<ReflectionResponse>((resolve, reject) => {
        const call = reflection.ServerReflectionInfo()
        call.on('data', (response: ReflectionResponse) => {
          resolve(response)
          call.end()
        })
        call.on('error', reject)
        call.write(request)
      })
    const listed = await ask({ list_services: '' })
    expect(listed.list_services_response?.service.map((service) => service.name)).toEqual(
      expect.arrayContaining(['grpc.health.v1.Health', 'topicstream.v1.Classifier']),
    )
    const described = await ask({ file_containing_symbol: 'topicstream.v1.Classifier' })
    const files = described.file_descriptor_response?.file_descriptor_proto ?? []
    const text = files.map((file) => Buffer.from(file).toString('latin1')).join('')
    expect(text).toContain('ClassifyStream')
    expect(text).toContain('top_k')
  })

  const grpcurl = [process.env.GRPCURL, join(homedir(), 'go', 'bin', 'grpcurl')].find(
    (path) => path !== undefined && existsSync(path),
  )
  test.skipIf(grpcurl === undefined)(
    'reflection lets grpcurl list, describe and call without the proto',
    async () => {
      const target = await start({ apiKeys: ['secret-key'] })
      const run = async (...args: string[]) =>
        (await promisify(execFile)(grpcurl as string, ['-plaintext', ...args], { timeout: 20_000 })).stdout
      const services = await run(target.address, 'list')
      expect(services.split('\n')).toEqual(
        expect.arrayContaining(['grpc.health.v1.Health', 'topicstream.v1.Classifier']),
      )
      expect(services).not.toContain('topicstream.bench')
      expect(await run(target.address, 'describe', 'topicstream.v1.Classifier')).toContain(
        'rpc ClassifyStream',
      )
      const reply = JSON.parse(
        await run(
          '-H',
          'authorization: Bearer secret-key',
          '-d',
          JSON.stringify({ text: SPORTS[0], top_k: 2 }),
          target.address,
          'topicstream.v1.Classifier/Classify',
        ),
      )
      expect(reply.label).toBe(target.registry.get().classify(SPORTS[0] as string).label)
      // Field names as in the proto and REST, not camelCase.
      expect(reply.top_k).toHaveLength(2)
      const health = JSON.parse(await run(target.address, 'grpc.health.v1.Health/Check'))
      expect(health.status).toBe('SERVING')
    },
  )
})

describe('API keys and the benchmark service', () => {
  test('calls need authorization metadata when keys are configured; streams fail as a whole', async () => {
    const target = await start({ apiKeys: ['k1'] })
    const stub = client(target.address)
    const denied = await failure(classify(stub, { text: 'hi' }))
    expect(denied.code).toBe(status.UNAUTHENTICATED)
    const metadata = new Metadata()
    metadata.set('authorization', 'Bearer k1')
    expect((await classify(stub, { text: SPORTS[0] }, metadata)).label).toBe('sports')
    const call = stub.classifyStream()
    const streamError = await new Promise<ServiceError>((resolve) => {
      call.on('error', resolve)
      call.on('data', () => undefined)
      call.write({ id: '1', text: 'hi', explain: false, model: '' })
    })
    expect(streamError.code).toBe(status.UNAUTHENTICATED)
    await waitFor(() => target.server.activeStreams === 0, { timeoutMs: 10_000 })
  })

  test('the Echo service exists only with benchmark routes', async () => {
    const plain = await start()
    const echoOnPlain = new EchoClient(plain.address, credentials.createInsecure())
    clients.push(echoOnPlain)
    const missing = await failure(
      new Promise((resolve, reject) =>
        echoOnPlain.echo({ text: 'hi', explain: false, model: '' }, (error, value) =>
          error ? reject(error) : resolve(value),
        ),
      ),
    )
    expect(missing.code).toBe(status.UNIMPLEMENTED)

    const bench = await start({ benchmarkRoutes: true })
    const echo = new EchoClient(bench.address, credentials.createInsecure())
    clients.push(echo)
    const response = await new Promise<ClassifyResponse>((resolve, reject) =>
      echo.echo({ text: 'hi', explain: false, model: '' }, (error, value) =>
        error ? reject(error) : resolve(value),
      ),
    )
    expect(response.model).toEqual(ECHO_RESULT.model)
    expect(response.top_k).toEqual(ECHO_RESULT.top_k)
  })
})
