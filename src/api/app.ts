/**
 * `buildApp` assembles the REST API: schemas, error mapping, metrics, docs, security and routes.
 * It never listens (see server.ts), so tests drive it with `inject` or on port 0.
 */
import cors from '@fastify/cors'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  LogController,
  type onRequestHookHandler,
} from 'fastify'
import type { ModelRegistry } from '../engine/model-registry.js'
import { packageVersion } from '../version.js'
import { type ApiConfig, resolveApiConfig } from './api-config.js'
import { errorBody, errorBodySchema, toHttpError } from './http-errors.js'
import {
  addShortFormsToDocument,
  clientErrorHandler,
  createRouteTable,
  frameworkErrors,
  notFoundHandler,
  rewriteShortForms,
  timeoutOptions,
  useUtf8JsonParser,
} from './http-protocol.js'
import { type FeedbackOptions, feedbackIntake } from '../learning/feedback-sink.js'
import { type ApiMetrics, createMetrics, recordModels } from './metrics.js'
import { learningSchema, promotionRequestedSchema, rolledBackSchema } from './learning-schemas.js'
import { type ReadinessChecks, createReadiness } from './readiness.js'
import { classifyRoutes } from './routes/classify.js'
import { type LearnerStatus, feedbackRoutes } from './routes/feedback.js'
import type { LearningControl } from './learning-control.js'
import { echoRoutes } from './bench/echo-route.js'
import { healthRoutes } from './routes/health.js'
import { modelRoutes } from './routes/models.js'
import { apiKeyHook, securedScope } from './routes/secured-scope.js'
import {
  batchResponseSchema,
  classificationSchema,
  feedbackAcceptedSchema,
  feedbackItemSchema,
  feedbackStatsSchema,
  modelDetailSchema,
  modelListSchema,
  modelRefSchema,
  modelStatsSchema,
  modelSummarySchema,
} from './schemas.js'

/**
 * Extra routes (e.g. the dashboard), called with the app after the core routes are registered:
 * `plugins: [(app, { requireApiKey }) => app.register(dashboardPlugin, { requireApiKey, ...options })]`.
 * The result is awaited.
 */
export type AppExtension = (app: FastifyInstance, context: AppExtensionContext) => unknown

export interface AppExtensionContext {
  /** The /v1 routes' API key check, for extension routes that serve data; undefined without keys. */
  readonly requireApiKey: onRequestHookHandler | undefined
}

export type { FeedbackOptions }

export interface BuildAppOptions {
  readonly registry: ModelRegistry
  readonly config?: Partial<ApiConfig>
  /** A pino logger, `true` for one at info level, `{ level }`, or false/absent for silence. */
  readonly logger?: FastifyBaseLogger | boolean | { readonly level: string }
  readonly metrics?: ApiMetrics
  readonly readiness?: ReadinessChecks
  readonly plugins?: readonly AppExtension[]
  /**
   * Where POST /v1/feedback (and gRPC Feedback) write accepted items, and the statistics they count
   * into (one is made when absent). Without it, feedback is refused with ERR_FEEDBACK_UNAVAILABLE.
   */
  readonly feedback?: FeedbackOptions
  /**
   * The learning loop (versions, the learner's figures, promote and rollback), when this server
   * follows the models topic. Without it, promote and rollback answer 409 ERR_PROMOTION_REFUSED.
   */
  readonly learning?: LearningControl
}

/** Never log credentials, whatever serializers a caller adds. */
export const LOG_REDACT = ['req.headers.authorization', 'headers.authorization']

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const config = resolveApiConfig(options.config)
  const metrics = options.metrics ?? createMetrics()
  const { registry } = options

  const app = Fastify({
    ...loggerOptions(options.logger),
    bodyLimit: config.bodyLimit,
    // Server errors are logged by the error handler below; a line per request would cost more than
    // the classification.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
    ...timeoutOptions(config),
    clientErrorHandler,
    frameworkErrors,
    rewriteUrl: rewriteShortForms,
  })
  const allowedMethods = createRouteTable(app)
  useUtf8JsonParser(app)

  const notFound = notFoundHandler(allowedMethods)
  app.setErrorHandler((error, request, reply) => {
    // An unknown route whose body could not be parsed (e.g. QUERY without content type) is still
    // an unknown route, or a known one with the wrong method.
    if (request.is404) return notFound(request, reply)
    const { status, error: ours } = toHttpError(error)
    if (status >= 500) request.log.error({ err: error, code: ours.code }, 'request failed')
    if (ours.code === 'ERR_NOT_READY') reply.header('retry-after', '1')
    if (ours.code === 'ERR_UNAUTHENTICATED') reply.header('www-authenticate', 'Bearer')
    return reply.code(status).send(errorBody(ours))
  })
  app.setNotFoundHandler(notFound)

  app.addHook('onResponse', (request, reply, done) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    }
    metrics.httpRequests.inc(labels)
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000)
    done()
  })

  recordModels(metrics, registry.list())
  registry.onLoad(() => recordModels(metrics, registry.list()))

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'topicstream',
        description:
          'Topic classification of short texts (scikit-learn-exact TF-IDF + Naive Bayes). Error bodies are ' +
          '`{"error":{"code","message"}}`. When API keys are configured, /v1 routes need `Authorization: Bearer KEY`.',
        version: packageVersion(),
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      tags: [
        { name: 'classify', description: 'Classify texts' },
        { name: 'models', description: 'Served models' },
        { name: 'feedback', description: 'Labels texts should have had, for the learner' },
        { name: 'operations', description: 'Health, readiness and metrics' },
      ],
    },
    transformObject: (documentObject) =>
      'openapiObject' in documentObject
        ? addShortFormsToDocument(documentObject.openapiObject)
        : documentObject.swaggerObject,
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  })
  if (config.docs) await app.register(swaggerUi, { routePrefix: '/docs' })
  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: config.corsOrigins.includes('*') ? '*' : [...config.corsOrigins],
      methods: ['GET', 'POST'],
      allowedHeaders: ['content-type', 'authorization'],
    })
  }

  for (const schema of [
    errorBodySchema,
    modelRefSchema,
    classificationSchema,
    batchResponseSchema,
    modelSummarySchema,
    modelDetailSchema,
    modelListSchema,
    modelStatsSchema,
    feedbackItemSchema,
    feedbackAcceptedSchema,
    feedbackStatsSchema,
    learningSchema,
    promotionRequestedSchema,
    rolledBackSchema,
  ]) {
    app.addSchema(schema)
  }

  await app.register(healthRoutes, { metrics, readiness: createReadiness(registry, options.readiness) })
  const requireApiKey = apiKeyHook(config.apiKeys)
  await app.register(
    async (v1) => {
      await securedScope(v1, config)
      await v1.register(classifyRoutes, { registry, config, metrics })
      await v1.register(modelRoutes, {
        registry,
        streamHealth: metrics.streamHealth,
        learning: options.learning,
      })
      await v1.register(feedbackRoutes, {
        registry,
        config,
        metrics,
        feedback: feedbackIntake(options.feedback),
        learnerStatus: learnerStatus(registry, options.learning),
      })
      if (config.benchmarkRoutes) await v1.register(echoRoutes, { config })
    },
    { prefix: '/v1' },
  )
  for (const extend of options.plugins ?? []) await extend(app, { requireApiKey })
  return app
}

function loggerOptions(logger: BuildAppOptions['logger']): {
  logger?: boolean | { level: string; redact: string[] }
  loggerInstance?: FastifyBaseLogger
} {
  if (logger === undefined || logger === false) return { logger: false }
  if (logger === true) return { logger: { level: 'info', redact: LOG_REDACT } }
  if ('child' in logger) return { loggerInstance: logger }
  return { logger: { level: logger.level, redact: LOG_REDACT } }
}

/** The learner's figures per served model, for GET /v1/feedback/stats. */
function learnerStatus(
  registry: ModelRegistry,
  learning: LearningControl | undefined,
): LearnerStatus | undefined {
  if (learning === undefined) return undefined
  return () => {
    const statuses: Record<string, unknown> = {}
    for (const { name } of registry.list()) {
      const status = learning.status(name)
      if (status !== undefined) statuses[name] = status
    }
    return Object.keys(statuses).length === 0 ? undefined : statuses
  }
}
