/**
 * The learning loop's options, the same on every command that takes part in it (`learn`, `serve`,
 * `up`): one definition of their flags, variables and defaults.
 */
import type { OptionSpecs, Options } from '../config.js'
import { DEFAULT_MAX_LABEL_BYTES } from '../learning/feedback.js'
import { DEFAULT_FEEDBACK_DLQ_TOPIC, DEFAULT_FEEDBACK_TOPIC } from '../learning/feedback-sink.js'
import { DEFAULT_LEARNING_SETTINGS as DEFAULTS, type LearningSettings } from '../learning/settings.js'
import { MODELS_TOPIC_OPTIONS } from '../models-topic/options.js'
import type { LearnerConfig } from './learner.js'

/** Where feedback and model versions travel: needed by every process that serves or learns. */
export const LEARNING_TOPIC_OPTIONS = {
  feedbackTopic: {
    kind: 'string',
    env: 'TOPICSTREAM_FEEDBACK_TOPIC',
    default: DEFAULT_FEEDBACK_TOPIC,
    description: 'Topic feedback is written to (REST, gRPC, any producer) and learnt from',
  },
  ...MODELS_TOPIC_OPTIONS,
} as const satisfies OptionSpecs

/** How the learner learns and when it promotes. */
export const LEARNER_OPTIONS = {
  feedbackDlqTopic: {
    kind: 'string',
    env: 'TOPICSTREAM_FEEDBACK_DLQ_TOPIC',
    default: DEFAULT_FEEDBACK_DLQ_TOPIC,
    description: 'Dead-letter topic for feedback records that cannot be learnt (original bytes kept)',
  },
  learnerGroup: {
    kind: 'string',
    env: 'TOPICSTREAM_LEARNER_GROUP',
    default: 'topicstream-learner',
    description: 'Consumer group of the learners: one is active, the others stand by',
  },
  heldOutEvery: {
    kind: 'integer',
    env: 'TOPICSTREAM_HELD_OUT_EVERY',
    default: DEFAULTS.heldOutEvery,
    min: 0,
    description: 'Hold out one feedback item in this many (chosen by id) to compare the models; 0 = none',
  },
  promotionWindow: {
    kind: 'integer',
    env: 'TOPICSTREAM_PROMOTION_WINDOW',
    default: DEFAULTS.window,
    min: 1,
    description: 'Held-out items each model is scored on; automatic promotion needs a full window',
  },
  promotionMargin: {
    kind: 'number',
    env: 'TOPICSTREAM_PROMOTION_MARGIN',
    default: DEFAULTS.margin,
    min: -1,
    max: 1,
    description: "The candidate's held-out accuracy must reach the live model's plus this",
  },
  autoPromote: {
    kind: 'boolean',
    env: 'TOPICSTREAM_AUTO_PROMOTE',
    default: DEFAULTS.autoPromote,
    description: 'Promote when the gate opens; --no-auto-promote waits for POST /v1/models/{name}/promote',
  },
  maxClasses: {
    kind: 'integer',
    env: 'TOPICSTREAM_MAX_CLASSES',
    default: DEFAULTS.maxClasses,
    min: 2,
    description: 'Feedback may add classes up to this many (each costs columns × 16 bytes)',
  },
  maxLabelBytes: {
    kind: 'integer',
    env: 'TOPICSTREAM_MAX_LABEL_BYTES',
    default: DEFAULT_MAX_LABEL_BYTES,
    min: 1,
    description: 'Longest feedback label (UTF-8 bytes)',
  },
  keepVersions: {
    kind: 'integer',
    env: 'TOPICSTREAM_KEEP_VERSIONS',
    default: 3,
    min: 2,
    description: 'Model versions kept on the models topic for rollback; older ones are compacted away',
  },
} as const satisfies OptionSpecs

export type LearnerOptions = Options<typeof LEARNING_TOPIC_OPTIONS & typeof LEARNER_OPTIONS>

/** How often the learner shares its figures, at most. */
const STATUS_INTERVAL_MS = 1000

export function learnerConfig(options: LearnerOptions & { readonly maxTextBytes: number }): LearnerConfig {
  const settings: LearningSettings = {
    heldOutEvery: options.heldOutEvery,
    window: options.promotionWindow,
    margin: options.promotionMargin,
    autoPromote: options.autoPromote,
    maxClasses: options.maxClasses,
  }
  return {
    feedbackTopic: options.feedbackTopic,
    feedbackDlqTopic: options.feedbackDlqTopic,
    modelsTopic: options.modelsTopic,
    groupId: options.learnerGroup,
    settings,
    limits: { maxTextBytes: options.maxTextBytes, maxLabelBytes: options.maxLabelBytes },
    keepVersions: options.keepVersions,
    statusIntervalMs: STATUS_INTERVAL_MS,
  }
}

/** Every learning option at its default, with these overrides (embedders and tests). */
export function learnerOptions(overrides: Partial<LearnerOptions> = {}): LearnerOptions {
  const defaults: Record<string, unknown> = {}
  for (const [name, spec] of Object.entries({ ...LEARNING_TOPIC_OPTIONS, ...LEARNER_OPTIONS })) {
    defaults[name] = spec.default
  }
  return { ...(defaults as unknown as LearnerOptions), ...overrides }
}
