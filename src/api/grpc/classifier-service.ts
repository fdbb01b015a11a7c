/**
 * `topicstream.v1.Classifier`: Classify, ClassifyStream and ListModels over the shared registry,
 * and Feedback and FeedbackStream (feedback-calls.ts).
 */
import type { ModelRegistry } from '../../engine/model-registry.js'
import type { ClassifyFn } from '../classify-service.js'
import { type CallContext, serveStream, unary } from './call-handlers.js'
import { type FeedbackCallsOptions, createFeedbackCalls } from './feedback-calls.js'
import type { ClassifierServer } from './generated/topicstream/v1/classifier.js'
import { fromProtoRequest, toProtoModelInfo, toProtoResponse } from './proto-mapping.js'

export function createClassifierService(
  registry: ModelRegistry,
  classify: ClassifyFn,
  context: CallContext,
  feedback: FeedbackCallsOptions,
): ClassifierServer {
  return {
    ...createFeedbackCalls(feedback, context),
    classify(call, callback) {
      unary('Classify', call, callback, context, () =>
        toProtoResponse(classify(fromProtoRequest(call.request))),
      )
    },
    classifyStream(call) {
      serveStream('ClassifyStream', call, context, (request) =>
        toProtoResponse(classify(fromProtoRequest(request))),
      )
    },
    listModels(call, callback) {
      unary('ListModels', call, callback, context, () => ({
        models: registry.list().map(toProtoModelInfo),
      }))
    },
  }
}
