/**
 * A cold start as `topicstream up` makes it: a broker that has just started (its group coordinator
 * still loading), the topics, then the dashboard feed and the bridge at once. The feed must end up
 * reading the results, and a healthy start must not log anything at warn or error level.
 */
import { Writable } from 'node:stream'
import { Registry } from 'prom-client'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createOutputFeed } from '../../../src/api/dashboard/output-feed.js'
import type { FeedRecord } from '../../../src/api/dashboard/types.js'
import { createBridge } from '../../../src/bridge/bridge.js'
import { startLocalBroker } from '../../../src/kafka/broker/index.js'
import { createKafkaClient } from '../../../src/kafka/client.js'
import { attribute } from '../../../src/engine/model-registry.js'
import { kafkaLibrary } from '../../helpers/kafka.js'
import { createLogger } from '../../../src/runtime/logger.js'
import { freePorts } from '../../helpers/ports.js'
import { tempDir } from '../../helpers/temp-dir.js'
import { tinyModel } from '../../bridge/bridge-helpers.js'

interface LogLine {
  level: number
  msg?: string
}

describe('dashboard feed on a cold broker', () => {
  it('joins, receives the bridge’s results, and logs nothing above info while starting', async () => {
    const lines: LogLine[] = []
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n'))
          if (line) lines.push(JSON.parse(line) as LogLine)
        done()
      },
    })
    const logger = createLogger({ level: 'debug', destination })

    const [port, controllerPort] = (await freePorts(2)) as [number, number]
    const broker = await startLocalBroker({
      dataDir: await tempDir('topicstream-cold-'),
      port,
      controllerPort,
    })
    onTestFinished(() => broker.stop({ force: true }))
    const brokers = [broker.brokers]
    const topics = { input: 'cold-tweets', output: 'cold-results', dlq: 'cold-dead-letters' }
    const groupId = 'cold-bridge'

    // The topics first, as `up` creates them, then the feed and the bridge right away.
    const admin = createKafkaClient({ brokers, library: kafkaLibrary(), logLevel: 'error', logger }).admin()
    await admin.connect()
    await admin.createTopics([
      { topic: topics.input, partitions: 3 },
      { topic: topics.output, partitions: 3 },
      { topic: topics.dlq, partitions: 1 },
    ])
    await admin.disconnect()

    const metrics = new Registry()
    const feed = createOutputFeed({
      // As the dashboard creates it: few retries, the feed reconnects by itself.
      kafka: createKafkaClient({
        brokers,
        library: kafkaLibrary(),
        clientId: 'topicstream-dashboard',
        logLevel: 'error',
        retries: 2,
        maxRetryTimeMs: 1000,
        logger,
      }),
      topics,
      bridgeGroupId: groupId,
      pollIntervalMs: 200,
      logger,
    })
    onTestFinished(() => feed.stop())
    const seen: FeedRecord[] = []
    feed.subscribe((record) => seen.push(record))
    feed.start()

    const model = tinyModel()
    const bridge = createBridge({
      classify: (text) => attribute(model.classify(text), { name: 'tiny', version: model.metadata.version }),
      brokers,
      kafkaClient: kafkaLibrary(),
      inputTopic: topics.input,
      outputTopic: topics.output,
      dlqTopic: topics.dlq,
      groupId,
      metrics,
      logger,
    })
    onTestFinished(() => bridge.stop())
    await bridge.start()

    const producer = createKafkaClient({
      brokers,
      library: kafkaLibrary(),
      logLevel: 'error',
      logger,
    }).producer()
    await producer.connect()
    onTestFinished(() => producer.disconnect())
    // Keeps producing, as `up`'s producer does, until the feed has seen results.
    let sent = 0
    await expect
      .poll(
        async () => {
          await producer.send(topics.input, [
            { key: String(sent), value: `the striker scored goal ${sent++}` },
          ])
          return seen.length
        },
        { timeout: 90_000, interval: 250 },
      )
      .toBeGreaterThan(0)
    expect(feed.facts().kafka).toBe('up')
    expect(seen[0]).toMatchObject({ label: expect.any(String) })

    const loud = lines.filter((line) => line.level >= 40)
    expect(loud.map((line) => `${line.level} ${line.msg ?? ''}`)).toEqual([])
    // Nothing logged carries a stack trace either.
    expect(lines.filter((line) => JSON.stringify(line).includes('    at '))).toEqual([])
  })
})
