/**
 * `topicstream up` as a user runs it, against an existing cluster (KAFKA_BROKERS): a child process
 * with a replay file, all ports free, stopped with SIGTERM. Starting its own broker is covered by
 * scripts/e2e/npm-start-check.sh.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKafkaClient } from '../../src/kafka/client.js'
import { saveModel, trainClassifier } from '../../src/engine/index.js'
import { kafkaBrokers, randomTopicName } from '../helpers/kafka.js'

const TEXTS = {
  space: ['the rocket reached orbit', 'nasa plans a moon mission', 'the shuttle launch was delayed'],
  hockey: ['the goalie stopped the puck', 'a hat trick in the hockey game', 'the team won the playoff game'],
}

describe('topicstream up', () => {
  let work: string
  let child: ChildProcess | undefined
  const topics = [randomTopicName('up-in'), randomTopicName('up-out'), randomTopicName('up-dlq')] as const

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'topicstream-up-'))
    const texts = [...TEXTS.space, ...TEXTS.hockey]
    const model = trainClassifier(
      { texts, targets: [1, 1, 1, 0, 0, 0], classes: ['hockey', 'space'] },
      {},
      { source: 'inline', fingerprint: '0' },
    )
    await saveModel(model, join(work, 'tiny.tsmodel'))
    const lines = [
      ...TEXTS.space.map((text) => ({ text, label: 'space' })),
      ...TEXTS.hockey.map((text) => ({ text, label: 'hockey' })),
    ]
    await writeFile(join(work, 'replay.jsonl'), lines.map((line) => JSON.stringify(line)).join('\n'))
  })

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL')
    const admin = createKafkaClient({ brokers: kafkaBrokers(), logLevel: 'silent' }).admin()
    await admin.connect()
    try {
      await admin.deleteTopics([...topics])
    } finally {
      await admin.disconnect()
    }
    await rm(work, { recursive: true, force: true })
  })

  /** `up` on the test cluster with free ports, the test model and these topics. */
  const upEnv = (input: string, output: string, dlq: string): NodeJS.ProcessEnv => ({
    ...process.env,
    KAFKA_BROKERS: kafkaBrokers().join(','),
    TOPICSTREAM_PORT: '0',
    TOPICSTREAM_GRPC_PORT: '0',
    TOPICSTREAM_MODEL: join(work, 'tiny.tsmodel'),
    TOPICSTREAM_INPUT_TOPIC: input,
    TOPICSTREAM_OUTPUT_TOPIC: output,
    TOPICSTREAM_DLQ_TOPIC: dlq,
    TOPICSTREAM_GROUP: randomTopicName('up-group'),
    // The learning loop's topics too: no other test's model of the same name may reach this one.
    TOPICSTREAM_FEEDBACK_TOPIC: randomTopicName('up-feedback'),
    TOPICSTREAM_FEEDBACK_DLQ_TOPIC: randomTopicName('up-feedback-dlq'),
    TOPICSTREAM_MODELS_TOPIC: randomTopicName('up-models'),
    TOPICSTREAM_LEARNER_GROUP: randomTopicName('up-learner'),
    TOPICSTREAM_LOG_LEVEL: 'info',
  })

  it('runs the pipeline on an existing cluster, prints where it is and stops cleanly on SIGTERM', async () => {
    const started = spawn(
      process.execPath,
      [
        resolve('bin/topicstream.js'),
        ...['up', '--replay', join(work, 'replay.jsonl'), '--rate', '50'],
        ...['--feedback-from-label', '--feedback-delay', '100'],
      ],
      {
        env: upEnv(topics[0], topics[1], topics[2]),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    child = started
    let stdout = ''
    let stderr = ''
    started.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    started.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const exited = new Promise<number | null>((resolveExit) =>
      started.on('exit', (code) => resolveExit(code)),
    )

    await expect.poll(() => stdout, { timeout: 60_000 }).toContain('Press Ctrl-C to stop.')
    expect(stdout).toContain(`Kafka      ${kafkaBrokers().join(',')}`)
    expect(stdout).not.toContain('local broker')
    expect(stdout).toContain(`topics     ${topics[0]} → ${topics[1]}`)
    const dashboard = /dashboard\s+(http:\/\/\S+)/.exec(stdout)?.[1]
    expect(dashboard).toBeDefined()
    expect(stdout).toMatch(/gRPC\s+127\.0\.0\.1:\d+/)

    const snapshot = async (): Promise<{ totals: { records: number; labelled: number; correct: number } }> =>
      (await fetch(new URL('/dashboard/snapshot', dashboard))).json() as Promise<{
        totals: { records: number; labelled: number; correct: number }
      }>
    await expect.poll(async () => (await snapshot()).totals.records, { timeout: 30_000 }).toBeGreaterThan(6)
    const { totals } = await snapshot()
    expect(totals.labelled).toBe(totals.records)
    expect(totals.correct).toBeGreaterThan(0)

    // --feedback-from-label: the replay's known labels come back as feedback, and the learner
    // (on by default) learns them; its figures reach the model's detail through the models topic.
    expect(stdout).toMatch(/learning\s+feedback \S+, models \S+; learner on, known labels fed back/)
    const rest = /REST API\s+(http:\/\/\S+)/.exec(stdout)?.[1] as string
    const received = async (): Promise<number> => {
      const detail = (await (await fetch(`${rest}/models/20news`)).json()) as {
        learning?: { status?: { totals: { received: number } } }
      }
      return detail.learning?.status?.totals.received ?? 0
    }
    await expect.poll(received, { timeout: 30_000 }).toBeGreaterThan(0)

    started.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(stderr).toMatch(
      /stopping the bridge and the producer[\s\S]*stopping the dashboard feed[\s\S]*stopping the REST and gRPC servers[\s\S]*stopping the model/,
    )
    expect(stderr).toContain('"msg":"stopped"')
    await expect(fetch(dashboard as string)).rejects.toThrow()
  })

  it('stops what it started and exits 2 at once when Kafka refuses a topic name', async () => {
    const input = randomTopicName('up-refused-in')
    const output = randomTopicName('up-refused-out')
    try {
      const result = await new Promise<{ code: number | null; stderr: string }>((resolveRun) => {
        const started = spawn(process.execPath, [resolve('bin/topicstream.js'), 'up', '--no-producer'], {
          env: upEnv(input, output, 'dead letters?'),
          stdio: ['ignore', 'ignore', 'pipe'],
        })
        let stderr = ''
        started.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
        started.on('exit', (code) => resolveRun({ code, stderr }))
      })
      expect(result.code, result.stderr).toBe(2)
      expect(result.stderr).toMatch(
        /Kafka refused to create the topic "dead letters\?": .*\(INVALID_TOPIC_EXCEPTION\) \[ERR_CONFIG_INVALID\]/,
      )
      expect(result.stderr).toMatch(/stopping the topics[\s\S]*stopping the REST and gRPC servers/)
    } finally {
      // Kafka creates the valid topics of a request it partly refuses.
      const admin = createKafkaClient({ brokers: kafkaBrokers(), logLevel: 'silent' }).admin()
      await admin.connect()
      try {
        const existing = new Set(await admin.listTopics())
        const created = [input, output].filter((topic) => existing.has(topic))
        if (created.length > 0) await admin.deleteTopics(created)
      } finally {
        await admin.disconnect()
      }
    }
  })
})
