/* global setTimeout */
/**
 * Shared pieces of the fault scripts: a private broker on free ports, a model trained on the tweets,
 * a paced feeder, bridge child processes, and a read_committed audit of the output topic, put
 * together by `runFault`. Runs the built code (`npm run build` first).
 */
import { spawn, execFile } from 'node:child_process'
import { createWriteStream, existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { parse } from 'csv-parse/sync'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
/** The compiled code under test: `dist/`, or another build of it (TOPICSTREAM_DIST). */
const DIST = resolve(process.env.TOPICSTREAM_DIST ?? join(ROOT, 'dist'))
const { createKafkaClient: createClient } = await import(pathToFileURL(join(DIST, 'kafka', 'client.js')).href)
const { startLocalBroker } = await import(pathToFileURL(join(DIST, 'kafka', 'broker', 'index.js')).href)
/** The scripts' own clients use the library the bridges use (TOPICSTREAM_KAFKA_CLIENT, as the CLI reads it). */
const createKafkaClient = (options) =>
  createClient({ ...options, library: process.env.TOPICSTREAM_KAFKA_CLIENT || 'kafkajs' })
const MAIN = pathToFileURL(join(DIST, 'cli', 'main.js')).href
/** Runs `topicstream <args>` from DIST, as bin/topicstream.js does from dist/. */
const cli = (args) => [
  '--input-type=module',
  '-e',
  `import { run } from ${JSON.stringify(MAIN)}; await run(process.argv.slice(1))`,
  ...args,
]

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

export function log(message) {
  process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`)
}

function tweetsPath() {
  const path =
    process.env.TOPICSTREAM_TWEETS ?? join(ROOT, '..', 'shared', 'data', 'tweets', 'sanders-full-corpus.csv')
  if (!existsSync(path)) throw new Error(`Tweets not found at ${path}; set TOPICSTREAM_TWEETS`)
  return path
}

function loadTweets() {
  const rows = parse(readFileSync(tweetsPath()), {
    columns: true,
    skip_empty_lines: true,
    relax_quotes: true,
  })
  return rows.map((row) => ({ text: row.TweetText, label: row.Topic, created_at: row.TweetDate }))
}

async function freePorts(count) {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolve, reject) => {
          const server = createServer()
          server.once('error', reject)
          server.listen(0, '127.0.0.1', () => resolve(server))
        }),
    ),
  )
  const ports = servers.map((server) => server.address().port)
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
  return ports
}

/** A scratch directory and a broker of our own; `cleanup()` stops and removes everything. */
async function setup(name) {
  const work = await mkdtemp(join(tmpdir(), `topicstream-fault-${name}-`))
  const [port, controllerPort] = await freePorts(2)
  log(`starting a broker on 127.0.0.1:${port} (data ${work}/kafka)`)
  const broker = await startLocalBroker({ dataDir: join(work, 'kafka'), port, controllerPort })
  const brokers = [broker.brokers]
  const children = new Set()
  return {
    work,
    broker,
    brokers,
    children,
    async cleanup() {
      for (const child of children) child.kill('SIGKILL')
      await broker.stop({ force: true }).catch(() => {})
      if (!process.env.KEEP_FAULT_DIR) await rm(work, { recursive: true, force: true })
    },
  }
}

async function trainModel(work) {
  const out = join(work, 'tweets.tsmodel')
  const args = ['train', '--dataset', `csv:${tweetsPath()}`, '--text-column', 'TweetText']
  args.push('--label-column', 'Topic', '--out', out, '--quiet')
  await promisify(execFile)(process.execPath, cli(args))
  return out
}

async function createTopics(brokers, topics) {
  const admin = createKafkaClient({ brokers, logLevel: 'silent' }).admin()
  await admin.connect()
  try {
    await admin.createTopics(topics)
  } finally {
    await admin.disconnect()
  }
}

/**
 * Writes `total` tweets (looping over the corpus, ids `t-0`…) at about `perSecond`, in the
 * background. Resolves `done` once every record is acknowledged.
 */
function feed(brokers, topic, tweets, total, perSecond) {
  const producer = createKafkaClient({ brokers, logLevel: 'silent', clientId: 'fault-feeder' }).producer()
  let sent = 0
  const running = (async () => {
    await producer.connect()
    const chunk = 250
    const started = Date.now()
    for (let i = 0; i < total; i += chunk) {
      const records = []
      for (let j = i; j < Math.min(total, i + chunk); j++) {
        const tweet = tweets[j % tweets.length]
        const id = `t-${j}`
        records.push({
          key: id,
          value: JSON.stringify({
            id,
            text: tweet.text,
            created_at: tweet.created_at,
            label: tweet.label,
            source: 'replay',
          }),
        })
      }
      await producer.send(topic, records)
      sent += records.length
      const ahead = (sent / perSecond) * 1000 - (Date.now() - started)
      if (ahead > 0) await sleep(ahead)
    }
    await producer.disconnect()
  })()
  // Observed even when nobody awaits it yet (a failure must not crash the script unreported).
  const done = running.then(
    () => undefined,
    (error) => {
      throw error
    },
  )
  running.catch(() => {})
  done.catch(() => {})
  return { done, sent: () => sent }
}

function startBridge(env, name, args) {
  const logFile = join(env.work, `${name}.log`)
  const child = spawn(process.execPath, cli(['bridge', '--brokers', env.brokers.join(','), ...args]), {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  child.stderr.pipe(createWriteStream(logFile, { flags: 'a' }))
  env.children.add(child)
  child.once('exit', () => env.children.delete(child))
  child.logFile = logFile
  return child
}

export function killHard(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}

function stopGracefully(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode)
    child.once('exit', (code) => resolve(code))
    child.kill('SIGTERM')
  })
}

/** Records the group has committed on `topic`, and the topic's total. */
async function progress(brokers, group, topic) {
  try {
    return await readProgress(brokers, group, topic)
  } catch {
    return { committed: -1, end: -1 } // coordinator moving or broker restarting: ask again later
  }
}

async function readProgress(brokers, group, topic) {
  const admin = createKafkaClient({ brokers, logLevel: 'silent' }).admin()
  await admin.connect()
  try {
    const [high, committed] = await Promise.all([admin.topicOffsets(topic), admin.groupOffsets(group, topic)])
    const sum = (entries) =>
      entries.reduce((total, entry) => total + Math.max(0, Number(entry.offset ?? entry.high)), 0)
    return { committed: sum(committed), end: sum(high) }
  } finally {
    await admin.disconnect()
  }
}

export async function waitFor(what, check, timeoutMs, everyMs = 500) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(everyMs)
  }
  log(`timed out waiting for ${what}`)
  return false
}

/**
 * Reads `topic` from the beginning with read_committed until `expected` records arrived and nothing
 * new came for `quietMs`, or `timeoutMs` passed. Returns counts per input id.
 */
async function audit(
  brokers,
  topic,
  expected,
  { quietMs = 4000, timeoutMs = 60_000, readUncommitted = false } = {},
) {
  const consumer = createKafkaClient({ brokers, logLevel: 'silent', clientId: 'fault-audit' }).consumer({
    groupId: `fault-audit-${Date.now()}`,
    readUncommitted,
  })
  const counts = new Map()
  let records = 0
  let last = Date.now()
  await consumer.connect()
  await consumer.subscribe([topic], { fromBeginning: true })
  await consumer.run({
    autoCommit: false,
    eachBatch: async (batch, controls) => {
      for (const record of batch.records) {
        const id = JSON.parse(record.value.toString('utf8')).id
        counts.set(id, (counts.get(id) ?? 0) + 1)
        records++
      }
      last = Date.now()
      controls.resolveOffset(batch.records[batch.records.length - 1].offset)
    },
  })
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline && !(counts.size >= expected && Date.now() - last >= quietMs)) await sleep(250)
  await consumer.disconnect()
  return { counts, records }
}

/** Missing ids, duplicated ids and extra records, for ids `t-0`…`t-(total-1)`. */
function tally(counts, total) {
  let missing = 0
  let duplicated = 0
  let extra = 0
  const missingSample = []
  for (let i = 0; i < total; i++) {
    const count = counts.get(`t-${i}`) ?? 0
    if (count === 0) {
      missing++
      if (missingSample.length < 5) missingSample.push(`t-${i}`)
    } else if (count > 1) {
      duplicated++
      extra += count - 1
    }
  }
  return { missing, duplicated, extra, missingSample }
}

/** Prints the summary and exits 0 on PASS, 1 on FAIL. */
function finish(name, checks, facts) {
  const passed = checks.every((check) => check.ok)
  process.stdout.write(`\n=== ${name}: ${passed ? 'PASS' : 'FAIL'} ===\n`)
  for (const [key, value] of Object.entries(facts)) process.stdout.write(`  ${key}: ${value}\n`)
  for (const check of checks) process.stdout.write(`  [${check.ok ? 'ok' : 'FAILED'}] ${check.what}\n`)
  process.exitCode = passed ? 0 : 1
}

export function grepLog(file, text) {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes(text))
  } catch {
    return []
  }
}

/**
 * Runs one fault on a broker of its own, with a model trained on the tweets and an input topic of
 * `partitions` partitions; FAULT_RECORDS and FAULT_RATE override `records` and `rate`.
 * `scenario(run)` brings the fault about and returns the summary `{ checks, facts }`; a script
 * error is a FAIL as well.
 */
export async function runFault({ name, slug, group, partitions = 3, records, rate }, scenario) {
  const total = Number(process.env.FAULT_RECORDS ?? records)
  const perSecond = Number(process.env.FAULT_RATE ?? rate)
  const topics = { input: 'tweets', output: 'tweets.classified', dlq: 'tweets.dlq', group }
  const env = await setup(slug)
  try {
    const [model, tweets] = await Promise.all([trainModel(env.work), loadTweets()])
    await createTopics(env.brokers, [{ topic: topics.input, partitions }])
    const { checks, facts } = await scenario(faultRun(env, topics, model, { tweets, total, perSecond }))
    finish(name, checks, facts)
  } catch (error) {
    log(`error: ${error?.stack ?? error}`)
    finish(name, [{ ok: false, what: `script error: ${error?.message ?? error}` }], {})
  } finally {
    await env.cleanup()
  }
}

/** What a scenario works with: bridges on the fault's topics, the feeder, the group's progress. */
function faultRun(env, topics, model, { tweets, total, perSecond }) {
  const args = ['--model', model, '--input-topic', topics.input, '--output-topic', topics.output]
  args.push('--dlq-topic', topics.dlq, '--group', topics.group)
  const committed = async () => (await progress(env.brokers, topics.group, topics.input)).committed
  return {
    env,
    total,
    committed,
    /** A bridge child process with the fault's model and topics, plus `flags`. */
    startBridge: (name, flags = []) => startBridge(env, name, [...args, ...flags]),
    /** Starts feeding the whole input in the background (see `feed`). */
    feed(note) {
      const feeder = feed(env.brokers, topics.input, tweets, total, perSecond)
      log(`feeding ${total} tweets at ~${perSecond}/s${note ? `; ${note}` : ''}`)
      return feeder
    },
    /** Waits (up to 2 minutes) until the group has committed `count` records; returns how many it has. */
    async waitForCommitted(count) {
      await waitFor(`${count} committed`, async () => (await committed()) >= count, 120_000, 200)
      return committed()
    },
    audit: (options) => audit(env.brokers, topics.output, total, options),
    /**
     * Once the feeder is done: waits until the group has committed the whole input, stops `bridge`
     * with SIGTERM and audits the output (read_committed).
     */
    async settle(feeder, bridge, drainMs = 120_000) {
      await feeder.done
      log('feeding done; waiting for the bridge to commit everything')
      const drained = await waitFor(
        'all input committed',
        async () => {
          const { committed, end } = await progress(env.brokers, topics.group, topics.input)
          return committed >= end && end >= total
        },
        drainMs,
      )
      const alive = bridge.exitCode === null && bridge.signalCode === null
      const exitCode = await stopGracefully(bridge)
      log(`bridge stopped with exit code ${exitCode}; auditing ${topics.output} (read_committed)`)
      const { counts, records } = await audit(env.brokers, topics.output, total)
      return { drained, alive, exitCode, counts, records, ...tally(counts, total) }
    },
  }
}

/** The checks every fault ends with: the input drained, no id lost, `more`, a clean SIGTERM exit. */
export function settledChecks(outcome, drainedWhat, ...more) {
  return [
    { ok: outcome.drained, what: drainedWhat },
    { ok: outcome.missing === 0, what: 'no input id missing from the output' },
    ...more,
    { ok: outcome.exitCode === 0, what: 'graceful stop (SIGTERM) exits 0' },
  ]
}

export const describeMissing = ({ missing, missingSample }) =>
  `${missing}${missingSample.length ? ` (e.g. ${missingSample.join(', ')})` : ''}`

export const describeDuplicated = ({ duplicated, extra }) => `${duplicated} (${extra} extra records)`
