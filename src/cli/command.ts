import type { Readable, Writable } from 'node:stream'

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
  /** Resolves to the process exit code. Long-running commands resolve when they have shut down. */
  run(argv: readonly string[], io: CliIo): Promise<number>
}
