/**
 * The models topic on the run's real broker: real 20 Newsgroups models published in chunks, and
 * followers with registries of their own that install what the topic's pointer names.
 */
import { Writable } from 'node:stream'
import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import {
  type TextClassifier,
  encodeModel,
  loadTwentyNewsgroups,
  trainClassifier,
} from '../../src/engine/index.js'
import type { LabeledDocuments, TrainingParams } from '../../src/engine/index.js'
import { ModelRegistry } from '../../src/engine/model-registry.js'
import { createKafkaClient } from '../../src/kafka/client.js'
import type { KafkaClient, KafkaProducer, OutgoingRecord } from '../../src/kafka/client.js'
import {
  type CurrentEvent,
  type Manifest,
  type ModelsFollower,
  type ModelsFollowerOptions,
  type PromoteCommand,
  createModelsFollower,
  createModelsTopic,
  makePointer,
  moveCurrent,
  nextHistory,
  pointerRecord,
  publishModel,
  sendCommand,
  sendStatus,
  snapshotRecords,
} from '../../src/models-topic/index.js'
import { createLogger } from '../../src/runtime/logger.js'
import { twentyNewsgroupsArchive, requireData } from '../helpers/data.js'
import { collect, kafkaBrokers, kafkaLibrary, randomTopicName, withAdmin } from '../helpers/kafka.js'
import { until, waitFor } from '../helpers/poll.js'

const archive = twentyNewsgroupsArchive()
const present = requireData('the models topic tests', [archive])

const SMALL = ['comp.graphics', 'rec.autos', 'sci.space']
const LARGE = [...SMALL, 'rec.sport.hockey', 'sci.med', 'talk.politics.guns']
const PROBES = [
  'The shuttle launch was delayed by the weather at the cape',
  'My engine makes a noise when I shift into third gear',
  'Rendering polygons with OpenGL on a new graphics card',
  'The goalie stopped every shot in the third period',
  'Doctors say the new treatment lowers blood pressure',
]

let small: LabeledDocuments
let models: Record<'a' | 'b' | 'c' | 'd' | 'large', TextClassifier>

beforeAll(async () => {
  if (!present) return
  const news = await loadTwentyNewsgroups(archive.path, { categories: SMALL })
  const large = await loadTwentyNewsgroups(archive.path, { categories: LARGE })
  small = news.train
  const source = { source: news.source, fingerprint: news.fingerprint }
  const train = (params: Partial<TrainingParams>) => trainClassifier(small, params, source)
  models = {
    a: train({}),
    b: train({ alpha: 0.5 }),
    c: train({ alpha: 0.1 }),
    d: train({ sublinearTf: true }),
    large: trainClassifier(large.train, {}, { source: large.source, fingerprint: large.fingerprint }),
  }
})

let client: KafkaClient
/** The test's producer: one per test, as a producer keeps asking for the topics it wrote to. */
let producer: KafkaProducer
beforeAll(() => {
  client = createKafkaClient({ brokers: kafkaBrokers(), library: kafkaLibrary(), logLevel: 'silent' })
})

/** A models topic with a random name and a producer, both gone after the test. */
async function modelsTopic(): Promise<string> {
  const topic = randomTopicName('models')
  await withAdmin((admin) => createModelsTopic(admin, topic))
  const used = client.producer({ idempotent: true })
  producer = used
  onTestFinished(async () => {
    await used.disconnect()
    await withAdmin((admin) => admin.deleteTopics([topic]))
  })
  await used.connect()
  return topic
}

interface Followed {
  readonly follower: ModelsFollower
  readonly events: CurrentEvent[]
  readonly commands: Array<{ name: string; command: PromoteCommand }>
  /** The follower's log lines, parsed. */
  readonly lines: Array<Record<string, unknown>>
}

/** A follower of `topic` with its own logger, started and stopped after the test. */
async function follow(
  topic: string,
  extra: Partial<Omit<ModelsFollowerOptions, 'client' | 'topic' | 'logger'>> = {},
): Promise<Followed> {
  const lines: Array<Record<string, unknown>> = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>)
      }
      done()
    },
  })
  const events: CurrentEvent[] = []
  const commands: Array<{ name: string; command: PromoteCommand }> = []
  const follower = createModelsFollower({
    client,
    topic,
    logger: createLogger({ level: 'debug', destination }),
    onCurrent: (event) => events.push(event),
    onCommand: (name, command) => void commands.push({ name, command }),
    ...extra,
  })
  onTestFinished(() => follower.stop())
  await follower.start()
  return { follower, events, commands, lines }
}

/** Publishes `model` as the next version of `name`, continuing the pointer `reader` last saw. */
async function publishNext(
  topic: string,
  model: TextClassifier,
  history: readonly string[],
  options: { keepVersions?: number; manifestOf?: (version: string) => Manifest | undefined } = {},
): Promise<Manifest> {
  return publishModel(producer, {
    topic,
    name: 'news',
    model,
    source: 'train',
    previous: history[0],
    history,
    ...options,
  })
}

function expectSameAnswers(served: TextClassifier, expected: TextClassifier): void {
  expect(served.metadata.version).toBe(expected.metadata.version)
  for (const text of PROBES) {
    expect(served.classify(text, { explain: true })).toEqual(expected.classify(text, { explain: true }))
    expect(served.predictProba(text)).toEqual(expected.predictProba(text))
  }
}

describe.skipIf(!present)('the models topic', () => {
  it('carries a published model in chunks; a follower serving another model of that name switches to it', async () => {
    const topic = await modelsTopic()
    const manifest = await publishNext(topic, models.a, [])
    expect(manifest).toMatchObject({
      name: 'news',
      version: models.a.metadata.version,
      bytes: encodeModel(models.a).byteLength,
      chunks: Math.ceil(encodeModel(models.a).byteLength / (512 * 1024)),
      source: 'train',
    })
    expect(manifest.chunks).toBeGreaterThan(1)

    const registry = new ModelRegistry([{ name: 'news', model: models.b }])
    const { follower } = await follow(topic, { registry })
    expectSameAnswers(registry.get('news'), models.a)
    expect(registry.entry('news').ref).toEqual({ name: 'news', version: models.a.metadata.version })
    expect(follower.current('news')).toMatchObject({
      version: models.a.metadata.version,
      action: 'publish',
      history: [],
    })
    expect(follower.manifest('news', models.a.metadata.version)).toEqual(manifest)
    expect(follower.counters()).toMatchObject({ installed: 1, failed: 0, skipped: 0 })

    const spec = await withAdmin((admin) => admin.describeTopicConfig(topic))
    expect(spec.get('cleanup.policy')).toBe('compact')
    expect(Number(spec.get('max.message.bytes'))).toBeGreaterThan(512 * 1024)
    expect(await withAdmin((admin) => admin.partitionCount(topic))).toBe(1)
  })

  it('swaps a model of more than 4 MB into a running follower as it arrives', async () => {
    const topic = await modelsTopic()
    const registry = new ModelRegistry([{ name: 'news', model: models.a }])
    const { events } = await follow(topic, { registry })
    const held = registry.get('news')
    const manifest = await publishNext(topic, models.large, [])
    expect(manifest.bytes).toBeGreaterThan(4 * 1024 * 1024)
    expect(manifest.chunks).toBeGreaterThanOrEqual(9)
    const event = await until(() => events.find((seen) => seen.outcome === 'installed'))
    expect(event.pointer.version).toBe(models.large.metadata.version)
    expectSameAnswers(registry.get('news'), models.large)
    // A request that took the old instance finishes on it.
    expectSameAnswers(held, models.a)
  })

  it('gives a follower started after two publications the current version, and its history', async () => {
    const topic = await modelsTopic()
    await publishNext(topic, models.a, [])
    await publishNext(topic, models.b, [models.a.metadata.version])
    const registry = new ModelRegistry([{ name: 'news', model: models.c }])
    const heard: string[] = []
    registry.onLoad((entry) => heard.push(entry.ref?.version ?? ''))
    const { follower } = await follow(topic, { registry })
    expectSameAnswers(registry.get('news'), models.b)
    expect(follower.current('news')).toMatchObject({
      version: models.b.metadata.version,
      history: [models.a.metadata.version],
    })
    // Only the last pointer read on the way is installed.
    expect(heard).toEqual([models.b.metadata.version])

    // The earlier version's chunks were kept: a rollback to it works from memory.
    await moveCurrent(producer, {
      topic,
      name: 'news',
      version: models.a.metadata.version,
      history: nextHistory(follower.current('news')),
    })
    await waitFor(() => registry.get('news').metadata.version === models.a.metadata.version)
    expectSameAnswers(registry.get('news'), models.a)
  })

  it('swaps a running follower back when the pointer is rolled back', async () => {
    const topic = await modelsTopic()
    const registry = new ModelRegistry([{ name: 'news', model: models.c }])
    const { follower, events } = await follow(topic, { registry })
    await publishNext(topic, models.a, [])
    await until(() => (events.length >= 1 ? true : undefined))
    await publishNext(topic, models.b, [models.a.metadata.version])
    await until(() => (events.length >= 2 ? true : undefined))
    expectSameAnswers(registry.get('news'), models.b)

    const pointer = await moveCurrent(producer, {
      topic,
      name: 'news',
      version: models.a.metadata.version,
      history: nextHistory(follower.current('news')),
    })
    expect(pointer).toMatchObject({
      action: 'rollback',
      history: [models.b.metadata.version, models.a.metadata.version],
    })
    const rollback = await until(() => events.find((event) => event.pointer.action === 'rollback'))
    expect(rollback.outcome).toBe('installed')
    expectSameAnswers(registry.get('news'), models.a)
    expect(follower.current('news')).toEqual(pointer)
  })

  it('writes tombstones for the versions that fall out of the last keepVersions', async () => {
    const topic = await modelsTopic()
    const manifests = new Map<string, Manifest>()
    const history: string[] = []
    for (const model of [models.a, models.b, models.c, models.d]) {
      const manifest = await publishNext(topic, model, history, {
        keepVersions: 3,
        manifestOf: (version) => manifests.get(version),
      })
      manifests.set(manifest.version, manifest)
      history.unshift(manifest.version)
    }
    const [a, b, c, d] = [models.a, models.b, models.c, models.d].map((model) => model.metadata.version)
    const total = [...manifests.values()].reduce((sum, manifest) => sum + manifest.chunks + 2, 0)
    const aChunks = (manifests.get(a as string) as Manifest).chunks
    const records = await collect(topic, total + aChunks + 1)
    const tombstones = records.filter((record) => record.value === null).map((record) => String(record.key))
    expect(tombstones).toEqual([
      ...Array.from({ length: aChunks }, (_, index) => `news/chunk/${a}/${index}`),
      `news/manifest/${a}`,
    ])
    // Right after the pointer to d, in the same publication.
    const keys = records.map((record) => String(record.key))
    expect(records.findIndex((record) => record.value === null)).toBe(keys.lastIndexOf('news/current') + 1)

    const { follower } = await follow(topic)
    expect(follower.manifest('news', a as string)).toBeUndefined()
    for (const kept of [b, c, d]) expect(follower.manifest('news', kept as string)).toBeDefined()
    expect(follower.current('news')).toMatchObject({ version: d, history: [c, b, a] })
  })

  it('keeps the old model serving when a snapshot is corrupt or incomplete, and counts it', async () => {
    const topic = await modelsTopic()
    await publishNext(topic, models.a, [])
    const registry = new ModelRegistry([{ name: 'news', model: models.c }])
    const { follower, events, lines } = await follow(topic, { registry })
    expectSameAnswers(registry.get('news'), models.a)

    // b with one flipped byte in one chunk: the manifest's SHA-256 no longer matches.
    const corrupt = snapshotRecords({
      name: 'news',
      version: models.b.metadata.version,
      bytes: encodeModel(models.b),
      source: 'train',
    })
    const records: OutgoingRecord[] = corrupt.records.map((record, index) => {
      if (index !== 1) return record
      const value = Buffer.from(record.value as Buffer)
      value[100] = (value[100] as number) ^ 0xff
      return { ...record, value }
    })
    const history = [models.a.metadata.version]
    records.push(pointerRecord('news', makePointer(models.b.metadata.version, 'publish', history)))
    await producer.send(topic, records)
    const failed = await until(() => events.find((event) => event.outcome === 'failed'))
    expect(failed.error?.code).toBe('ERR_MODEL_SNAPSHOT_INVALID')
    expectSameAnswers(registry.get('news'), models.a)

    // d with a chunk missing.
    const incomplete = snapshotRecords({
      name: 'news',
      version: models.d.metadata.version,
      bytes: encodeModel(models.d),
      source: 'train',
    })
    await producer.send(topic, [
      ...incomplete.records.filter((_, index) => index !== 2),
      pointerRecord('news', makePointer(models.d.metadata.version, 'publish', history)),
    ])
    await waitFor(() => follower.counters().failed === 2)
    expectSameAnswers(registry.get('news'), models.a)
    const errors = lines.filter((line) => line.level === 50 && line.code === 'ERR_MODEL_SNAPSHOT_INVALID')
    expect(errors).toHaveLength(2)
    expect(String(errors[1]?.msg)).toContain(`cannot install news@${models.d.metadata.version}`)

    // A malformed record is skipped; a sound publication afterwards is installed.
    await producer.send(topic, [{ key: 'news/current', value: 'not json', partition: 0 }])
    await publishNext(topic, models.b, history)
    await until(() => events.find((event) => event.outcome === 'installed'))
    expectSameAnswers(registry.get('news'), models.b)
    expect(follower.counters()).toMatchObject({ skipped: 1, failed: 2, installed: 2 })
  })

  it('fires onCommand only for commands written after catching up; statuses are kept', async () => {
    const topic = await modelsTopic()
    await publishNext(topic, models.a, [])
    await sendCommand(producer, topic, 'news', { id: 'old' })
    await sendStatus(producer, topic, 'news', { candidate: 'x', learnt: 1 })
    const { follower, commands } = await follow(topic)
    expect(follower.status('news')).toEqual({ candidate: 'x', learnt: 1 })
    const id = randomUUID()
    await sendCommand(producer, topic, 'news', { id })
    await sendStatus(producer, topic, 'news', { candidate: 'x', learnt: 2 })
    await waitFor(() => follower.statusHistory('news').length === 2)
    expect(commands).toEqual([
      { name: 'news', command: { action: 'promote', id, requestedAt: expect.any(String) } },
    ])
    expect(follower.statusHistory('news')).toEqual([
      { candidate: 'x', learnt: 1 },
      { candidate: 'x', learnt: 2 },
    ])
  })

  it('installs a version published in a committed transaction, never one from an aborted one', async () => {
    const topic = await modelsTopic()
    const transactional = client.transactionalProducer({ transactionalId: randomTopicName('models-tx') })
    await transactional.connect()
    onTestFinished(() => transactional.disconnect())
    const committed = await transactional.transaction()
    await publishModel(committed, { topic, name: 'news', model: models.a, source: 'learner', history: [] })
    await committed.commit()
    const aborted = await transactional.transaction()
    await publishModel(aborted, {
      topic,
      name: 'news',
      model: models.b,
      source: 'learner',
      history: [models.a.metadata.version],
    })
    await aborted.abort()

    // The log ends with transaction markers, which are never delivered: catching up still ends.
    const registry = new ModelRegistry([{ name: 'news', model: models.c }])
    const { follower } = await follow(topic, { registry })
    expectSameAnswers(registry.get('news'), models.a)
    expect(follower.manifest('news', models.b.metadata.version)).toBeUndefined()
  })
})
