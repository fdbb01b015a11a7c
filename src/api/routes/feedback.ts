/**
 * POST /v1/feedback and GET /v1/feedback/stats. Items are checked one by one with the same checks
 * as every other feedback channel (`checkFeedback`), before the schema's verdict is used: the
 * checks name the item and give the specific code (ERR_LABEL_INVALID, ...), the schema stays the
 * safety net and the documentation. A batch with one bad item is refused whole, so a sender never
 * has to work out which of its items went through.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'
import type { ModelRegistry } from '../../engine/model-registry.js'
import { TopicstreamError, isTopicstreamError, toTopicstreamError } from '../../errors.js'
import {
  DEFAULT_MAX_LABEL_BYTES,
  type FeedbackItem,
  type FeedbackLimits,
  checkFeedback,
  feedbackForModel,
} from '../../learning/feedback.js'
import { type FeedbackIntake, feedbackUnavailable } from '../../learning/feedback-sink.js'
import type { FeedbackStatsSnapshot } from '../../learning/feedback-stats.js'
import type { ApiConfig } from '../api-config.js'
import { type ApiMetrics, countFeedback } from '../metrics.js'
import { API_KEY_SECURITY, feedbackBodySchema, feedbackErrorResponses } from '../schemas.js'

/** The learner's figures, or undefined when this process runs no learner (yet). */
export type LearnerStatus = () => Readonly<Record<string, unknown>> | undefined

export interface FeedbackRoutesOptions {
  readonly registry: ModelRegistry
  readonly config: ApiConfig
  readonly metrics: ApiMetrics
  /** Undefined: the server runs without Kafka and refuses feedback. */
  readonly feedback: FeedbackIntake | undefined
  readonly learnerStatus?: LearnerStatus | undefined
}

export interface AcceptedFeedback {
  readonly accepted: number
  readonly items: ReadonlyArray<{
    readonly id: string
    readonly label: string | number
    readonly model: string
  }>
}

const ITEM_FIELDS = new Set(['text', 'label', 'id', 'model'])

const NO_STATS: FeedbackStatsSnapshot = Object.freeze({
  accepted: 0,
  refused: 0,
  labels: {},
  otherLabels: 0,
  refusedByCode: {},
})

export const feedbackRoutes: FastifyPluginAsync<FeedbackRoutesOptions> = async (app, options) => {
  const { registry, config, metrics, feedback, learnerStatus } = options
  const limits: FeedbackLimits = {
    maxTextBytes: config.maxTextBytes,
    maxLabelBytes: feedback?.maxLabelBytes ?? DEFAULT_MAX_LABEL_BYTES,
  }
  const refuse = (error: unknown, items: number): TopicstreamError => {
    const ours = toTopicstreamError(error)
    feedback?.stats.recordRefused(ours.code, items)
    countFeedback(metrics, 'rest', items, ours.code)
    return ours
  }

  app.post(
    '/feedback',
    {
      // The handler sees the schema's verdict and gives its own, more precise one first.
      attachValidation: true,
      schema: {
        tags: ['feedback'],
        summary:
          'Send the labels texts should have had, for the learner; written to the Kafka feedback topic',
        security: API_KEY_SECURITY,
        body: feedbackBodySchema(config),
        response: {
          202: {
            $ref: 'FeedbackAccepted#',
            description: 'Every item is written to the feedback topic and acknowledged by Kafka',
          },
          ...feedbackErrorResponses(400, 401, 404, 413, 429, 503),
        },
      },
    },
    async (request, reply): Promise<AcceptedFeedback> => {
      const body: unknown = request.body
      if (feedback === undefined) throw refuse(feedbackUnavailable(), itemCount(body))
      let items: ModelFeedback[]
      try {
        items = checkBody(body, request.validationError, { registry, limits, maxBatch: config.maxBatch })
      } catch (error) {
        throw isTopicstreamError(error) ? refuse(error, itemCount(body)) : error
      }
      try {
        await feedback.sink.submit(items)
      } catch (error) {
        const failure = refuse(toTopicstreamError(error, 'ERR_KAFKA_PRODUCE_FAILED'), items.length)
        if (failure.canRetry) reply.header('retry-after', '1')
        throw failure
      }
      feedback.stats.recordAccepted(items.map(({ label }) => label))
      countFeedback(metrics, 'rest', items.length)
      reply.code(202)
      return acceptedReply(items)
    },
  )

  app.get(
    '/feedback/stats',
    {
      schema: {
        tags: ['feedback'],
        summary: 'Feedback this process accepted and refused, and the learner figures when it runs one',
        security: API_KEY_SECURITY,
        response: { 200: { $ref: 'FeedbackStats#' }, ...feedbackErrorResponses(401, 429) },
      },
    },
    async () => {
      const snapshot = feedback?.stats.snapshot() ?? NO_STATS
      const learner = learnerStatus?.()
      return learner === undefined ? snapshot : { ...snapshot, learner }
    },
  )
}

type ModelFeedback = FeedbackItem & { readonly model: string }

function acceptedReply(items: readonly ModelFeedback[]): AcceptedFeedback {
  return { accepted: items.length, items: items.map(({ id, label, model }) => ({ id, label, model })) }
}

interface BodyCheck {
  readonly registry: ModelRegistry
  readonly limits: FeedbackLimits
  readonly maxBatch: number
}

/** The body's items, checked; throws the first refusal (naming the item in a batch). */
function checkBody(
  body: unknown,
  validationError: Error | undefined,
  { registry, limits, maxBatch }: BodyCheck,
): ModelFeedback[] {
  const batch = isObject(body) && Object.hasOwn(body, 'items')
  let raw: readonly unknown[]
  if (batch) {
    const { items } = body as { items: unknown }
    if (!Array.isArray(items) || items.length === 0) {
      throw new TopicstreamError('ERR_REQUEST_INVALID', '"items" must be a non-empty array of feedback items')
    }
    if (items.length > maxBatch) {
      throw new TopicstreamError('ERR_BATCH_TOO_LARGE', `A batch holds at most ${maxBatch} items`, {
        details: { items: items.length, limit: maxBatch },
      })
    }
    const unknown = Object.keys(body as object).find((key) => key !== 'items')
    if (unknown !== undefined) throw unknownField(unknown, 'a batch is {"items": [...]}')
    raw = items
  } else {
    raw = [body]
  }
  const checked = raw.map((fields, index) => {
    try {
      return checkItem(fields, registry, limits)
    } catch (error) {
      throw batch ? atItem(error, index) : error
    }
  })
  // Not reached by any body the checks above know to refuse; the schema's verdict stands then, with
  // the request's code (the schema's alternatives would otherwise suggest a missing text).
  if (validationError !== undefined) {
    throw new TopicstreamError('ERR_REQUEST_INVALID', validationError.message, { cause: validationError })
  }
  return checked
}

function checkItem(fields: unknown, registry: ModelRegistry, limits: FeedbackLimits): ModelFeedback {
  if (!isObject(fields)) {
    throw new TopicstreamError(
      'ERR_REQUEST_INVALID',
      'A feedback item is a JSON object {"text", "label", "id"?, "model"?}',
    )
  }
  const unknown = Object.keys(fields).find((key) => !ITEM_FIELDS.has(key))
  if (unknown !== undefined) throw unknownField(unknown, 'an item has "text", "label", "id" and "model"')
  // JSON null is no string: REST coerces nothing (records on the topic may omit these as null).
  for (const name of ['id', 'model'] as const) {
    if (fields[name] === null) throw new TopicstreamError('ERR_REQUEST_INVALID', `"${name}" must be a string`)
  }
  return feedbackForModel(checkFeedback(fields, limits, randomUUID), registry)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function unknownField(name: string, hint: string): TopicstreamError {
  return new TopicstreamError(
    'ERR_REQUEST_INVALID',
    `Unknown field ${JSON.stringify(name.slice(0, 64))}: ${hint}`,
  )
}

function atItem(error: unknown, index: number): unknown {
  if (!isTopicstreamError(error)) return error
  return new TopicstreamError(error.code, `items[${index}]: ${error.message}`, {
    cause: error,
    details: { ...error.details, index },
    canRetry: error.canRetry,
  })
}

/** How many items a refused body stands for: a batch's items, else one. */
function itemCount(body: unknown): number {
  const items = isObject(body) ? body.items : undefined
  return Array.isArray(items) && items.length > 0 ? items.length : 1
}
