/**
 * Benchmark-only `topicstream.bench.v1.Echo`: the Classifier's transport work (decode, text check,
 * encode a classification-shaped response) without the engine. Added only with benchmark routes on.
 */
import type { ApiConfig } from '../api-config.js'
import type { KeyChecker } from '../api-keys.js'
import { ECHO_RESULT, type TextCheck, createTextCheck } from '../classify-service.js'
import type { ApiMetrics } from '../metrics.js'
import type { EchoServer } from './generated/topicstream/bench/v1/echo.js'
import { createAuthorize, unary } from './classifier-service.js'
import { toProtoResponse } from './proto-mapping.js'
import { type StreamTracker, serveStream } from './stream-handler.js'
import { toServiceError } from './grpc-errors.js'

export function createEchoService(
  config: ApiConfig,
  metrics: ApiMetrics,
  checkKey: KeyChecker | undefined,
  streams: StreamTracker,
): EchoServer {
  const checkText: TextCheck = createTextCheck(config.maxTextBytes)
  const authorize = createAuthorize(checkKey)
  const response = toProtoResponse(ECHO_RESULT)
  return {
    echo(call, callback) {
      unary('Echo', metrics, callback, () => {
        authorize(call.metadata)
        checkText(call.request.text)
        return response
      })
    },
    echoStream(call) {
      streams.add(call)
      try {
        authorize(call.metadata)
      } catch (error) {
        call.emit('error', toServiceError(error))
        return
      }
      serveStream(
        call,
        'EchoStream',
        (request) => {
          checkText(request.text)
          return response
        },
        metrics,
      )
    },
  }
}
