/** The parts of `topicstream learn`: the models, the models topic, and the learner. */
import { Registry } from 'prom-client'
import { ModelRegistry } from '../engine/model-registry.js'
import { createKafkaClient } from '../kafka/client.js'
import type { KafkaLibrary } from '../kafka/types.js'
import type { LearnerOptions } from '../learner/options.js'
import type { Logger } from '../runtime/logger.js'
import { part } from '../runtime/part.js'
import type { ServicePlan } from '../runtime/service.js'
import { learningLoop } from './learning.js'
import { parseModelSpec } from './model-specs.js'

export interface LearnCommandOptions extends LearnerOptions {
  readonly model: readonly string[]
  readonly brokers: readonly string[]
  readonly kafkaClient: string
  readonly maxTextBytes: number
}

export function learnParts(options: LearnCommandOptions, logger: Logger): ServicePlan {
  const registry = new ModelRegistry(options.model.map(parseModelSpec))
  const client = createKafkaClient({
    brokers: options.brokers,
    clientId: 'topicstream-learner',
    logger,
    library: options.kafkaClient as KafkaLibrary,
  })
  const loop = learningLoop(
    { ...options, learn: true, serving: false },
    { client, registry, metrics: new Registry(), logger },
  )
  return {
    parts: [part('the models', () => registry.loadAll()), ...loop.parts],
    onStarted: () =>
      logger.info(
        {
          models: registry.list().map((entry) => `${entry.name}@${entry.ref?.version ?? '?'}`),
          feedback: options.feedbackTopic,
          modelsTopic: options.modelsTopic,
          group: options.learnerGroup,
        },
        'learner started',
      ),
  }
}
