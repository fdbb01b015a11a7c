import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest'
import { saveModel } from '../../src/engine/index.js'
import { collect, kafkaBrokers } from '../helpers/kafka.js'
import { bridgeTestTopics, parseValues, produceRecords, tinyModel } from '../bridge/bridge-helpers.js'

const BIN = join(process.cwd(), 'bin', 'topicstream.js')
let dir: string
let modelPath: string
const model = tinyModel()

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'topicstream-bridge-cli-'))
  modelPath = join(dir, 'tiny.tsmodel')
  await saveModel(model, modelPath)
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function run(args: readonly string[]) {
  const child = spawn(process.execPath, [BIN, 'bridge', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  return { child, exited, stdout: () => stdout, stderr: () => stderr }
}

describe('topicstream bridge', () => {
  test('--help prints the options; a missing --model is a usage error', async () => {
    const help = run(['--help'])
    expect(await help.exited).toBe(0)
    expect(help.stdout()).toContain('--exactly-once')
    expect(help.stdout()).toContain('KAFKA_BROKERS')
    const missing = run(['--brokers', kafkaBrokers().join(',')])
    expect(await missing.exited).toBe(2)
    expect(missing.stderr()).toContain('--model is required')
  })

  test('classifies a topic, serves metrics and health, and stops cleanly on SIGTERM', async () => {
    const names = bridgeTestTopics('bridge-cli')
    const bridge = run([
      '--brokers',
      kafkaBrokers().join(','),
      '--model',
      modelPath,
      '--input-topic',
      names.input,
      '--output-topic',
      names.output,
      '--dlq-topic',
      names.dlq,
      '--group',
      names.group,
      '--exactly-once',
      '--metrics-port',
      '0',
    ])
    await expect
      .poll(() => bridge.stderr(), { timeout: 60_000 })
      .toContain('Bridge joined the consumer group')
    const port = Number(/"port":(\d+)/.exec(bridge.stderr())?.[1])
    expect(port).toBeGreaterThan(0)

    const texts = ['a goal in the match', 'the new phone chip', 'the senate vote']
    await produceRecords(
      names.input,
      Array.from({ length: 30 }, (_, i) => ({
        key: `k${i}`,
        value: JSON.stringify({ id: `c${i}`, text: texts[i % 3] }),
      })),
    )
    const out = parseValues(await collect(names.output, 30))
    expect(out).toHaveLength(30)
    for (const value of out) {
      expect(value.label).toBe(model.classify(value.text as string).label)
      expect(value.model).toEqual({ name: 'tiny', version: model.metadata.version })
    }

    const health = await fetch(`http://127.0.0.1:${port}/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'running', exactlyOnce: true })
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    expect(metrics).toMatch(/topicstream_bridge_records_consumed_total\{topic="[^"]+"\} 30/)

    bridge.child.kill('SIGTERM')
    expect(await bridge.exited).toBe(0)
    expect(bridge.stderr()).toMatch(
      /stopping the bridge[\s\S]*stopping the metrics server[\s\S]*"msg":"stopped"/,
    )
  })
})
