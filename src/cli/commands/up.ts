/**
 * `topicstream up` (and `npm start`): the whole pipeline in one command, with everything on
 * localhost by default and each address, topic and file overridable by flag or environment.
 */
import { join } from 'node:path'
import { apiKeys } from '../../api/api-keys.js'
import { BRIDGE_KAFKA_OPTIONS, bridgeConfig } from '../../bridge/options.js'
import { cacheHome } from '../../cache-dir.js'
import type { Options, OptionSpecs } from '../../config.js'
import { DEFAULT_BROKER_PORT } from '../../kafka/defaults.js'
import type { ProducerChoice } from '../../producer/choice.js'
import { SERVE_OPTIONS } from '../../pipeline/serve-options.js'
import type { PipelineEndpoints } from '../../pipeline/up.js'
import { STREAM_HEALTH_OPTIONS, streamHealthSettings } from '../../health/options.js'
import { LEARNER_OPTIONS, LEARNING_TOPIC_OPTIONS } from '../../learner/options.js'
import { LOG_OPTIONS } from '../../runtime/logger.js'
import { defineCommand, runServiceCommand } from '../command.js'

// `--brokers` has no default here: without it, `up` runs its own broker.
const { brokers: _sharedBrokers, ...bridgeOptions } = BRIDGE_KAFKA_OPTIONS

export const UP_OPTIONS = {
  // The same listeners as `serve`: one definition of their flags, variables and defaults.
  host: SERVE_OPTIONS.host,
  port: SERVE_OPTIONS.port,
  grpcPort: SERVE_OPTIONS.grpcPort,
  apiKeyFile: SERVE_OPTIONS.apiKeyFile,
  apiKey: SERVE_OPTIONS.apiKey,
  brokers: {
    kind: 'list',
    env: 'KAFKA_BROKERS',
    description:
      'Kafka cluster to use (host:port, comma-separated); when absent a local broker is started and stopped with the pipeline',
  },
  brokerPort: {
    kind: 'integer',
    env: 'TOPICSTREAM_BROKER_PORT',
    default: DEFAULT_BROKER_PORT,
    min: 1,
    max: 65534,
    description: 'Client port of the local broker (its controller uses the next port)',
  },
  brokerDir: {
    kind: 'string',
    env: 'TOPICSTREAM_BROKER_DIR',
    description:
      'Data directory of the local broker (default: ${XDG_CACHE_HOME:-~/.cache}/topicstream/up/kafka)',
  },
  model: {
    kind: 'string',
    env: 'TOPICSTREAM_MODEL',
    description:
      'Model file to serve; trained from 20 Newsgroups and saved there when missing (default: ${XDG_CACHE_HOME:-~/.cache}/topicstream/models/20news.tsmodel)',
  },
  modelName: {
    kind: 'string',
    env: 'TOPICSTREAM_MODEL_NAME',
    default: '20news',
    description: 'Name the model is served under',
  },
  dataset: {
    kind: 'string',
    env: 'TOPICSTREAM_TRAIN_DATASET',
    default: '20news',
    description:
      'Training data when the model file is missing; "20news" reads TOPICSTREAM_20NEWS, else the cached download',
  },
  ...bridgeOptions,
  rate: {
    kind: 'number',
    env: 'TOPICSTREAM_RATE',
    default: 20,
    min: 0.1,
    max: 1_000_000,
    description: 'Records per second of the replay producer',
  },
  replay: {
    kind: 'string',
    env: 'TOPICSTREAM_REPLAY',
    description:
      'Replay this CSV or JSONL file instead of the 20 Newsgroups test split (e.g. the Sanders corpus)',
  },
  producer: {
    kind: 'boolean',
    env: 'TOPICSTREAM_PRODUCER',
    default: true,
    description: 'Start a producer; --no-producer leaves the input topic to you',
  },
  twitterBearerToken: {
    kind: 'string',
    env: 'TWITTER_BEARER_TOKEN',
    secret: true,
    description: 'X API bearer token: when set, the producer reads the filtered stream instead of a replay',
  },
  learn: {
    kind: 'boolean',
    env: 'TOPICSTREAM_LEARN',
    default: true,
    description:
      'Run the learner: feedback trains a candidate, promoted when it proves itself (--no-learn: off)',
  },
  feedbackFromLabel: {
    kind: 'boolean',
    env: 'TOPICSTREAM_FEEDBACK_FROM_LABEL',
    description:
      "Send each replayed record's known label back as feedback after --feedback-delay: the learning loop's demo",
  },
  feedbackDelay: {
    kind: 'integer',
    env: 'TOPICSTREAM_FEEDBACK_DELAY_MS',
    default: 2000,
    min: 0,
    description: 'How long after its result a known label is fed back (ms), with --feedback-from-label',
  },
  ...LEARNING_TOPIC_OPTIONS,
  ...LEARNER_OPTIONS,
  ...STREAM_HEALTH_OPTIONS,
  ...LOG_OPTIONS,
} as const satisfies OptionSpecs

export type UpOptions = Options<typeof UP_OPTIONS>

export const upCommand = defineCommand({
  usage: 'topicstream up [options]',
  description: `Runs the whole pipeline until Ctrl-C: a local Kafka broker (unless KAFKA_BROKERS is set), the
default model (trained from 20 Newsgroups on first use), the REST and gRPC servers with the Kafka
bridge and the live dashboard, and a producer: the X filtered stream when TWITTER_BEARER_TOKEN is
set, otherwise a replay of the 20 Newsgroups test split (or --replay FILE) at --rate records/s.
Ctrl-C or SIGTERM stops the producer and the bridge, the servers and the broker, in that order; a
second Ctrl-C exits at once (the broker is still told to stop).`,
  options: UP_OPTIONS,
  run: ({ options, io }) =>
    runServiceCommand(options, io, STOP_TIMEOUT_MS, async (logger, signals) => {
      const { pipelineParts } = await import('../../pipeline/up.js')
      const { defaultModelPath } = await import('../../pipeline/default-model.js')
      const health = streamHealthSettings(options)
      const pipeline = pipelineParts(
        {
          host: options.host,
          port: options.port,
          grpcPort: options.grpcPort,
          kafkaBrokers: options.brokers ?? [],
          broker: {
            host: '127.0.0.1',
            port: options.brokerPort,
            dataDir: options.brokerDir ?? join(cacheHome(io.env), 'topicstream', 'up', 'kafka'),
          },
          model: {
            name: options.modelName,
            path: options.model ?? defaultModelPath(io.env),
            dataset: options.dataset,
          },
          bridge: bridgeConfig(options),
          topK: options.topK,
          health,
          api: {
            maxTextBytes: options.maxTextBytes,
            apiKeys: apiKeys(options),
            minConfidence: health.minConfidence,
          },
          producer: producerChoice(options),
          learning: {
            ...options,
            ...(options.feedbackFromLabel ? { feedbackFromLabelMs: options.feedbackDelay } : {}),
          },
          env: io.env,
        },
        { logger, onForcedExit: signals.onForcedExit },
      )
      return {
        parts: pipeline.parts,
        onStarted: () => {
          pipeline.onStarted?.()
          io.stdout.write(describe(pipeline.endpoints()))
        },
      }
    }),
})

/** How long each part may take to stop: the bridge finishes its batch, the broker flushes. */
const STOP_TIMEOUT_MS = 30_000

function describe(e: PipelineEndpoints): string {
  return [
    '',
    'topicstream is up',
    `  dashboard  ${e.dashboard}`,
    `  REST API   ${e.rest}  (docs ${e.docs}, metrics ${e.metrics})`,
    `  gRPC       ${e.grpc}`,
    `  Kafka      ${e.brokers}${e.localBroker ? ' (local broker, stopped on exit)' : ''}`,
    `  topics     ${e.topics.input} → ${e.topics.output}, dead letters ${e.topics.dlq}`,
    `  learning   feedback ${e.topics.feedback}, models ${e.topics.models}; ${e.learning}`,
    `  model      ${e.model.name} ${e.model.version} (${e.model.path})`,
    `  producer   ${e.producer}`,
    'Press Ctrl-C to stop.',
    '',
  ].join('\n')
}

function producerChoice(options: UpOptions): ProducerChoice {
  if (!options.producer) return { kind: 'none' }
  if (options.twitterBearerToken) return { kind: 'x', bearerToken: options.twitterBearerToken }
  if (options.replay) return { kind: 'replay', file: options.replay, rate: options.rate }
  return { kind: '20news-test', rate: options.rate }
}
