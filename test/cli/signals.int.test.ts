/**
 * Every long-running command under SIGTERM and SIGINT, as an operator sends them: during start-up
 * and while running, each stops its parts in reverse order of their start, exits 0 and leaves no
 * process behind. `up` is run on the test cluster here and with a broker of its own below.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { saveModel, trainClassifier } from '../../src/engine/index.js'
import { brokerPaths } from '../../src/kafka/broker/lifecycle.js'
import { freePorts } from '../helpers/ports.js'
import { kafkaBrokers, randomTopicName } from '../helpers/kafka.js'

const BIN = resolve('bin/topicstream.js')

interface Run {
  readonly code: number | null
  readonly lines: ReadonlyArray<Record<string, unknown>>
}

/**
 * Runs a command with debug logs and sends `signal` once a log line matches `when`; resolves with
 * the exit code and the command's log lines.
 */
function runUntilSignal(
  args: readonly string[],
  when: (line: Record<string, unknown>) => boolean,
  signal: NodeJS.Signals,
  env: NodeJS.ProcessEnv = {},
): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [BIN, ...args, '--log-level', 'debug'], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'ignore', 'pipe'],
    })
    const lines: Array<Record<string, unknown>> = []
    let pending = ''
    let sent = false
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk
      const complete = pending.split('\n')
      pending = complete.pop() ?? ''
      for (const text of complete) {
        if (!text.startsWith('{')) continue
        const line = JSON.parse(text) as Record<string, unknown>
        lines.push(line)
        if (!sent && when(line)) {
          sent = true
          child.kill(signal)
        }
      }
    })
    child.on('error', reject)
    child.on('exit', (code) => resolveRun({ code, lines }))
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000)
    child.on('exit', () => clearTimeout(timer))
  })
}

const message = (line: Record<string, unknown>): string => String(line.msg ?? '')
const partLines = (run: Run, verb: 'starting' | 'stopping'): string[] =>
  run.lines
    .filter((line) => line.part !== undefined && message(line).startsWith(`${verb} `))
    .map((line) => String(line.part))
const startedParts = (run: Run): string[] => partLines(run, 'starting')
const stoppedParts = (run: Run): string[] => partLines(run, 'stopping')

function expectCleanStop(run: Run, signal: NodeJS.Signals): void {
  expect(run.code, JSON.stringify(run.lines.slice(-5))).toBe(0)
  expect(run.lines.some((line) => line.signal === signal)).toBe(true)
  expect(stoppedParts(run)).toEqual(startedParts(run).reverse())
  expect(message(run.lines.at(-1) ?? {})).toBe('stopped')
}

describe('stop signals', () => {
  let work: string
  let model: string
  let replay: string
  const topicArgs = (): string[] => [
    ...['--brokers', kafkaBrokers().join(',')],
    ...['--input-topic', randomTopicName('sig-in'), '--output-topic', randomTopicName('sig-out')],
    ...['--dlq-topic', randomTopicName('sig-dlq'), '--group', randomTopicName('sig-group')],
  ]

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'topicstream-signals-'))
    model = join(work, 'tiny.tsmodel')
    await saveModel(
      trainClassifier(
        {
          texts: ['rocket orbit launch', 'puck goalie hockey'],
          targets: [1, 0],
          classes: ['hockey', 'space'],
        },
        {},
        { source: 'inline', fingerprint: '0' },
      ),
      model,
    )
    replay = join(work, 'replay.jsonl')
    await writeFile(replay, '{"text":"rocket launch"}\n{"text":"hockey puck"}\n')
  })
  afterAll(async () => {
    await rm(work, { recursive: true, force: true })
  })

  const commands = (): Record<string, { args: string[]; env?: NodeJS.ProcessEnv; running: string }> => ({
    serve: {
      args: ['serve', '--model', `tiny=${model}`, '--port', '0', '--grpc-port', '0'],
      running: 'models loaded',
    },
    'serve --bridge --dashboard': {
      args: [
        'serve',
        '--model',
        `tiny=${model}`,
        '--port',
        '0',
        '--no-grpc',
        '--bridge',
        '--dashboard',
        ...topicArgs(),
        ...[
          '--models-topic',
          randomTopicName('sig-models'),
          '--feedback-topic',
          randomTopicName('sig-feedback'),
        ],
      ],
      running: 'Bridge joined the consumer group',
    },
    bridge: {
      args: ['bridge', '--model', model, '--metrics-port', '0', ...topicArgs()],
      running: 'Bridge started',
    },
    produce: {
      args: [
        'produce',
        '--source',
        `replay:${replay}`,
        '--loop',
        '--rate',
        '20',
        '--brokers',
        kafkaBrokers().join(','),
      ],
      running: 'producing replay',
    },
    up: {
      args: [
        'up',
        '--replay',
        replay,
        '--port',
        '0',
        '--grpc-port',
        '0',
        ...topicArgs().filter((_, i) => i > 1),
      ],
      env: { KAFKA_BROKERS: kafkaBrokers().join(','), TOPICSTREAM_MODEL: model },
      running: 'Bridge joined the consumer group',
    },
  })

  for (const name of ['serve', 'serve --bridge --dashboard', 'bridge', 'produce', 'up']) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      it(`${name}: ${signal} while running stops every part in reverse order and exits 0`, async () => {
        const command = commands()[name]!
        const run = await runUntilSignal(
          command.args,
          (line) => message(line).startsWith(command.running),
          signal,
          command.env,
        )
        expectCleanStop(run, signal)
        expect(startedParts(run).length).toBeGreaterThan(0)
      })
    }

    it(`${name}: SIGTERM during start-up stops what has started and exits 0`, async () => {
      const command = commands()[name]!
      // The first part is the one that loads the model (or the producer's source).
      const run = await runUntilSignal(
        command.args,
        (line) => line.part !== undefined && message(line).startsWith('starting '),
        'SIGTERM',
        command.env,
      )
      expectCleanStop(run, 'SIGTERM')
      // The signal came before the command was up, and the parts after the one starting never started.
      const signalled = run.lines.findIndex((line) => line.signal === 'SIGTERM')
      const running = run.lines.findIndex((line) => message(line).startsWith(command.running))
      expect(running === -1 || running > signalled).toBe(true)
      expect(startedParts(run)).toHaveLength(1)
    })
  }

  it('up with its own broker: SIGTERM while the broker boots stops it, and no JVM is left', async () => {
    const dataDir = join(work, 'kafka')
    const [port] = await freePorts(1)
    const run = await runUntilSignal(
      [
        'up',
        '--no-producer',
        '--port',
        '0',
        '--grpc-port',
        '0',
        '--broker-port',
        String(port),
        '--broker-dir',
        dataDir,
      ],
      (line) => /^starting the local Kafka broker/.test(message(line)),
      'SIGTERM',
      { KAFKA_BROKERS: '', TOPICSTREAM_MODEL: model },
    )
    expectCleanStop(run, 'SIGTERM')
    const pidFile = brokerPaths(dataDir).pidFile
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').trim())
      expect(() => process.kill(pid, 0)).toThrow()
    }
  })
})
