/**
 * JSON schemas of every route: they validate requests, drive the fast response serialisers and
 * generate the OpenAPI document. Request objects reject unknown fields (`additionalProperties:
 * false` with Ajv's `removeAdditional` off), so a misspelt `topk` is an error, not ignored.
 */
import type { ApiConfig } from './api-config.js'

export const MAX_TOP_K = 1000

const textSchema = {
  type: 'string',
  description: 'The text to classify (UTF-8; at most the configured number of bytes).',
} as const

const optionFields = {
  top_k: {
    type: 'integer',
    minimum: 1,
    maximum: MAX_TOP_K,
    description: 'How many classes to return in `top_k` (default 3, capped at the number of classes).',
  },
  explain: {
    type: 'boolean',
    description: 'Add the terms that pushed the text toward the winning class (default false).',
  },
  model: {
    type: 'string',
    minLength: 1,
    description: 'Name of the model to use (default: the first configured model).',
  },
} as const

export const classifyBodySchema = {
  $id: 'ClassifyRequest',
  type: 'object',
  required: ['text'],
  additionalProperties: false,
  properties: { text: textSchema, ...optionFields },
} as const

export function batchBodySchema(config: Pick<ApiConfig, 'maxBatch'>) {
  return {
    $id: 'ClassifyBatchRequest',
    type: 'object',
    required: ['texts'],
    additionalProperties: false,
    properties: {
      texts: {
        type: 'array',
        minItems: 1,
        maxItems: config.maxBatch,
        items: textSchema,
        description: `The texts to classify, at most ${config.maxBatch} (configurable).`,
      },
      ...optionFields,
    },
  } as const
}

export const modelRefSchema = {
  $id: 'ModelRef',
  type: 'object',
  required: ['name', 'version'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    version: { type: 'string', description: 'Content hash of the weights; changes on every retraining.' },
  },
} as const

export const classificationSchema = {
  $id: 'Classification',
  type: 'object',
  required: ['label', 'confidence', 'top_k', 'model'],
  additionalProperties: false,
  properties: {
    label: { type: 'string', description: 'The most probable class.' },
    confidence: { type: 'number', description: 'Posterior probability of `label`.' },
    top_k: {
      type: 'array',
      description: 'The most probable classes, most probable first.',
      items: {
        type: 'object',
        required: ['label', 'probability'],
        additionalProperties: false,
        properties: { label: { type: 'string' }, probability: { type: 'number' } },
      },
    },
    explanation: {
      type: 'array',
      description: 'Present when `explain` was set: terms that raised the winning class over the runner-up.',
      items: {
        type: 'object',
        required: ['term', 'weight'],
        additionalProperties: false,
        properties: { term: { type: 'string' }, weight: { type: 'number' } },
      },
    },
    model: { $ref: 'ModelRef#' },
  },
} as const

export const batchResponseSchema = {
  $id: 'ClassifyBatchResponse',
  type: 'object',
  required: ['results'],
  additionalProperties: false,
  properties: {
    results: {
      type: 'array',
      items: { $ref: 'Classification#' },
      description: 'One result per text, in input order.',
    },
  },
} as const

const trainingParamsSchema = {
  type: 'object',
  description: 'The parameters the model was trained with (scikit-learn names where they exist).',
  properties: {
    algorithm: { type: 'string', enum: ['multinomial', 'complement'] },
    alpha: { type: 'number' },
    fitPrior: { type: 'boolean' },
    complementNorm: { type: 'boolean' },
    useIdf: { type: 'boolean' },
    norm: { type: 'string', enum: ['l2', 'none'] },
    sublinearTf: { type: 'boolean' },
    smoothIdf: { type: 'boolean' },
    ngramRange: { type: 'array', items: { type: 'integer' } },
    minDf: { type: 'number' },
    maxDf: { type: 'number' },
  },
} as const

export const modelSummarySchema = {
  $id: 'ModelSummary',
  type: 'object',
  required: ['name', 'version', 'default', 'classes', 'vocabulary_size'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    version: { type: 'string' },
    default: { type: 'boolean', description: 'Whether requests without `model` use this model.' },
    classes: { type: 'array', items: { type: 'string' } },
    vocabulary_size: { type: 'integer' },
    test_accuracy: { type: 'number', description: 'Accuracy on the held-out split, when one was evaluated.' },
    created_at: { type: 'string', description: 'When the model was trained (ISO 8601).' },
    loaded_at: { type: 'string', description: 'When this server loaded the current instance (ISO 8601).' },
  },
} as const

export const modelDetailSchema = {
  $id: 'ModelDetail',
  type: 'object',
  required: ['name', 'version', 'default', 'classes', 'vocabulary_size', 'params', 'dataset'],
  additionalProperties: false,
  properties: {
    ...modelSummarySchema.properties,
    params: trainingParamsSchema,
    dataset: {
      type: 'object',
      properties: {
        source: { type: 'string' },
        fingerprint: { type: 'string' },
        trainDocuments: { type: 'integer' },
        categories: { type: 'array', items: { type: 'string' } },
      },
    },
    format_version: { type: 'integer' },
  },
} as const

export const modelListSchema = {
  $id: 'ModelList',
  type: 'object',
  required: ['models'],
  additionalProperties: false,
  properties: { models: { type: 'array', items: { $ref: 'ModelSummary#' } } },
} as const

export const modelParamsSchema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string', description: 'Model name' } },
} as const

export const statusSchema = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string' },
    checks: { type: 'object', additionalProperties: { type: 'boolean' } },
    reasons: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const

/** How /v1 routes are secured in the OpenAPI document (enforced by the secured scope). */
export const API_KEY_SECURITY = [{ apiKey: [] }]

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Malformed JSON, wrong types, unknown fields (ERR_REQUEST_INVALID) or a missing or non-string text (ERR_TEXT_INVALID)',
  401: 'Missing or wrong API key (ERR_UNAUTHENTICATED)',
  404: 'No model with that name (ERR_MODEL_NOT_FOUND)',
  413: 'Body over the limit (ERR_PAYLOAD_TOO_LARGE), a text over the byte limit (ERR_TEXT_TOO_LARGE) or too many texts (ERR_BATCH_TOO_LARGE)',
  429: 'Rate limit exceeded (ERR_RATE_LIMITED)',
  500: 'Model file unusable on reload (ERR_MODEL_FILE_INVALID, ERR_MODEL_FILE_VERSION) or an internal error',
  503: 'Models still loading or shutting down (ERR_NOT_READY)',
}

/** Responses every /v1 route may give besides its success. */
export function errorResponses(...statuses: number[]): Record<number, { $ref: string; description: string }> {
  const out: Record<number, { $ref: string; description: string }> = {}
  for (const status of statuses)
    out[status] = { $ref: 'Error#', description: ERROR_DESCRIPTIONS[status] ?? 'Error' }
  return out
}
