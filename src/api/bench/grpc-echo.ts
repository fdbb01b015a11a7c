/**
 * Benchmark-only `topicstream.bench.v1.Echo`: the Classifier's transport work (decode, text check,
 * encode a classification-shaped response) without the engine. Added only with benchmark routes on.
 */
import type { ApiConfig } from '../api-config.js'
import { type TextCheck, createTextCheck } from '../classify-service.js'
import { ECHO_RESULT } from './echo-result.js'
import { type CallContext, serveStream, unary } from '../grpc/call-handlers.js'
import type { EchoServer } from '../grpc/generated/topicstream/bench/v1/echo.js'
import { toProtoResponse } from '../grpc/proto-mapping.js'

export function createEchoService(config: ApiConfig, context: CallContext): EchoServer {
  const checkText: TextCheck = createTextCheck(config.maxTextBytes)
  const response = toProtoResponse(ECHO_RESULT)
  const echo = (text: string | undefined) => {
    checkText(text)
    return response
  }
  return {
    echo(call, callback) {
      unary('Echo', call, callback, context, () => echo(call.request.text))
    },
    echoStream(call) {
      serveStream('EchoStream', call, context, (request) => echo(request.text))
    },
  }
}
