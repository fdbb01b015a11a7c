import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { serveParts } from '../../src/pipeline/serve.js'
import { createLogger } from '../../src/runtime/logger.js'
import { startParts } from '../../src/runtime/part.js'
import { SERVE_OPTIONS } from '../../src/pipeline/serve-options.js'
import { cleanupTopics, parseValues, produceRecords } from '../bridge/bridge-helpers.js'
import { parseCommandLine } from '../../src/config.js'
import { saveModel } from '../../src/engine/index.js'
import { collect, createTestTopic, kafkaBrokers, randomTopicName } from '../helpers/kafka.js'
import { until } from '../helpers/poll.js'
import { TECH, trainTinyModel } from './helpers.js'

let dir: string
let stop: (() => Promise<void>) | undefined
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'topicstream-serve-bridge-'))
})
afterAll(async () => {
  await stop?.()
  await rm(dir, { recursive: true, force: true })
})

test('serve --bridge classifies the input topic with the default model and reports Kafka in /readyz', async () => {
  const model = trainTinyModel()
  const file = join(dir, 'tiny.tsmodel')
  await saveModel(model, file)
  const input = await createTestTopic({ prefix: 'serve-in' })
  const output = randomTopicName('serve-out')
  const dlq = randomTopicName('serve-dlq')
  cleanupTopics([output, dlq])
  const { options } = parseCommandLine(
    SERVE_OPTIONS,
    [
      ...['--model', `tiny=${file}`, '--port', '0', '--no-grpc', '--log-level', 'warn', '--bridge'],
      ...['--brokers', kafkaBrokers().join(','), '--input-topic', input, '--output-topic', output],
      ...['--dlq-topic', dlq, '--group', randomTopicName('serve-group')],
      ...[
        '--models-topic',
        randomTopicName('serve-models'),
        '--feedback-topic',
        randomTopicName('serve-feedback'),
      ],
    ],
    {},
  )
  const logger = createLogger({ level: 'warn' })
  const served = await serveParts(options, logger)
  stop = await startParts(served.parts, { logger, stopTimeoutMs: 15_000, onStarted: served.onStarted })
  const rest = served.server.server().restUrl
  const ready = await until(
    async () => {
      const response = await fetch(`${rest}/readyz`)
      return response.status === 200
        ? ((await response.json()) as { checks: Record<string, boolean> })
        : undefined
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  )
  expect(ready.checks).toEqual({ models: true, serving: true, kafka: true })

  await produceRecords(input, [{ key: 't1', value: JSON.stringify({ id: 't1', text: TECH[0] }) }])
  const [result] = parseValues(await collect(output, 1, { timeoutMs: 60_000 }))
  expect(result).toBeDefined()
  expect(result?.id).toBe('t1')
  expect(result?.label).toBe(model.classify(TECH[0] as string).label)
  expect(result?.model).toEqual({ name: 'tiny', version: model.metadata.version })

  const metrics = await (await fetch(`${rest}/metrics`)).text()
  // The bridge registers its metrics in the API's registry.
  expect(metrics).toMatch(/topicstream_bridge_\w+/)
})
