/**
 * `topicstream learn`: the learner on its own. Follows the models topic, learns from the feedback
 * topic into a candidate of each model, and promotes it through the models topic when it proves
 * itself on held-out feedback. Several learners in one group: one learns, the others stand by.
 */
import { BRIDGE_KAFKA_OPTIONS } from '../../bridge/options.js'
import type { OptionSpecs } from '../../config.js'
import { LEARNER_OPTIONS, LEARNING_TOPIC_OPTIONS } from '../../learner/options.js'
import { LOG_OPTIONS } from '../../runtime/logger.js'
import { defineCommand, runServiceCommand } from '../command.js'

const { brokers, kafkaClient, maxTextBytes } = BRIDGE_KAFKA_OPTIONS

export const LEARN_OPTIONS = {
  model: {
    kind: 'list',
    repeatable: true,
    env: 'TOPICSTREAM_MODELS',
    required: true,
    description:
      'A model to learn for, as NAME=FILE (repeatable): the starting version when the models topic has none of that name',
  },
  brokers,
  kafkaClient,
  maxTextBytes: {
    ...maxTextBytes,
    description: 'Longer feedback texts (UTF-8 bytes) go to the feedback dead-letter topic',
  },
  ...LEARNING_TOPIC_OPTIONS,
  ...LEARNER_OPTIONS,
  ...LOG_OPTIONS,
} as const satisfies OptionSpecs

/** How long the learner may take to stop (finishing the batch in flight). */
const STOP_TIMEOUT_MS = 35_000

export const learnCommand = defineCommand({
  usage: 'topicstream learn --brokers HOST:PORT --model NAME=FILE [options]',
  description: `Learns from the feedback topic: every item is scored by the live model and the candidate before
the candidate learns from it, one item in --held-out-every is held out to compare them, and the
candidate is promoted through the models topic when it is at least as accurate as the live model
over --promotion-window held-out items. Every process that serves the model swaps to it.`,
  options: LEARN_OPTIONS,
  run: ({ options, io }) =>
    runServiceCommand(options, io, STOP_TIMEOUT_MS, async (logger) => {
      const { learnParts } = await import('../../pipeline/learn.js')
      return learnParts(options, logger)
    }),
})
