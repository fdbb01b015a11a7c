/**
 * `createGrpcServer` builds the gRPC server (Classifier with feedback, standard health, server reflection and,
 * with benchmark routes on, the Echo service) without binding; `listen` and `shutdown` are explicit.
 */
import { fileURLToPath } from 'node:url'
import { Server, ServerCredentials } from '@grpc/grpc-js'
import { loadSync } from '@grpc/proto-loader'
import { ReflectionService } from '@grpc/reflection'
import { HealthImplementation } from 'grpc-health-check'
import type { ModelRegistry } from '../../engine/model-registry.js'
import { TopicstreamError } from '../../errors.js'
import { DEFAULT_MAX_LABEL_BYTES } from '../../learning/feedback.js'
import { type FeedbackOptions, feedbackIntake } from '../../learning/feedback-sink.js'
import { type ApiConfig, resolveApiConfig } from '../api-config.js'
import { createKeyChecker } from '../api-keys.js'
import { createClassify } from '../classify-service.js'
import { type ApiMetrics, createMetrics } from '../metrics.js'
import { createCallContext } from './call-handlers.js'
import { createClassifierService } from './classifier-service.js'
import { createEchoService } from '../bench/grpc-echo.js'
import { EchoService } from './generated/topicstream/bench/v1/echo.js'
import { ClassifierService } from './generated/topicstream/v1/classifier.js'
import {
  CLASSIFY_REQUEST,
  CLASSIFY_STREAM_REQUEST,
  FEEDBACK_REQUEST,
  LIST_MODELS_REQUEST,
  withCheckedRequests,
} from './request-checks.js'

export const CLASSIFIER_SERVICE_NAME = 'topicstream.v1.Classifier'

/** `proto/` at the package root: three levels above both src/api/grpc/ and dist/api/grpc/. */
export const PROTO_DIR = fileURLToPath(new URL('../../../proto/', import.meta.url))

export interface GrpcServerOptions {
  readonly registry: ModelRegistry
  readonly config?: Partial<ApiConfig>
  readonly metrics?: ApiMetrics
  /**
   * When health reports SERVING (default: every model is loaded). `startServer` passes the
   * readiness /readyz reports, which also covers the embedded Kafka bridge and closing.
   */
  readonly isReady?: () => boolean
  /**
   * Where Feedback and FeedbackStream write accepted items; without it they answer
   * FAILED_PRECONDITION (ERR_FEEDBACK_UNAVAILABLE). `startServer` passes the REST API's intake, so
   * both count into the same statistics.
   */
  readonly feedback?: FeedbackOptions
}

export interface GrpcServer {
  readonly server: Server
  /** Binds (port 0 picks a free one) and resolves to the bound port. */
  listen(host: string, port: number): Promise<number>
  /** Open ClassifyStream/FeedbackStream/EchoStream calls. */
  readonly activeStreams: number
  /** Re-reads readiness into the health service (also done every second while listening). */
  refreshHealth(): void
  /**
   * Stops accepting calls, lets running calls and streams finish for up to `graceMs`, then cancels
   * whatever is left. Health reports NOT_SERVING from the first moment.
   */
  shutdown(graceMs: number): Promise<void>
}

export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  const config = resolveApiConfig(options.config)
  const metrics = options.metrics ?? createMetrics()
  const { registry } = options
  const context = createCallContext(metrics, createKeyChecker(config.apiKeys))
  const intake = feedbackIntake(options.feedback)

  const server = new Server({
    'grpc.max_receive_message_length': config.grpcMaxMessageBytes,
    'grpc.max_send_message_length': config.grpcMaxMessageBytes,
  })
  // Checked deserializers: invalid UTF-8 and non-protobuf bytes are refused, never decoded lossily.
  server.addService(
    withCheckedRequests(ClassifierService, {
      classify: CLASSIFY_REQUEST,
      classifyStream: CLASSIFY_STREAM_REQUEST,
      listModels: LIST_MODELS_REQUEST,
      feedback: FEEDBACK_REQUEST,
      feedbackStream: FEEDBACK_REQUEST,
    }),
    createClassifierService(registry, createClassify(registry, config, metrics), context, {
      registry,
      limits: {
        maxTextBytes: config.maxTextBytes,
        maxLabelBytes: intake?.maxLabelBytes ?? DEFAULT_MAX_LABEL_BYTES,
      },
      maxBatch: config.maxBatch,
      // Headroom for the reply's own fields and framing.
      maxReplyBytes: Math.max(0, config.grpcMaxMessageBytes - 1024),
      intake,
    }),
  )
  const protoFiles = ['grpc/health/v1/health.proto', 'topicstream/v1/classifier.proto']
  if (config.benchmarkRoutes) {
    // The same checks as the Classifier, so the benchmark measures the same transport work.
    server.addService(
      withCheckedRequests(EchoService, { echo: CLASSIFY_REQUEST, echoStream: CLASSIFY_STREAM_REQUEST }),
      createEchoService(config, context),
    )
    protoFiles.push('topicstream/bench/v1/echo.proto')
  }

  const health = new HealthImplementation({ '': 'NOT_SERVING', [CLASSIFIER_SERVICE_NAME]: 'NOT_SERVING' })
  health.addToServer(server)
  // keepCase: reflection clients must see the proto's own field names (top_k), not camelCase.
  const described = loadSync(protoFiles, { keepCase: true, includeDirs: [PROTO_DIR, `${PROTO_DIR}vendor`] })
  new ReflectionService(described).addToServer(server)

  const isReady = options.isReady ?? (() => registry.isReady())
  let timer: NodeJS.Timeout | undefined
  const setHealth = (state: 'SERVING' | 'NOT_SERVING'): void => {
    health.setStatus('', state)
    health.setStatus(CLASSIFIER_SERVICE_NAME, state)
  }
  const refreshHealth = (): void => setHealth(isReady() ? 'SERVING' : 'NOT_SERVING')

  return {
    server,
    get activeStreams() {
      return context.streams.size
    },
    refreshHealth,
    listen(host, port) {
      return new Promise((resolve, reject) => {
        server.bindAsync(
          `${host.includes(':') ? `[${host}]` : host}:${port}`,
          ServerCredentials.createInsecure(),
          (error, bound) => {
            if (error) {
              reject(
                new TopicstreamError(
                  'ERR_CONFIG_INVALID',
                  `Cannot listen for gRPC on ${host}:${port}: ${error.message}`,
                  { cause: error },
                ),
              )
              return
            }
            refreshHealth()
            timer = setInterval(refreshHealth, 1000).unref()
            resolve(bound)
          },
        )
      })
    },
    async shutdown(graceMs) {
      if (timer) clearInterval(timer)
      setHealth('NOT_SERVING')
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown()
          resolve()
        }, graceMs)
        force.unref()
        server.tryShutdown(() => {
          clearTimeout(force)
          resolve()
        })
      })
    },
  }
}
