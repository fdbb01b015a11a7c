import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { ensureKafkaJars, renderServerProperties, startBroker } from '../../src/kafka/broker/index.js'
import { TopicstreamError } from '../../src/errors.js'
import { freePorts } from '../helpers/ports.js'
import { tempDir as makeTempDir } from '../helpers/temp-dir.js'

const tempDir = (): Promise<string> => makeTempDir('topicstream-broker-test-')

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('server.properties', () => {
  it('gives every internal topic one replica and cuts the cleaner buffer', () => {
    const text = renderServerProperties({ host: '127.0.0.1', port: 1234, controllerPort: 1235, logDir: '/d' })
    const props = new Map(text.split('\n').map((line) => line.split('=', 2) as [string, string]))
    expect(props.get('listeners')).toBe('PLAINTEXT://127.0.0.1:1234,CONTROLLER://127.0.0.1:1235')
    expect(props.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:1234')
    expect(props.get('controller.quorum.voters')).toBe('1@127.0.0.1:1235')
    for (const key of [
      'offsets.topic.replication.factor',
      'transaction.state.log.replication.factor',
      'transaction.state.log.min.isr',
      'share.coordinator.state.topic.replication.factor',
      'share.coordinator.state.topic.min.isr',
    ]) {
      expect(props.get(key), key).toBe('1')
    }
    expect(props.get('group.initial.rebalance.delay.ms')).toBe('0')
    expect(Number(props.get('log.cleaner.dedupe.buffer.size'))).toBeLessThanOrEqual(16 * 1024 * 1024)
    expect(props.get('log.dirs')).toBe('/d')
  })
})

describe('broker start-up errors', () => {
  it('refuses a client port that is already taken', async () => {
    const server: Server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => server.close(resolve)))
    const address = server.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    const [controllerPort] = await freePorts(1)
    const error = await startBroker({
      dataDir: await tempDir(),
      port,
      controllerPort: controllerPort ?? 0,
    }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(TopicstreamError)
    expect(error).toMatchObject({ code: 'ERR_KAFKA_BROKER', details: { port } })
  })

  it('says that Maven is missing when the jars are not cached', async () => {
    const error = await ensureKafkaJars({
      cacheDir: await tempDir(),
      env: { ...process.env, PATH: await tempDir() },
    }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'ERR_KAFKA_BROKER', message: expect.stringMatching(/Maven/) })
  })
})
