import type { FastifyPluginAsync } from 'fastify'
import type { ModelRegistry } from '../../engine/model-registry.js'
import type { ApiConfig } from '../api-config.js'
import { type ClassifyRequestFields, classifyBatch, createClassify } from '../classify-service.js'
import type { ApiMetrics } from '../metrics.js'
import { API_KEY_SECURITY, batchBodySchema, classifyBodySchema, errorResponses } from '../schemas.js'

export interface ClassifyRoutesOptions {
  readonly registry: ModelRegistry
  readonly config: ApiConfig
  readonly metrics: ApiMetrics
}

interface BatchBody {
  readonly texts: readonly string[]
  readonly top_k?: number
  readonly explain?: boolean
  readonly model?: string
}

export const classifyRoutes: FastifyPluginAsync<ClassifyRoutesOptions> = async (
  app,
  { registry, config, metrics },
) => {
  const classify = createClassify(registry, config, metrics)

  app.post<{ Body: ClassifyRequestFields }>(
    '/classify',
    {
      schema: {
        tags: ['classify'],
        summary: 'Classify one text',
        security: API_KEY_SECURITY,
        body: classifyBodySchema,
        response: { 200: { $ref: 'Classification#' }, ...errorResponses(400, 401, 404, 413, 429, 503) },
      },
    },
    async (request) => classify(request.body),
  )

  app.post<{ Body: BatchBody }>(
    '/classify/batch',
    {
      schema: {
        tags: ['classify'],
        summary: 'Classify several texts with one model; results in input order',
        security: API_KEY_SECURITY,
        body: batchBodySchema(config),
        response: {
          200: { $ref: 'ClassifyBatchResponse#' },
          ...errorResponses(400, 401, 404, 413, 429, 503),
        },
      },
    },
    async (request) => {
      const { texts, top_k, explain, model } = request.body
      // An unknown or loading model is the request's fault, not one text's: resolved before the loop.
      const entry = registry.entry(model)
      // In slices that yield between them: a maximal batch never holds the event loop for long.
      const results = await classifyBatch(classify, entry, texts, { top_k, explain })
      return { results }
    },
  )
}
