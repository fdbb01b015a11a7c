/**
 * What every gRPC method shares, whichever service it belongs to: the API key check, metrics,
 * error mapping, and for bidirectional streams ordering, back-pressure and open-stream tracking.
 *
 * Streams answer one response per request, in request order (classification is synchronous, so
 * answering inside 'data' keeps the order). A request that fails gets an `error` response with its
 * id and the stream stays open. Reading pauses while the client is not draining responses.
 *
 * Requests the checked deserializers refused (invalid UTF-8, not protobuf; see request-checks.ts)
 * fail here, after the API key check, like any other invalid request.
 */
import { type Metadata, type ServerDuplexStream, type sendUnaryData, status } from '@grpc/grpc-js'
import { TopicstreamError, toTopicstreamError } from '../../errors.js'
import type { KeyChecker } from '../api-keys.js'
import type { ApiMetrics } from '../metrics.js'
import type {
  ClassifyResponse,
  ClassifyStreamRequest,
  ClassifyStreamResponse,
} from './generated/topicstream/v1/classifier.js'
import { grpcStatusOf, publicMessage, toServiceError } from './grpc-errors.js'
import { refusalOf } from './request-checks.js'

type ClassifyStreamCall = ServerDuplexStream<ClassifyStreamRequest, ClassifyStreamResponse>

export type Authorize = (metadata: Metadata) => void

/** What a service needs to run its calls; one per server, shared by all its services. */
export interface CallContext {
  readonly metrics: ApiMetrics
  readonly authorize: Authorize
  readonly streams: StreamTracker
}

export function createCallContext(metrics: ApiMetrics, checkKey: KeyChecker | undefined): CallContext {
  return { metrics, authorize: createAuthorize(checkKey), streams: new StreamTracker(metrics) }
}

/** `authorization: Bearer KEY` metadata, checked like the REST header. */
function createAuthorize(checkKey: KeyChecker | undefined): Authorize {
  if (checkKey === undefined) return () => undefined
  return (metadata) => {
    const value = metadata.get('authorization')[0]
    if (!checkKey(typeof value === 'string' ? value : undefined)) {
      throw new TopicstreamError(
        'ERR_UNAUTHENTICATED',
        'A valid API key is required (authorization: Bearer KEY)',
      )
    }
  }
}

/** Throws the error a checked deserializer attached to `request`, if any. */
export function throwIfRefused(request: unknown): void {
  const refusal = refusalOf(request)
  if (refusal !== undefined) throw refusal
}

/**
 * Runs a unary call: authorizes, refuses a request its deserializer refused, answers or maps the
 * error, and records count and latency.
 */
export function unary<T>(
  method: string,
  call: { readonly metadata: Metadata; readonly request: unknown },
  callback: sendUnaryData<T>,
  context: CallContext,
  run: () => T,
): void {
  const start = performance.now()
  let code = status.OK
  try {
    context.authorize(call.metadata)
    throwIfRefused(call.request)
    callback(null, run())
  } catch (error) {
    const serviceError = toServiceError(error)
    code = serviceError.code
    callback(serviceError)
  }
  const labels = { method, code: String(code) }
  context.metrics.grpcRequests.inc(labels)
  context.metrics.grpcDuration.observe(labels, (performance.now() - start) / 1000)
}

/**
 * `unary` for a call that waits on I/O (feedback waits for Kafka): the same checks, metrics and
 * error mapping. Kept apart so the classification hot path stays synchronous.
 */
export function unaryAsync<T>(
  method: string,
  call: { readonly metadata: Metadata; readonly request: unknown },
  callback: sendUnaryData<T>,
  context: CallContext,
  run: () => Promise<T>,
): void {
  const start = performance.now()
  const answered = (code: status): void => {
    const labels = { method, code: String(code) }
    context.metrics.grpcRequests.inc(labels)
    context.metrics.grpcDuration.observe(labels, (performance.now() - start) / 1000)
  }
  const fail = (error: unknown): void => {
    const serviceError = toServiceError(error)
    callback(serviceError)
    answered(serviceError.code)
  }
  try {
    context.authorize(call.metadata)
    throwIfRefused(call.request)
  } catch (error) {
    fail(error)
    return
  }
  run().then((response) => {
    callback(null, response)
    answered(status.OK)
  }, fail)
}

/** Counts open streams; `size` must return to 0 once every client has gone, however it left. */
export class StreamTracker {
  readonly #open = new Set<object>()
  readonly #metrics: ApiMetrics

  constructor(metrics: ApiMetrics) {
    this.#metrics = metrics
  }

  get size(): number {
    return this.#open.size
  }

  add(call: ClassifyStreamCall): void {
    this.#open.add(call)
    this.#metrics.grpcActiveStreams.inc()
    // 'close' follows a normal end, a client cancel and an error alike.
    call.once('close', () => this.#release(call))
  }

  /**
   * Counts a client-streaming call, whose stream object never closes on its own (its writable side
   * is never ended); the returned function, idempotent, releases it once the call is over.
   */
  open(call: object): () => void {
    this.#open.add(call)
    this.#metrics.grpcActiveStreams.inc()
    return () => this.#release(call)
  }

  #release(call: object): void {
    if (this.#open.delete(call)) this.#metrics.grpcActiveStreams.dec()
  }
}

export type StreamStep = (request: ClassifyStreamRequest) => ClassifyResponse

/** Tracks and authorizes a stream, then answers each request with `step`. */
export function serveStream(
  method: string,
  call: ClassifyStreamCall,
  context: CallContext,
  step: StreamStep,
): void {
  const { metrics } = context
  context.streams.add(call)
  try {
    context.authorize(call.metadata)
  } catch (error) {
    call.emit('error', toServiceError(error))
    return
  }
  call.on('data', (request: ClassifyStreamRequest) => {
    let response: ClassifyStreamResponse
    try {
      throwIfRefused(request)
      response = { id: request.id, result: step(request) }
      metrics.grpcRequests.inc({ method, code: 'OK' })
    } catch (error) {
      const ours = toTopicstreamError(error)
      response = { id: request.id, error: { code: ours.code, message: publicMessage(ours) } }
      metrics.grpcRequests.inc({ method, code: String(grpcStatusOf(ours)) })
    }
    if (!call.write(response)) {
      call.pause()
      call.once('drain', () => call.resume())
    }
  })
  call.on('end', () => call.end())
  // A cancelled or broken stream is destroyed by grpc-js; nothing else to release here.
  call.on('error', () => undefined)
}
