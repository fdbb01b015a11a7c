/** `topicstream.v1.Classifier`: Classify, ClassifyStream and ListModels over the shared registry. */
import { type Metadata, type sendUnaryData, status } from '@grpc/grpc-js'
import type { ModelRegistry } from '../../engine/model-registry.js'
import { TopicstreamError } from '../../errors.js'
import type { ClassifyFn } from '../classify-service.js'
import type { KeyChecker } from '../api-keys.js'
import type { ApiMetrics } from '../metrics.js'
import type { ClassifierServer } from './generated/topicstream/v1/classifier.js'
import { toServiceError } from './grpc-errors.js'
import { fromProtoRequest, toProtoModelInfo, toProtoResponse } from './proto-mapping.js'
import { type StreamTracker, serveStream } from './stream-handler.js'

export interface ClassifierServiceOptions {
  readonly registry: ModelRegistry
  readonly classify: ClassifyFn
  readonly metrics: ApiMetrics
  readonly checkKey: KeyChecker | undefined
  readonly streams: StreamTracker
}

export function createClassifierService(options: ClassifierServiceOptions): ClassifierServer {
  const { registry, classify, metrics, checkKey, streams } = options
  const authorize = createAuthorize(checkKey)
  return {
    classify(call, callback) {
      unary('Classify', metrics, callback, () => {
        authorize(call.metadata)
        return toProtoResponse(classify(fromProtoRequest(call.request)))
      })
    },
    classifyStream(call) {
      streams.add(call)
      try {
        authorize(call.metadata)
      } catch (error) {
        call.emit('error', toServiceError(error))
        return
      }
      serveStream(
        call,
        'ClassifyStream',
        (request) => toProtoResponse(classify(fromProtoRequest(request))),
        metrics,
      )
    },
    listModels(call, callback) {
      unary('ListModels', metrics, callback, () => {
        authorize(call.metadata)
        return { models: registry.list().map(toProtoModelInfo) }
      })
    },
  }
}

export function unary<T>(
  method: string,
  metrics: ApiMetrics,
  callback: sendUnaryData<T>,
  run: () => T,
): void {
  const start = performance.now()
  let code = status.OK
  try {
    callback(null, run())
  } catch (error) {
    const serviceError = toServiceError(error)
    code = serviceError.code
    callback(serviceError)
  }
  const labels = { method, code: String(code) }
  metrics.grpcRequests.inc(labels)
  metrics.grpcDuration.observe(labels, (performance.now() - start) / 1000)
}

/** `authorization: Bearer KEY` metadata, checked like the REST header. */
export function createAuthorize(checkKey: KeyChecker | undefined): (metadata: Metadata) => void {
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
