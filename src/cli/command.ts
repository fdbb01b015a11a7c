import type { Readable, Writable } from 'node:stream'
import {
  type CommandLineShape,
  type OptionSpecs,
  type ParsedCommand,
  parseCommandLine,
  renderHelp,
} from '../config.js'

/** What a command may touch: injected so tests can drive commands without a child process. */
export interface CliIo {
  readonly stdin: Readable
  readonly stdout: Writable
  readonly stderr: Writable
  readonly env: NodeJS.ProcessEnv
}

export interface Command {
  readonly name: string
  readonly summary: string
  /** The option table: parsing, `--help` and the README's tables all come from it. */
  readonly options: OptionSpecs
  /** Resolves to the process exit code. Long-running commands resolve when they have shut down. */
  run(argv: readonly string[], io: CliIo): Promise<number>
}

export interface CommandHelp {
  readonly usage: string
  readonly summary: string
}

/**
 * Parses a command's arguments against its option table (flags, environment, defaults). Positional
 * arguments are refused unless `shape` declares them. On `--help` it prints the help instead and
 * returns undefined: the command then exits 0.
 */
export function parseArguments<Specs extends OptionSpecs>(
  specs: Specs,
  argv: readonly string[],
  io: CliIo,
  help: CommandHelp,
  shape: CommandLineShape = {},
): ParsedCommand<Specs> | undefined {
  const parsed = parseCommandLine(specs, argv, io.env, shape)
  if (!parsed.help) return parsed
  io.stdout.write(renderHelp(help.usage, help.summary, specs))
  return undefined
}
