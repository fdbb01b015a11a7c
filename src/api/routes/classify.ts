import type { FastifyPluginAsync } from 'fastify'
import type { AttributedClassification, ModelRegistry } from '../../engine/model-registry.js'
import type { ApiConfig } from '../api-config.js'
import { type ClassifyRequestFields, createClassify } from '../classify-service.js'
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
      const results: AttributedClassification[] = new Array(texts.length)
      // A bad text fails the whole batch (its index in the message), so results never have holes.
      for (let i = 0; i < texts.length; i++) {
        try {
          results[i] = classify({ text: texts[i] as string, top_k, explain }, entry)
        } catch (error) {
          if (error instanceof Error) error.message = `texts[${i}]: ${error.message}`
          throw error
        }
      }
      return { results }
    },
  )
}
