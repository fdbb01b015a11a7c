/** The models topic's command-line option: one definition for every command that reads or writes it. */
import type { OptionSpecs } from '../config.js'
import { DEFAULT_MODELS_TOPIC } from './topic.js'

export const MODELS_TOPIC_OPTIONS = {
  modelsTopic: {
    kind: 'string',
    env: 'TOPICSTREAM_MODELS_TOPIC',
    default: DEFAULT_MODELS_TOPIC,
    description: 'Compacted topic that carries the model versions every process serves',
  },
} as const satisfies OptionSpecs
