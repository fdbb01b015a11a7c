/**
 * Bidirectional streams: one response per request, written in request order (classification is
 * synchronous, so answering inside 'data' keeps the order). A request that fails gets an `error`
 * response with its id and the stream stays open. Back-pressure: reading pauses while the client
 * is not draining responses.
 */
import type { ServerDuplexStream } from '@grpc/grpc-js'
import { toTopicstreamError } from '../../errors.js'
import type { ApiMetrics } from '../metrics.js'
import type {
  ClassifyResponse,
  ClassifyStreamRequest,
  ClassifyStreamResponse,
} from './generated/topicstream/v1/classifier.js'
import { grpcStatusOf } from './grpc-errors.js'

export type StreamStep = (request: ClassifyStreamRequest) => ClassifyResponse

/** Counts open streams; `size` must return to 0 once every client has gone, however it left. */
export class StreamTracker {
  readonly #open = new Set<ServerDuplexStream<ClassifyStreamRequest, ClassifyStreamResponse>>()
  readonly #metrics: ApiMetrics

  constructor(metrics: ApiMetrics) {
    this.#metrics = metrics
  }

  get size(): number {
    return this.#open.size
  }

  add(call: ServerDuplexStream<ClassifyStreamRequest, ClassifyStreamResponse>): void {
    this.#open.add(call)
    this.#metrics.grpcActiveStreams.inc()
    // 'close' follows a normal end, a client cancel and an error alike.
    call.once('close', () => {
      if (this.#open.delete(call)) this.#metrics.grpcActiveStreams.dec()
    })
  }
}

export function serveStream(
  call: ServerDuplexStream<ClassifyStreamRequest, ClassifyStreamResponse>,
  method: string,
  step: StreamStep,
  metrics: ApiMetrics,
): void {
  call.on('data', (request: ClassifyStreamRequest) => {
    let response: ClassifyStreamResponse
    try {
      response = { id: request.id, result: step(request) }
      metrics.grpcRequests.inc({ method, code: 'OK' })
    } catch (error) {
      const ours = toTopicstreamError(error)
      response = { id: request.id, error: { code: ours.code, message: ours.message } }
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
