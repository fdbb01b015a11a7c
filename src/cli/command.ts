/**
 * `defineCommand`: a command declares its options and a run function; parsing (flags, environment,
 * defaults), `--help` and the refusal of stray arguments are done here, once, for every command.
 */
import type { Readable, Writable } from 'node:stream'
import { type OptionSpecs, type Options, parseCommandLine, renderHelp } from '../config.js'
import { type LogOptions, type Logger, createLogger } from '../runtime/logger.js'
import { type ServicePlan, runService } from '../runtime/service.js'
import type { StopSignals } from '../runtime/signals.js'

/** What a command may touch: injected so tests can drive commands without a child process. */
export interface CliIo {
  readonly stdin: Readable
  readonly stdout: Writable
  readonly stderr: Writable
  readonly env: NodeJS.ProcessEnv
}

export interface CommandContext<Specs extends OptionSpecs> {
  /** Validated and frozen. */
  readonly options: Options<Specs>
  /** The declared positional arguments, by name. */
  readonly positionals: Readonly<Record<string, string | undefined>>
  readonly io: CliIo
}

export interface Command<Specs extends OptionSpecs = OptionSpecs> {
  /** The usage line of `--help`, e.g. `topicstream inspect --model FILE [--json]`. */
  readonly usage: string
  /** What `--help` says under the summary (the summary itself is in the command table). */
  readonly description?: string
  /** The option table: parsing, `--help` and the reference tables all come from it. */
  readonly options: Specs
  /** Names of the positional arguments, in order; none unless declared. */
  readonly positionals?: readonly string[]
  /** Resolves to the process exit code. Long-running commands resolve when they have shut down. */
  run(context: CommandContext<Specs>): Promise<number>
}

export function defineCommand<const Specs extends OptionSpecs>(command: Command<Specs>): Command<Specs> {
  return Object.freeze(command)
}

/** Parses `argv` against the command's table and runs it; `--help` prints the help and exits 0. */
export async function runCommand(
  command: Command,
  summary: string,
  argv: readonly string[],
  io: CliIo,
): Promise<number> {
  const accepted = command.positionals ?? []
  const parsed = parseCommandLine(command.options, argv, io.env, { positionals: accepted })
  if (parsed.help) {
    const about = command.description ? `${summary}.\n\n${command.description}` : `${summary}.`
    io.stdout.write(renderHelp(command.usage, about, command.options))
    return 0
  }
  const positionals = Object.fromEntries(accepted.map((name, index) => [name, parsed.positionals[index]]))
  return command.run({ options: parsed.options, positionals: Object.freeze(positionals), io })
}

/**
 * The body of every long-running command: its logger from the shared log options, then the
 * service (signals first, then the plan's parts). Resolves 0 once every part has stopped.
 */
export async function runServiceCommand(
  options: LogOptions,
  io: CliIo,
  stopTimeoutMs: number,
  plan: (logger: Logger, signals: StopSignals) => Promise<ServicePlan>,
): Promise<number> {
  const logger = createLogger({ level: options.logLevel, format: options.logFormat, destination: io.stderr })
  await runService({ logger, stopTimeoutMs, plan: (signals) => plan(logger, signals) })
  return 0
}
