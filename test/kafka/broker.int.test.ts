import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { brokerStatus, startBroker, startLocalBroker, stopBroker } from '../../src/kafka/broker/index.js'
import { createKafkaClient } from '../../src/kafka/client.js'
import { freePorts } from '../helpers/ports.js'
import { tempDir as makeTempDir } from '../helpers/temp-dir.js'
import { collect, kafkaLibrary, randomTopicName } from '../helpers/kafka.js'

interface CliResult {
  code: number
  stdout: string
  stderr: string
}

function cli(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('node', ['bin/topicstream.js', ...args], { timeout: 150_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
      resolve({ code, stdout, stderr })
    })
  })
}

const tempDir = (): Promise<string> => makeTempDir('topicstream-broker-test-')

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

// Gets past the jars only once they are cached, as the run's broker leaves them.
describe('broker start-up errors', () => {
  it('says that Java is missing', async () => {
    const [port, controllerPort] = await freePorts(2)
    const error = await startBroker({
      dataDir: await tempDir(),
      port: port ?? 0,
      controllerPort: controllerPort ?? 0,
      env: { ...process.env, JAVA_HOME: join(tmpdir(), 'no-such-java-home') },
    }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'ERR_KAFKA_BROKER', message: expect.stringMatching(/Java/) })
  })
})

describe('topicstream kafka start|status|stop', () => {
  it('runs a broker that keeps its topics across a stop and a restart on the same data dir', async () => {
    const dataDir = await tempDir()
    const [port, controllerPort] = (await freePorts(2)).map(String) as [string, string]
    const where = ['--data-dir', dataDir, '--port', port, '--controller-port', controllerPort]
    cleanups.push(() => stopBroker(dataDir, { force: true }))

    const start = await cli(['kafka', 'start', ...where])
    expect(start, start.stderr).toMatchObject({ code: 0, stdout: `127.0.0.1:${port}\n` })

    const status = await cli(['kafka', 'status', '--json', '--data-dir', dataDir])
    expect(status.code).toBe(0)
    const parsed = JSON.parse(status.stdout) as {
      running: boolean
      pid: number
      port: number
      brokers: string
    }
    expect(parsed).toMatchObject({ running: true, port: Number(port), brokers: `127.0.0.1:${port}` })
    expect(Number(await readFile(join(dataDir, 'broker.pid'), 'utf8'))).toBe(parsed.pid)

    const again = await cli(['kafka', 'start', ...where])
    expect(again.code).toBe(0)
    expect(again.stderr).toMatch(/already running/)

    const topic = randomTopicName()
    const client = createKafkaClient({
      brokers: [`127.0.0.1:${port}`],
      library: kafkaLibrary(),
      logLevel: 'silent',
    })
    const admin = client.admin()
    await admin.connect()
    await admin.createTopics([{ topic, partitions: 2 }])
    await admin.disconnect()
    const producer = client.producer({ idempotent: true })
    await producer.connect()
    await producer.send(topic, [
      { key: 'a', value: 'one' },
      { key: 'b', value: 'two' },
      { key: 'c', value: 'three' },
    ])
    await producer.disconnect()

    const stop = await cli(['kafka', 'stop', '--data-dir', dataDir])
    expect(stop.code).toBe(0)
    const stopped = await cli(['kafka', 'status', '--data-dir', dataDir])
    expect(stopped.code).toBe(3)
    expect(stopped.stdout).toMatch(/^stopped/)

    const broker = await startLocalBroker({
      dataDir,
      port: Number(port),
      controllerPort: Number(controllerPort),
    })
    const records = await collect(topic, 3, { brokers: [broker.brokers] })
    expect(records.map((record) => `${record.key?.toString()}=${record.value?.toString()}`).sort()).toEqual([
      'a=one',
      'b=two',
      'c=three',
    ])

    await broker.stop({ force: true })
    expect((await brokerStatus(dataDir)).running).toBe(false)
  })
})
