/**
 * The `topicstream` command. Each subcommand lives in its own module and is imported only when
 * it runs, so `--help` is instant and nothing connects or loads on import.
 */
import { isTopicstreamError } from '../errors.js'
import { type CliIo, type Command, runCommand } from './command.js'

/** Each command's one-line summary is written here, so `topicstream --help` loads no command module. */
export const COMMANDS: Readonly<Record<string, { summary: string; load: () => Promise<Command> }>> = {
  train: {
    summary: 'Train a model from a dataset and write a model file',
    load: async () => (await import('./commands/train.js')).trainCommand,
  },
  evaluate: {
    summary: 'Score a model on a labelled dataset',
    load: async () => (await import('./commands/evaluate.js')).evaluateCommand,
  },
  classify: {
    summary: 'Classify JSONL or plain text lines from stdin',
    load: async () => (await import('./commands/classify.js')).classifyCommand,
  },
  tokenize: {
    summary: 'Print the tokens of each stdin line, as the model sees them',
    load: async () => (await import('./commands/tokenize.js')).tokenizeCommand,
  },
  inspect: {
    summary: 'Print a model file’s metadata',
    load: async () => (await import('./commands/inspect.js')).inspectCommand,
  },
  serve: {
    summary: 'Serve models over REST and gRPC (optionally with the Kafka bridge)',
    load: async () => (await import('./commands/serve.js')).serveCommand,
  },
  kafka: {
    summary: 'Start, stop or query the local Apache Kafka broker',
    load: async () => (await import('./commands/kafka.js')).kafkaCommand,
  },
  produce: {
    summary: 'Feed a Kafka topic from the X API, a replay file or stdin',
    load: async () => (await import('./commands/produce.js')).produceCommand,
  },
  bridge: {
    summary: 'Classify a Kafka topic into an output topic (with DLQ)',
    load: async () => (await import('./commands/bridge.js')).bridgeCommand,
  },
  learn: {
    summary: 'Learn from the feedback topic and promote better models to every replica',
    load: async () => (await import('./commands/learn.js')).learnCommand,
  },
  up: {
    summary: 'Run the whole pipeline: broker, model, API, bridge, producer, dashboard',
    load: async () => (await import('./commands/up.js')).upCommand,
  },
}

export function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(10)} ${summary}`)
  return `Usage: topicstream <command> [options]\n\nCommands:\n${rows.join('\n')}\n\nRun "topicstream <command> --help" for a command's options.\n`
}

export async function main(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage())
    return name === undefined ? 2 : 0
  }
  if (name === '--version' || name === '-v') {
    const { packageVersion } = await import('../version.js')
    io.stdout.write(`${packageVersion()}\n`)
    return 0
  }
  const entry = COMMANDS[name]
  if (entry === undefined) {
    io.stderr.write(`topicstream: unknown command "${name}"\n\n${usage()}`)
    return 2
  }
  try {
    const command = await entry.load()
    return await runCommand(command, entry.summary, rest, io)
  } catch (error) {
    if (isTopicstreamError(error)) {
      io.stderr.write(`topicstream ${name}: ${error.message} [${error.code}]\n`)
      return error.code === 'ERR_CONFIG_INVALID' || error.code === 'ERR_CONFIG_UNKNOWN_OPTION' ? 2 : 1
    }
    io.stderr.write(
      `topicstream ${name}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    )
    return 1
  }
}

/**
 * The process entry point (bin/topicstream.js): runs a command, then ends the process. Every command
 * has closed what it opened by then; a socket a library reopened behind our back (a Kafka client
 * reconnecting during shutdown) must not keep a finished process alive, so stray handles get a
 * moment and then the process exits. The timer itself keeps nothing alive.
 */
export async function run(argv: readonly string[]): Promise<void> {
  process.exitCode = await main(argv)
  setTimeout(() => process.exit(), STRAY_HANDLE_GRACE_MS).unref()
}

const STRAY_HANDLE_GRACE_MS = 2000

function defaultIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env }
}
