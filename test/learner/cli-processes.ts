/**
 * Long-running CLI processes (`serve --bridge`, `learn`) for the learning-loop tests: each one's
 * JSON log lines are kept, so a test waits for what the process says, and every process started
 * through a group is stopped by `stopAll()`, which an after-hook calls whatever happened.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { until } from '../helpers/poll.js'

const BIN = resolve('bin/topicstream.js')

/** How long a process may take to stop on SIGTERM before it is killed. */
const STOP_GRACE_MS = 20_000

export type LogLine = Readonly<Record<string, unknown>>

export interface CliProcess {
  readonly name: string
  readonly pid: number | undefined
  readonly lines: readonly LogLine[]
  /** The exit code or signal, once it exited. */
  readonly exit: { readonly code: number | null; readonly signal: NodeJS.Signals | null } | undefined
  /** Resolves with the first log line that matches; rejects when the process exits first. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>
  /** SIGTERM, then SIGKILL if it is still running after a grace period. */
  stop(): Promise<void>
  /** SIGKILL, as a crash: nothing in the process gets to run. */
  kill(): Promise<void>
  /** The last stderr lines, for failure messages. */
  tail(lines?: number): string
}

export const logMessage = (line: LogLine): string => String(line.msg ?? '')

function startCli(name: string, args: readonly string[], env: NodeJS.ProcessEnv): CliProcess {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const lines: LogLine[] = []
  const raw: string[] = []
  let pending = ''
  let exit: CliProcess['exit']
  const exited = new Promise<void>((done) => {
    child.on('exit', (code, signal) => {
      exit = { code, signal }
      done()
    })
    // A process that could not be spawned never emits 'exit'.
    child.on('error', (error) => {
      raw.push(`spawn failed: ${error.message}`)
      exit = { code: null, signal: null }
      done()
    })
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk
    const complete = pending.split('\n')
    pending = complete.pop() ?? ''
    for (const text of complete) {
      raw.push(text)
      if (raw.length > 400) raw.shift()
      if (!text.startsWith('{')) continue
      try {
        lines.push(JSON.parse(text) as LogLine)
      } catch {
        // A line cut by a crash, or not a log line: kept in `raw` only.
      }
    }
  })

  const tail = (count = 30): string => raw.slice(-count).join('\n')
  const signalAndWait = async (signal: NodeJS.Signals, graceMs: number): Promise<boolean> => {
    if (exit !== undefined) return true
    child.kill(signal)
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<false>((done) => (timer = setTimeout(() => done(false), graceMs)))
    const stopped = await Promise.race([exited.then(() => true), timedOut])
    clearTimeout(timer)
    return stopped
  }

  return {
    name,
    pid: child.pid,
    lines,
    get exit() {
      return exit
    },
    async waitForLog(match, timeoutMs = 60_000) {
      try {
        return await until(
          () => {
            const found = lines.find(match)
            if (found !== undefined) return found
            if (exit !== undefined) {
              throw new Error(`${name} exited (${JSON.stringify(exit)}) before the awaited log line`)
            }
            return undefined
          },
          { timeoutMs, intervalMs: 25 },
        )
      } catch (error) {
        throw new Error(`${name}: ${(error as Error).message}\n--- last stderr lines ---\n${tail()}`)
      }
    },
    async stop() {
      if (!(await signalAndWait('SIGTERM', STOP_GRACE_MS))) await signalAndWait('SIGKILL', STOP_GRACE_MS)
    },
    async kill() {
      await signalAndWait('SIGKILL', STOP_GRACE_MS)
    },
    tail,
  }
}

/** Processes started for one test file, stopped together in its after-hook. */
export class CliProcesses {
  readonly #started: CliProcess[] = []

  start(name: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): CliProcess {
    const started = startCli(name, args, env)
    this.#started.push(started)
    return started
  }

  /** Stops every process still running, the latest first; one that does not stop is killed. */
  async stopAll(): Promise<void> {
    const running = this.#started.splice(0).reverse()
    await Promise.all(running.map((started) => started.stop()))
  }
}

export interface Replica {
  readonly process: CliProcess
  /** `http://127.0.0.1:PORT`, as the server logged it once listening, before its models load. */
  readonly rest: string
}

/**
 * Starts `topicstream serve` on port 0 with `args` (everything but --host and --port) and resolves
 * once it listens: the server logs its address before loading models and following the models
 * topic, so readiness can be watched from the start. Port 0 rather than a port found free: other
 * servers on the machine could take that one between the check and the bind.
 */
export async function startReplica(
  processes: CliProcesses,
  name: string,
  args: readonly string[],
): Promise<Replica> {
  const started = processes.start(name, ['serve', '--host', '127.0.0.1', '--port', '0', ...args])
  const listening = await started.waitForLog(
    (entry) => logMessage(entry).startsWith('listening on ') && typeof entry.rest === 'string',
    90_000,
  )
  return { process: started, rest: String(listening.rest) }
}
