import type { FastifyPluginAsync } from 'fastify'
import type { ModelEntry, ModelRegistry } from '../../engine/model-registry.js'
import { ERROR_CODES, TopicstreamError, toTopicstreamError } from '../../errors.js'
import type { StreamMonitor } from '../../health/stream-monitor.js'
import type { LearningControl } from '../learning-control.js'
import { API_KEY_SECURITY, errorResponses, modelParamsSchema } from '../schemas.js'

export interface ModelRoutesOptions {
  readonly registry: ModelRegistry
  readonly streamHealth: StreamMonitor
  /** The learning loop, when this server takes part in it (Kafka configured). */
  readonly learning?: LearningControl | undefined
}

export const modelRoutes: FastifyPluginAsync<ModelRoutesOptions> = async (
  app,
  { registry, streamHealth, learning },
) => {
  const learningOf = (name: string): Record<string, unknown> => {
    if (learning === undefined) return {}
    const versions = learning.versions(name)
    const status = learning.status(name)
    return {
      learning: {
        ...(versions === undefined ? {} : { versions }),
        ...(status === undefined ? {} : { status }),
      },
    }
  }
  /** The learning loop, or 409: without Kafka there is no models topic to act through. */
  const loop = (name: string): LearningControl => {
    registry.entry(name)
    if (learning === undefined) {
      throw new TopicstreamError(
        'ERR_PROMOTION_REFUSED',
        'This server does not take part in the learning loop (start it with --bridge, or use "topicstream up")',
      )
    }
    return learning
  }

  app.get(
    '/models',
    {
      schema: {
        tags: ['models'],
        summary: 'List the served models',
        security: API_KEY_SECURITY,
        response: { 200: { $ref: 'ModelList#' }, ...errorResponses(401, 429) },
      },
    },
    async () => ({ models: registry.list().map(summary) }),
  )

  app.get<{ Params: { name: string } }>(
    '/models/:name',
    {
      schema: {
        tags: ['models'],
        summary:
          'One model: classes, vocabulary size, training parameters, test accuracy, version, and its learning loop',
        security: API_KEY_SECURITY,
        params: modelParamsSchema,
        response: { 200: { $ref: 'ModelDetail#' }, ...errorResponses(401, 404, 429, 503) },
      },
    },
    async (request) => ({
      ...detail(registry.entry(request.params.name)),
      ...learningOf(request.params.name),
    }),
  )

  app.post<{ Params: { name: string } }>(
    '/models/:name/promote',
    {
      schema: {
        tags: ['models'],
        summary:
          "Promote the learner's candidate now, whatever the gate says: every replica swaps to it (202: requested)",
        security: API_KEY_SECURITY,
        params: modelParamsSchema,
        response: { 202: { $ref: 'PromotionRequested#' }, ...errorResponses(401, 404, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      const { name } = request.params
      const { requestId } = await loop(name).promote(name)
      request.log.info({ model: name, requestId }, `promotion of ${name} requested`)
      return reply.code(202).send({ model: name, requestId })
    },
  )

  app.post<{ Params: { name: string } }>(
    '/models/:name/rollback',
    {
      schema: {
        tags: ['models'],
        summary: 'Return every replica to the previous version of the model',
        security: API_KEY_SECURITY,
        params: modelParamsSchema,
        response: { 200: { $ref: 'RolledBack#' }, ...errorResponses(401, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      const { name } = request.params
      const { version, previous } = await loop(name).rollback(name)
      request.log.info({ model: name, version, previous }, `model ${name} rolled back to ${version}`)
      return { model: name, version, previous }
    },
  )

  app.get<{ Params: { name: string } }>(
    '/models/:name/stats',
    {
      schema: {
        tags: ['models'],
        summary:
          'Stream health of the model, per channel: label drift, confidence, estimated accuracy, vocabulary coverage, languages',
        security: API_KEY_SECURITY,
        params: modelParamsSchema,
        response: { 200: { $ref: 'ModelStats#' }, ...errorResponses(401, 404, 429) },
      },
    },
    async (request) => {
      const { name } = request.params
      // A name the registry does not serve is a 404, loading or not.
      if (!registry.list().some((entry) => entry.name === name)) registry.entry(name)
      return { model: name, streams: streamHealth.snapshots(name) }
    },
  )

  app.post<{ Params: { name: string } }>(
    '/models/:name/reload',
    {
      schema: {
        tags: ['models'],
        summary:
          'Load the model file again and swap it in atomically (in-flight requests finish on the old one)',
        security: API_KEY_SECURITY,
        params: modelParamsSchema,
        response: { 200: { $ref: 'ModelDetail#' }, ...errorResponses(401, 404, 429, 500) },
      },
    },
    async (request) => {
      const { name } = request.params
      // Unknown names: the registry's 404 ERR_MODEL_NOT_FOUND, which involves no file.
      if (!registry.list().some((entry) => entry.name === name)) return detail(await registry.reload(name))
      try {
        return detail(await registry.reload(name))
      } catch (error) {
        // The cause names the model file's path: for the server's log, never for the caller.
        const ours = toTopicstreamError(error, 'ERR_MODEL_FILE_INVALID')
        request.log.warn({ err: error, code: ours.code, model: name }, 'model reload failed')
        throw new TopicstreamError(
          ours.code,
          `Model "${name}" could not be reloaded: ${ERROR_CODES[ours.code]}`,
          {
            details: { model: name },
          },
        )
      }
    },
  )
}

function summary(entry: ModelEntry): Record<string, unknown> {
  const metadata = entry.model?.metadata
  return {
    name: entry.name,
    version: metadata?.version ?? '',
    default: entry.isDefault,
    classes: metadata?.classes ?? [],
    vocabulary_size: metadata?.vocabularySize ?? 0,
    ...(metadata?.testAccuracy === undefined ? {} : { test_accuracy: metadata.testAccuracy }),
    ...(metadata === undefined ? {} : { created_at: metadata.createdAt }),
    ...(entry.loadedAt === undefined ? {} : { loaded_at: entry.loadedAt.toISOString() }),
  }
}

function detail(entry: ModelEntry): Record<string, unknown> {
  const metadata = entry.model?.metadata
  return {
    ...summary(entry),
    params: metadata?.params ?? {},
    dataset: metadata?.dataset ?? {},
    ...(metadata === undefined ? {} : { format_version: metadata.formatVersion }),
  }
}
