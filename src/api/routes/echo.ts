/**
 * Benchmark-only route: the same body schema and limits as /v1/classify, minus the engine, so load
 * tests can tell transport cost from classification cost. Registered only when benchmark routes are on.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { ApiConfig } from '../api-config.js'
import {
  type ClassifyRequestFields,
  ECHO_RESULT,
  type TextCheck,
  createTextCheck,
} from '../classify-service.js'
import { classifyBodySchema, errorResponses } from '../schemas.js'

export const echoRoutes: FastifyPluginAsync<{ readonly config: ApiConfig }> = async (app, { config }) => {
  const checkText: TextCheck = createTextCheck(config.maxTextBytes)
  app.post<{ Body: ClassifyRequestFields }>(
    '/echo',
    {
      schema: {
        hide: true,
        body: { ...classifyBodySchema, $id: 'EchoRequest' },
        response: { 200: { $ref: 'Classification#' }, ...errorResponses(400, 401, 413, 429) },
      },
    },
    async (request) => {
      checkText(request.body.text)
      return ECHO_RESULT
    },
  )
}
