/**
 * One real Kafka broker for the whole test run: free ports, a fresh temporary data directory
 * (so the cluster id always matches), removed again at teardown. Set TOPICSTREAM_TEST_KAFKA_BROKERS
 * to run the tests against a broker that is already running instead.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { startLocalBroker } from '../../src/kafka/broker/index.js'
import { freePorts } from '../helpers/ports.js'

export interface TestKafka {
  readonly brokers: string
  teardown(): Promise<void>
}

export async function startTestKafka(env: NodeJS.ProcessEnv = process.env): Promise<TestKafka> {
  const external = env.TOPICSTREAM_TEST_KAFKA_BROKERS
  if (external) return { brokers: external, teardown: async () => {} }
  const dataDir = await mkdtemp(join(tmpdir(), 'topicstream-test-kafka-'))
  const [port, controllerPort] = await freePorts(2)
  try {
    const broker = await startLocalBroker({
      dataDir,
      port,
      controllerPort,
      onProgress: (message) => process.stderr.write(`${message}\n`),
    })
    return {
      brokers: broker.brokers,
      async teardown() {
        await broker.stop()
        await rm(dataDir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true })
    throw error
  }
}

/** Starts the broker, makes `inject('kafkaBrokers')` return it, and hands back its teardown. */
export async function provideKafka(project: TestProject): Promise<() => Promise<void>> {
  const kafka = await startTestKafka()
  project.provide('kafkaBrokers', kafka.brokers)
  return kafka.teardown
}
