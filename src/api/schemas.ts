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
  required: ['label', 'confidence', 'abstained', 'top_k', 'model'],
  additionalProperties: false,
  properties: {
    label: {
      type: 'string',
      nullable: true,
      description: 'The most probable class; null when the model abstained.',
    },
    confidence: {
      type: 'number',
      description: 'Posterior probability of the most probable class (`top_k[0]`), abstained or not.',
    },
    abstained: {
      type: 'boolean',
      description:
        "True when `confidence` is under the server's `--min-confidence` (off by default): `label` is then null and `top_k` still holds the most probable classes.",
    },
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
    vectorizer: {
      type: 'string',
      enum: ['count', 'hashing'],
      description: 'CountVectorizer (a vocabulary) or HashingVectorizer (nFeatures columns)',
    },
    nFeatures: { type: 'integer', description: 'Columns of a hashing model' },
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
    learning: { $ref: 'Learning#' },
  },
} as const

export const modelListSchema = {
  $id: 'ModelList',
  type: 'object',
  required: ['models'],
  additionalProperties: false,
  properties: { models: { type: 'array', items: { $ref: 'ModelSummary#' } } },
} as const

const share = { type: 'number', nullable: true } as const
const shares = { type: 'object', additionalProperties: { type: 'number' } } as const

/** One span of stream statistics (the engine's WindowStats); null where there is nothing to measure. */
const windowStatsSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'spanMs',
    'records',
    'labelMix',
    'confidence',
    'abstainedShare',
    'estimatedAccuracy',
    'oovRate',
    'oovRatePerText',
    'languages',
  ],
  properties: {
    spanMs: { type: 'integer' },
    records: { type: 'integer' },
    labelMix: {
      type: 'object',
      additionalProperties: false,
      required: ['psi', 'jsd', 'shares'],
      properties: {
        psi: { ...share, description: "Population stability index against the model's training class mix" },
        jsd: { ...share, description: 'Jensen-Shannon divergence, base 2, 0 to 1' },
        shares,
      },
    },
    confidence: {
      type: 'object',
      additionalProperties: false,
      required: ['mean', 'p10', 'p50', 'p90', 'lowShare', 'threshold'],
      properties: {
        mean: share,
        p10: share,
        p50: share,
        p90: share,
        lowShare: { ...share, description: 'Share of records under `threshold`' },
        threshold: { type: 'number' },
      },
    },
    abstainedShare: share,
    estimatedAccuracy: {
      ...share,
      description: 'Accuracy estimated without labels: the mean top-class probability',
    },
    oovRate: { ...share, description: "Share of the tokens outside the model's vocabulary" },
    oovRatePerText: share,
    languages: {
      type: 'object',
      additionalProperties: false,
      required: ['nonLatinShare', 'shares', 'scripts', 'inspected'],
      properties: {
        nonLatinShare: share,
        shares: { ...shares, description: 'Share of records per ISO 639-1 language code; und: undetermined' },
        scripts: shares,
        inspected: { type: 'integer', description: 'Records the language shares were estimated from' },
      },
    },
  },
} as const

export const modelStatsSchema = {
  $id: 'ModelStats',
  type: 'object',
  required: ['model', 'streams'],
  additionalProperties: false,
  properties: {
    model: { type: 'string' },
    streams: {
      type: 'array',
      description:
        'One entry per channel that classified with this model (REST and gRPC as `api`, the Kafka bridge as `bridge`); empty before the first record.',
      items: {
        type: 'object',
        required: ['channel', 'model', 'window', 'horizon'],
        additionalProperties: false,
        properties: {
          channel: { type: 'string', enum: ['api', 'bridge'] },
          model: { $ref: 'ModelRef#' },
          window: {
            ...windowStatsSchema,
            description: 'The short window (--health-window, 1 minute by default)',
          },
          horizon: { ...windowStatsSchema, description: 'The rolling hour' },
        },
      },
    },
  },
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
  409: 'Nothing to promote or roll back to, or no learning loop on this server (ERR_PROMOTION_REFUSED)',
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

const feedbackLabelSchema = {
  anyOf: [{ type: 'string', minLength: 1 }, { type: 'integer' }],
  description:
    'The class the text should have had: a class name of at most 256 bytes of UTF-8, not blank; a model trained on numeric labels also takes an integer (2 or "2").',
} as const

export const feedbackItemSchema = {
  $id: 'FeedbackItem',
  type: 'object',
  required: ['text', 'label'],
  additionalProperties: false,
  properties: {
    text: {
      type: 'string',
      minLength: 1,
      description: 'The text, as it was classified (not blank; at most the configured number of bytes).',
    },
    label: feedbackLabelSchema,
    id: {
      type: 'string',
      description:
        'Names the item (the key of its record on the feedback topic), at most 512 bytes; made up (a UUID) when absent or empty.',
    },
    model: {
      type: 'string',
      description: 'The model the feedback is for (default: the default model).',
    },
  },
} as const

export function feedbackBodySchema(config: Pick<ApiConfig, 'maxBatch'>) {
  return {
    $id: 'FeedbackRequest',
    description: 'One feedback item, or several as `{"items": [...]}`.',
    oneOf: [
      { $ref: 'FeedbackItem#' },
      {
        type: 'object',
        required: ['items'],
        additionalProperties: false,
        properties: {
          items: {
            type: 'array',
            minItems: 1,
            maxItems: config.maxBatch,
            items: { $ref: 'FeedbackItem#' },
            description: `At most ${config.maxBatch} items (configurable); one bad item refuses them all.`,
          },
        },
      },
    ],
  } as const
}

export const feedbackAcceptedSchema = {
  $id: 'FeedbackAccepted',
  type: 'object',
  required: ['accepted', 'items'],
  additionalProperties: false,
  properties: {
    accepted: { type: 'integer', description: 'How many items were written to the feedback topic.' },
    items: {
      type: 'array',
      description: 'The accepted items, in request order.',
      items: {
        type: 'object',
        required: ['id', 'label', 'model'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', description: "The item's id, sent or made up." },
          label: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
          model: { type: 'string', description: 'The model the feedback is for.' },
        },
      },
    },
  },
} as const

const counts = { type: 'object', additionalProperties: { type: 'integer' } } as const

export const feedbackStatsSchema = {
  $id: 'FeedbackStats',
  type: 'object',
  required: ['accepted', 'refused', 'labels', 'otherLabels', 'refusedByCode'],
  additionalProperties: false,
  properties: {
    accepted: { type: 'integer', description: 'Items this process wrote to the feedback topic.' },
    refused: { type: 'integer', description: 'Items this process refused.' },
    labels: {
      ...counts,
      description: 'Accepted items per label, for the first 1,000 distinct labels.',
    },
    otherLabels: { type: 'integer', description: 'Accepted items with any further label.' },
    refusedByCode: { ...counts, description: 'Refused items per error code.' },
    learner: {
      type: 'object',
      additionalProperties: true,
      description:
        "The learner's latest figures per model (the `status` of GET /v1/models/{name}'s `learning`), when this server follows the models topic.",
    },
  },
} as const

const FEEDBACK_ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  ...ERROR_DESCRIPTIONS,
  400: 'A bad item, named by its index in a batch: no text (ERR_TEXT_INVALID), a missing, blank, over-long or non-integer label (ERR_LABEL_INVALID), a label the model cannot learn (ERR_MODEL_LABEL_UNKNOWN), a bad id, unknown fields or malformed JSON (ERR_REQUEST_INVALID), invalid UTF-8 (ERR_TEXT_NOT_UTF8)',
  413: 'Body over the limit (ERR_PAYLOAD_TOO_LARGE), a text over the byte limit (ERR_TEXT_TOO_LARGE) or too many items (ERR_BATCH_TOO_LARGE)',
  503: 'This server takes no feedback: it runs without Kafka (ERR_FEEDBACK_UNAVAILABLE); or Kafka did not acknowledge the items (ERR_KAFKA_UNAVAILABLE, ERR_KAFKA_PRODUCE_FAILED)',
}

/** The feedback routes' error responses, described with the codes those routes give. */
export function feedbackErrorResponses(
  ...statuses: number[]
): Record<number, { $ref: string; description: string }> {
  const out: Record<number, { $ref: string; description: string }> = {}
  for (const status of statuses)
    out[status] = { $ref: 'Error#', description: FEEDBACK_ERROR_DESCRIPTIONS[status] ?? 'Error' }
  return out
}
