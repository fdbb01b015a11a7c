import { execFile, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKafkaClient } from '../../src/kafka/client.js'
import { collect, kafkaBrokers, randomTopicName } from '../helpers/kafka.js'
import { freePorts } from '../helpers/ports.js'

let dir: string
const topics: string[] = []
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'topicstream-produce-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
  const admin = createKafkaClient({ brokers: kafkaBrokers(), logLevel: 'silent' }).admin()
  await admin.connect()
  await admin.deleteTopics(topics)
  await admin.disconnect()
})

/** A topic name the command will create; deleted after the file. */
function newTopic(): string {
  const topic = randomTopicName('produce')
  topics.push(topic)
  return topic
}

function cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', ['bin/topicstream.js', ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr })
    })
  })
}

/** The summary: the last line on stderr. */
function lastLine(stderr: string): string {
  return stderr.trimEnd().split('\n').at(-1) ?? ''
}

describe('topicstream produce', () => {
  it('replays a CSV file into a new topic, sums up on stderr and exits 1 for the rejected row', async () => {
    const file = join(dir, 'tweets.csv')
    await writeFile(
      file,
      [
        '"Topic","Sentiment","TweetId","TweetDate","TweetText"',
        '"apple","positive","111","Tue Oct 18 21:53:25 +0000 2011","iPhone, again"',
        '"google","neutral","222","Tue Oct 18 21:54:25 +0000 2011","Android"',
        '"microsoft","neutral","333","Tue Oct 18 21:55:25 +0000 2011",""',
      ].join('\n'),
    )
    const topic = newTopic()
    const result = await cli([
      'produce',
      '--brokers',
      kafkaBrokers().join(','),
      '--topic',
      topic,
      '--source',
      `replay:${file}`,
      '--rate',
      '100',
    ])
    expect(result.code, result.stderr).toBe(1)
    expect(result.stderr).toMatch(/rejected: .*tweets\.csv line 4 has no text/)
    expect(lastLine(result.stderr)).toMatch(
      /^produce: done: sent 2, failed 1 \(read 3\) in \d+\.\d s; exit status 1: 1 record was rejected or not sent$/,
    )

    const records = await collect(topic, 2)
    const values = records
      .map((record) => ({ key: record.key?.toString(), value: JSON.parse(String(record.value)) as unknown }))
      .sort((a, b) => String(a.key).localeCompare(String(b.key)))
    expect(values).toEqual([
      {
        key: '111',
        value: {
          id: '111',
          text: 'iPhone, again',
          created_at: '2011-10-18T21:53:25.000Z',
          author_id: null,
          lang: null,
          source: 'replay',
          label: 'apple',
        },
      },
      { key: '222', value: expect.objectContaining({ id: '222', text: 'Android', label: 'google' }) },
    ])
  })

  it('exits 0 when every record of the file was sent', async () => {
    const file = join(dir, 'clean.jsonl')
    await writeFile(
      file,
      [
        JSON.stringify({ id: 'c1', text: 'a clean first tweet' }),
        JSON.stringify({ id: 'c2', text: 'and a second one' }),
      ].join('\n'),
    )
    const topic = newTopic()
    const result = await cli([
      'produce',
      ...['--brokers', kafkaBrokers().join(','), '--topic', topic, '--source', `replay:${file}`],
    ])
    expect(result.code, result.stderr).toBe(0)
    expect(lastLine(result.stderr)).toMatch(/^produce: done: sent 2, failed 0 \(read 2\) in \d+\.\d s$/)
    expect((await collect(topic, 2)).map((record) => String(record.key)).sort()).toEqual(['c1', 'c2'])
  })

  it('exits 1 after many rejected rows, counting past the printed warnings', async () => {
    const file = join(dir, 'bad.jsonl')
    const lines = Array.from({ length: 150 }, (_, i) => `not json ${i}`)
    lines.splice(75, 0, JSON.stringify({ id: 'g1', text: 'the only good tweet' }))
    await writeFile(file, lines.join('\n'))
    const topic = newTopic()
    const result = await cli([
      'produce',
      ...['--brokers', kafkaBrokers().join(','), '--topic', topic, '--source', `replay:${file}`],
    ])
    expect(result.code, result.stderr).toBe(1)
    expect(result.stderr).toMatch(/further warnings are only counted/)
    expect(lastLine(result.stderr)).toMatch(
      /^produce: done: sent 1, failed 150 \(read 151\) in \d+\.\d s; exit status 1: 150 records were rejected or not sent$/,
    )
  })

  it('stops gracefully on SIGTERM: flushes, prints the summary, exits 0', async () => {
    const topic = newTopic()
    const child = spawn(
      'node',
      [
        'bin/topicstream.js',
        'produce',
        '--brokers',
        kafkaBrokers().join(','),
        '--topic',
        topic,
        '--source',
        'stdin',
        '--progress-interval',
        '1',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    )
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.stdin.write('first line\n{"id":"j1","text":"second line"}\n')
    await expect.poll(() => stderr, { timeout: 30_000 }).toMatch(/sent 2 /)
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(stderr).toMatch(/done: sent 2, failed 0 \(read 2\)/)
    const records = await collect(topic, 2)
    expect(records.map((record) => JSON.parse(String(record.value)).text).sort()).toEqual([
      'first line',
      'second line',
    ])
  })

  it('fails at once when no broker answers', async () => {
    const [port] = await freePorts(1)
    const result = await cli(['produce', '--brokers', `127.0.0.1:${port}`, '--source', 'stdin'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/No Kafka broker answers at 127\.0\.0\.1:\d+ .*\[ERR_KAFKA_UNAVAILABLE\]/)
  })

  it('exits 2 at once, naming the topic, when Kafka refuses to create it', async () => {
    const file = join(dir, 'one.jsonl')
    await writeFile(file, '{"id":"1","text":"never sent"}\n')
    const result = await cli([
      'produce',
      '--brokers',
      kafkaBrokers().join(','),
      '--topic',
      'no spaces allowed',
      '--source',
      `replay:${file}`,
    ])
    expect(result.code, result.stderr).toBe(2)
    expect(result.stderr).toMatch(
      /Kafka refused to create the topic "no spaces allowed": .*\(INVALID_TOPIC_EXCEPTION\) \[ERR_CONFIG_INVALID\]/,
    )
  })

  it('asks for a source and rejects an unknown one', async () => {
    const missing = await cli(['produce', '--brokers', kafkaBrokers().join(',')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/--source is required/)
    const unknown = await cli(['produce', '--source', 'carrier-pigeon'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/replay:FILE, stdin, twitter, 20news-test/)
  })
})
