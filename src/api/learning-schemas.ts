/** Schemas of the learning loop's answers: the learner's own status type, field for field. */

const accuracy = { type: 'number', nullable: true } as const

const figures = {
  version: { type: 'string' },
  heldOutAccuracy: accuracy,
  heldOutItems: { type: 'integer' },
  prequentialAccuracy: accuracy,
} as const

export const learningSchema = {
  $id: 'Learning',
  type: 'object',
  description:
    "The learning loop of a model: its versions on the models topic and the learner's latest figures (absent until the learner has seen feedback for it).",
  additionalProperties: false,
  properties: {
    versions: {
      type: 'object',
      additionalProperties: false,
      required: ['current', 'history', 'action', 'at'],
      properties: {
        current: { type: 'string' },
        history: {
          type: 'array',
          items: { type: 'string' },
          description: 'Versions live before, newest first: a rollback returns to the first',
        },
        action: { type: 'string', enum: ['publish', 'promote', 'rollback'] },
        at: { type: 'string', format: 'date-time' },
      },
    },
    status: {
      type: 'object',
      additionalProperties: false,
      required: ['model', 'live', 'candidate', 'gate', 'totals', 'updatedAt'],
      properties: {
        model: { type: 'string' },
        live: {
          type: 'object',
          additionalProperties: false,
          required: Object.keys(figures),
          properties: figures,
        },
        candidate: {
          type: 'object',
          additionalProperties: false,
          required: [...Object.keys(figures), 'learnt', 'classes'],
          properties: { ...figures, learnt: { type: 'integer' }, classes: { type: 'integer' } },
        },
        gate: {
          type: 'object',
          additionalProperties: false,
          required: ['open', 'reason', 'window', 'margin', 'autoPromote'],
          properties: {
            open: { type: 'boolean' },
            reason: { type: 'string' },
            window: { type: 'integer' },
            margin: { type: 'number' },
            autoPromote: { type: 'boolean' },
          },
        },
        totals: {
          type: 'object',
          additionalProperties: false,
          required: ['received', 'trained', 'heldOut', 'refused', 'promotions', 'rebases'],
          properties: {
            received: { type: 'integer' },
            trained: { type: 'integer' },
            heldOut: { type: 'integer' },
            refused: { type: 'integer' },
            promotions: { type: 'integer' },
            rebases: { type: 'integer' },
          },
        },
        updatedAt: { type: 'string', format: 'date-time' },
      },
    },
  },
} as const

export const promotionRequestedSchema = {
  $id: 'PromotionRequested',
  type: 'object',
  additionalProperties: false,
  required: ['model', 'requestId'],
  properties: {
    model: { type: 'string' },
    requestId: {
      type: 'string',
      description:
        'The promote command on the models topic; the learner promotes if its candidate has learnt anything',
    },
  },
} as const

export const rolledBackSchema = {
  $id: 'RolledBack',
  type: 'object',
  additionalProperties: false,
  required: ['model', 'version', 'previous'],
  properties: {
    model: { type: 'string' },
    version: { type: 'string', description: 'The version now current on every replica' },
    previous: { type: 'string', description: 'The version that was current' },
  },
} as const
