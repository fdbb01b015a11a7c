/**
 * `topicstream up` (and `npm start`): the whole pipeline in one command, with everything on
 * localhost by default and each address, topic and file overridable by flag or environment.
 */
import { join } from 'node:path'
import { BRIDGE_KAFKA_OPTIONS, bridgeTopology } from '../../bridge/options.js'
import { cacheHome } from '../../cache-dir.js'
import type { Options, OptionSpecs } from '../../config.js'
import type { Progress } from '../../engine/types.js'
import type { ProducerChoice } from '../../producer/choice.js'
import { SERVE_OPTIONS } from '../../pipeline/serve-options.js'
import { type Command, type CommandHelp, parseArguments } from '../command.js'

// `--brokers` has no default here: without it, `up` runs its own broker.
const { brokers: _sharedBrokers, ...bridgeOptions } = BRIDGE_KAFKA_OPTIONS

export const UP_OPTIONS = {
  // The same listeners as `serve`: one definition of their flags, variables and defaults.
  host: SERVE_OPTIONS.host,
  port: SERVE_OPTIONS.port,
  grpcPort: SERVE_OPTIONS.grpcPort,
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
    default: 9092,
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
  logLevel: {
    ...SERVE_OPTIONS.logLevel,
    default: 'warn',
    description: 'Log level of the servers and the bridge (JSON lines on stdout)',
  },
} as const satisfies OptionSpecs

export type UpOptions = Options<typeof UP_OPTIONS>

const HELP: CommandHelp = {
  usage: 'topicstream up [options]',
  summary: `Runs the whole pipeline until Ctrl-C: a local Kafka broker (unless KAFKA_BROKERS is set), the
default model (trained from 20 Newsgroups on first use), the REST and gRPC servers with the Kafka
bridge and the live dashboard, and a producer: the X filtered stream when TWITTER_BEARER_TOKEN is
set, otherwise a replay of the 20 Newsgroups test split (or --replay FILE) at --rate records/s.
Ctrl-C or SIGTERM stops the producer, the bridge, the servers and the broker, in that order.`,
}

export const upCommand: Command = {
  name: 'up',
  options: UP_OPTIONS,
  summary: 'Run the whole pipeline: broker, model, API, bridge, producer, dashboard',
  async run(argv, io) {
    const parsed = parseArguments(UP_OPTIONS, argv, io, HELP)
    if (parsed === undefined) return 0
    const { options } = parsed
    const { startPipeline } = await import('../../pipeline/pipeline.js')
    const { defaultModelPath } = await import('../../pipeline/default-model.js')
    const started = performance.now()
    const say = (line: string): void => {
      const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(5)
      io.stderr.write(`topicstream up [${seconds}s] ${line}\n`)
    }

    // Signals are taken over for the whole run: one stops cleanly, a second one exits at once.
    let signalled: NodeJS.Signals | undefined
    let wake: () => void = () => {}
    const stopRequested = new Promise<void>((resolve) => {
      wake = resolve
    })
    let brokerPid: number | undefined
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled !== undefined) {
        say(
          `${signal} again: exiting now${brokerPid ? ` (the broker, pid ${brokerPid}, is told to stop)` : ''}`,
        )
        // The broker is a detached JVM: without this it would outlive us.
        if (brokerPid) {
          try {
            process.kill(brokerPid, 'SIGTERM')
          } catch {
            // already gone
          }
        }
        process.exit(130)
      }
      signalled = signal
      say(`${signal}: stopping (press Ctrl-C again to exit at once)`)
      wake()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    try {
      const pipeline = await startPipeline(
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
          bridge: { ...bridgeTopology(options), topK: options.topK },
          api: { maxTextBytes: options.maxTextBytes, apiKeys: options.apiKey ?? [] },
          producer: producerChoice(options),
          logLevel: options.logLevel,
          env: io.env,
        },
        { step: say, progress: progressPrinter(say), localBroker: (pid) => (brokerPid = pid) },
      )
      const e = pipeline.endpoints
      io.stdout.write(
        [
          '',
          'topicstream is up',
          `  dashboard  ${e.dashboard}`,
          `  REST API   ${e.rest}  (docs ${e.docs}, metrics ${e.metrics})`,
          `  gRPC       ${e.grpc}`,
          `  Kafka      ${e.brokers}${e.localBroker ? ' (local broker, stopped on exit)' : ''}`,
          `  topics     ${e.topics.input} → ${e.topics.output}, dead letters ${e.topics.dlq}`,
          `  model      ${e.model.name} ${e.model.version} (${e.model.path})`,
          `  producer   ${e.producer}`,
          'Press Ctrl-C to stop.',
          '',
        ].join('\n'),
      )
      if (signalled === undefined) await stopRequested
      await pipeline.stop()
      say('stopped')
      return 0
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  },
}

function producerChoice(options: UpOptions): ProducerChoice {
  if (!options.producer) return { kind: 'none' }
  if (options.twitterBearerToken) return { kind: 'x', bearerToken: options.twitterBearerToken }
  if (options.replay) return { kind: 'replay', file: options.replay, rate: options.rate }
  return { kind: '20news-test', rate: options.rate }
}

/** One line per phase, and at most one per quarter within it. */
function progressPrinter(say: (line: string) => void): (progress: Progress) => void {
  let phase = ''
  let shown = -1
  return ({ phase: next, done, total }) => {
    if (next !== phase) {
      phase = next
      shown = -1
    }
    const quarter = total ? Math.floor((done / total) * 4) : -1
    if (quarter === shown) return
    shown = quarter
    say(total ? `${phase}: ${done}/${total}` : `${phase}: ${done}`)
  }
}
