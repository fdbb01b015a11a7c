import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { credentials } from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  ClassifierClient,
  type ClassifyStreamResponse,
} from '../../src/api/grpc/generated/topicstream/v1/classifier.js'
import { saveModel } from '../../src/engine/index.js'
import { until } from '../helpers/poll.js'
import { SPORTS, TECH, trainTinyModel } from './helpers.js'

interface Served {
  readonly child: ChildProcessWithoutNullStreams
  readonly rest: string
  readonly grpc: string
  readonly exit: Promise<number | null>
  readonly output: () => string
}

let dir: string
const children: ChildProcessWithoutNullStreams[] = []
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'topicstream-serve-'))
  await saveModel(trainTinyModel(), join(dir, 'tiny.tsmodel'))
  await saveModel(trainTinyModel(['extra words for the second model']), join(dir, 'second.tsmodel'))
})
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  await rm(dir, { recursive: true, force: true })
})

function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child = spawn(
    process.execPath,
    ['bin/topicstream.js', 'serve', '--port', '0', '--grpc-port', '0', ...args],
    {
      env: { ...process.env, TOPICSTREAM_LOG_LEVEL: 'info', ...env },
    },
  )
  children.push(child)
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    const onData = (): void => {
      for (const line of output.split('\n')) {
        if (!line.includes('topicstream serving on')) continue
        const { rest, grpc } = JSON.parse(line) as { rest: string; grpc: string }
        child.stderr.off('data', onData)
        resolve({ child, rest, grpc, exit, output: () => output })
        return
      }
    }
    child.stderr.on('data', onData)
    void exit.then((code) => reject(new Error(`serve exited with ${code}: ${output}`)))
  })
}

describe('topicstream serve', () => {
  test('serves REST and gRPC from --model files, then drains and exits 0 on SIGTERM', async () => {
    const served = await serve([
      '--model',
      `tiny=${join(dir, 'tiny.tsmodel')}`,
      '--model',
      `second=${join(dir, 'second.tsmodel')}`,
    ])
    const ready = await fetch(`${served.rest}/readyz`)
    expect(ready.status).toBe(200)
    const response = await fetch(`${served.rest}/v1/classify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: SPORTS[0], model: 'second' }),
    })
    expect(response.status).toBe(200)
    const body = (await response.json()) as { label: string; model: { name: string } }
    expect(body.label).toBe('sports')
    expect(body.model.name).toBe('second')
    const models = (await (await fetch(`${served.rest}/v1/models`)).json()) as { models: { name: string }[] }
    expect(models.models.map((model) => model.name)).toEqual(['tiny', 'second'])

    // A stream open across the signal still gets its answers before the server goes away.
    const client = new ClassifierClient(served.grpc, credentials.createInsecure())
    const call = client.classifyStream()
    const received: ClassifyStreamResponse[] = []
    const streamDone = new Promise<void>((resolve) => {
      call.on('data', (message: ClassifyStreamResponse) => {
        received.push(message)
        if (received.length === 1) {
          served.child.kill('SIGTERM')
          setTimeout(() => {
            call.write({ id: 'after-signal', text: TECH[0] as string, explain: false, model: '' })
            call.end()
          }, 200)
        }
      })
      call.on('error', () => resolve())
      call.on('end', () => resolve())
    })
    call.write({ id: 'before-signal', text: SPORTS[1] as string, explain: false, model: '' })
    await streamDone
    client.close()
    expect(received.map((message) => message.id)).toEqual(['before-signal', 'after-signal'])
    expect(received[1]?.result?.label).toBe('tech')
    expect(await served.exit).toBe(0)
    expect(served.output()).toContain('stopping the REST and gRPC servers')
  })

  test('reads options from the environment, with API keys and a models directory', async () => {
    const served = await serve([], { TOPICSTREAM_MODELS_DIR: dir, TOPICSTREAM_API_KEYS: 'alpha,beta' })
    const classify = (key?: string) =>
      fetch(`${served.rest}/v1/classify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ text: TECH[2] }),
      })
    expect((await classify()).status).toBe(401)
    const ok = await classify('beta')
    expect(ok.status).toBe(200)
    // Sorted file names: "second" comes before "tiny" and is the default.
    expect(((await ok.json()) as { model: { name: string } }).model.name).toBe('second')
    expect(served.output()).not.toContain('alpha')
    served.child.kill('SIGINT')
    expect(await served.exit).toBe(0)
  })

  test('serve --dashboard exits on SIGTERM while Kafka is unreachable (the feed leaves no retry timers)', async () => {
    // Port 1 refuses connections. Outside NODE_ENV=test kafkajs keeps retrying for over a minute, as
    // it does in production.
    const served = await serve(
      ['--model', `tiny=${join(dir, 'tiny.tsmodel')}`, '--dashboard', '--brokers', '127.0.0.1:1'],
      { NODE_ENV: 'production' },
    )
    // Once the first attempt has failed, the feed is between retries.
    await until(async () => {
      const snapshot = (await (await fetch(`${served.rest}/dashboard/snapshot`)).json()) as { kafka: string }
      return snapshot.kafka === 'reconnecting' ? snapshot : undefined
    })
    served.child.kill('SIGTERM')
    expect(await served.exit).toBe(0)
    expect(served.output()).toContain('stopping the REST and gRPC servers')
  })

  test('exits 2 with a message when no model is given, 1 when the file is missing', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          ['bin/topicstream.js', 'serve', '--port', '0', '--grpc-port', '0', ...args],
          {
            env: { ...process.env, TOPICSTREAM_MODELS: '', TOPICSTREAM_MODELS_DIR: '' },
          },
        )
        children.push(child)
        let stderr = ''
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
        child.on('exit', (code) => resolve({ code, stderr }))
      })
    const none = await run([])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('ERR_CONFIG_INVALID')
    const missing = await run(['--model', `x=${join(dir, 'missing.tsmodel')}`])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('ERR_MODEL_NOT_FOUND')
  })
})
