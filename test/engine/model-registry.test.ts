import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type TextClassifier, saveModel, trainClassifier } from '../../src/engine/index.js'
import { ModelRegistry, discoverModels } from '../../src/engine/model-registry.js'
import { isTopicstreamError } from '../../src/errors.js'

function train(extra: string): TextClassifier {
  return trainClassifier(
    {
      texts: ['goal match team', 'striker scored goal', 'laptop software bug', 'new phone processor', extra],
      targets: [0, 0, 1, 1, 1],
      classes: ['sports', 'tech'],
    },
    {},
    { source: 'inline:registry', fingerprint: extra },
  )
}

async function codeOf(promise: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof promise === 'function' ? promise() : promise)
  } catch (error) {
    return isTopicstreamError(error) ? error.code : 'not a TopicstreamError'
  }
  return undefined
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'topicstream-registry-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('ModelRegistry', () => {
  test('the first model is the default; unknown names are ERR_MODEL_NOT_FOUND', async () => {
    const a = train('a')
    const b = train('b')
    const registry = new ModelRegistry([
      { name: 'a', model: a },
      { name: 'b', model: b },
    ])
    expect(registry.defaultName).toBe('a')
    expect(registry.get()).toBe(a)
    expect(registry.get('')).toBe(a)
    expect(registry.get('b')).toBe(b)
    expect(registry.entry('b').ref).toEqual({ name: 'b', version: b.metadata.version })
    expect(registry.list().map((entry) => [entry.name, entry.isDefault])).toEqual([
      ['a', true],
      ['b', false],
    ])
    expect(await codeOf(() => registry.get('missing'))).toBe('ERR_MODEL_NOT_FOUND')
    expect(await codeOf(registry.reload('missing'))).toBe('ERR_MODEL_NOT_FOUND')
    // Built in memory: there is no file to reload from.
    expect(await codeOf(registry.reload('a'))).toBe('ERR_MODEL_NOT_FOUND')
  })

  test('rejects an empty list, duplicate and malformed names', async () => {
    expect(await codeOf(() => new ModelRegistry([]))).toBe('ERR_CONFIG_INVALID')
    expect(() => new ModelRegistry([])).toThrow('No models given: a registry needs at least one')
    const model = train('x')
    expect(
      await codeOf(
        () =>
          new ModelRegistry([
            { name: 'a', model },
            { name: 'a', model },
          ]),
      ),
    ).toBe('ERR_CONFIG_INVALID')
    expect(await codeOf(() => new ModelRegistry([{ name: 'a b', model }]))).toBe('ERR_CONFIG_INVALID')
  })

  test('is not ready until every file is loaded, then loads from disk', async () => {
    const path = join(dir, 'news.tsmodel')
    const model = train('news')
    await saveModel(model, path)
    const registry = new ModelRegistry([{ name: 'news', path }])
    expect(registry.isReady()).toBe(false)
    expect(await codeOf(() => registry.get())).toBe('ERR_NOT_READY')
    await registry.loadAll()
    expect(registry.isReady()).toBe(true)
    expect(registry.get().metadata.version).toBe(model.metadata.version)
    expect(registry.get().classify('the striker scored').label).toBe(
      model.classify('the striker scored').label,
    )
  })

  test('reload swaps atomically: callers holding the old instance keep it, new lookups get the new one', async () => {
    const path = join(dir, 'swap.tsmodel')
    const first = train('first version')
    const second = train('second version entirely different words')
    await saveModel(first, path)
    const loaded: string[] = []
    const registry = new ModelRegistry([{ name: 'swap', path }])
    registry.onLoad((entry) => loaded.push(entry.ref?.version ?? ''))
    await registry.loadAll()
    const held = registry.get('swap')
    await saveModel(second, path)
    const entry = await registry.reload('swap')
    expect(entry.ref?.version).toBe(second.metadata.version)
    expect(registry.get('swap').metadata.version).toBe(second.metadata.version)
    expect(held.metadata.version).toBe(first.metadata.version)
    expect(held.classify('goal').label).toBe('sports')
    expect(loaded).toEqual([first.metadata.version, second.metadata.version])
  })

  test('a failed reload keeps the current model serving', async () => {
    const path = join(dir, 'broken.tsmodel')
    const model = train('broken')
    await saveModel(model, path)
    const registry = new ModelRegistry([{ name: 'broken', path }])
    await registry.loadAll()
    await writeFile(path, 'not a model')
    const code = await codeOf(registry.reload('broken'))
    expect(['ERR_MODEL_FILE_INVALID', 'ERR_MODEL_FILE_VERSION']).toContain(code)
    expect(registry.get('broken').metadata.version).toBe(model.metadata.version)
    expect(registry.isReady()).toBe(true)
  })

  test('concurrent reloads of one model run one after the other', async () => {
    const order: string[] = []
    const model = train('serial')
    let calls = 0
    const registry = new ModelRegistry([{ name: 'serial', path: 'serial.tsmodel' }], {
      load: async () => {
        const call = ++calls
        order.push(`start ${call}`)
        await new Promise((resolve) => setTimeout(resolve, call === 1 ? 30 : 1))
        order.push(`end ${call}`)
        return model
      },
    })
    await Promise.all([registry.reload('serial'), registry.reload('serial')])
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2'])
  })

  test('install swaps in a model built in memory: held instances stay, listeners hear of it', () => {
    const first = train('installed first')
    const second = train('installed second with other words')
    const registry = new ModelRegistry([{ name: 'live', model: first }])
    const heard: string[] = []
    registry.onLoad((entry) => heard.push(entry.ref?.version ?? ''))
    const held = registry.get('live')
    const entry = registry.install('live', second)
    expect(entry).toMatchObject({ name: 'live', ref: { name: 'live', version: second.metadata.version } })
    expect(registry.get('live')).toBe(second)
    expect(registry.entry('live').ref).toEqual({ name: 'live', version: second.metadata.version })
    expect(held).toBe(first)
    expect(held.classify('goal').label).toBe('sports')
    expect(heard).toEqual([second.metadata.version])
  })

  test('install makes a model that is still loading ready, and refuses an unknown name', async () => {
    const model = train('ready by install')
    const registry = new ModelRegistry([{ name: 'late', path: join(dir, 'never-written.tsmodel') }])
    expect(registry.isReady()).toBe(false)
    registry.install('late', model)
    expect(registry.isReady()).toBe(true)
    expect(registry.get()).toBe(model)
    expect(await codeOf(() => registry.install('other', model))).toBe('ERR_MODEL_NOT_FOUND')
  })

  test('a reload still reading its file when a model is installed does not replace the installed one', async () => {
    const fromFile = train('from the file')
    const installed = train('installed while the file was read')
    let release: () => void = () => {}
    const reading = new Promise<void>((resolve) => (release = resolve))
    let started: () => void = () => {}
    const readStarted = new Promise<void>((resolve) => (started = resolve))
    const registry = new ModelRegistry([{ name: 'race', path: 'race.tsmodel' }], {
      load: async () => {
        started()
        await reading
        return fromFile
      },
    })
    const reload = registry.reload('race')
    await readStarted
    registry.install('race', installed)
    release()
    expect((await reload).ref?.version).toBe(installed.metadata.version)
    expect(registry.get('race')).toBe(installed)
    // A reload asked for after the install is newer: it wins.
    expect((await registry.reload('race')).ref?.version).toBe(fromFile.metadata.version)
  })
})

describe('model sources', () => {
  test('discoverModels lists *.tsmodel files sorted by name', async () => {
    const models = await mkdtemp(join(dir, 'dir-'))
    await writeFile(join(models, 'b.tsmodel'), '')
    await writeFile(join(models, 'a.tsmodel'), '')
    await writeFile(join(models, 'notes.txt'), '')
    expect((await discoverModels(models)).map((source) => source.name)).toEqual(['a', 'b'])
    expect(await codeOf(discoverModels(join(dir, 'nowhere')))).toBe('ERR_MODEL_NOT_FOUND')
    const empty = await mkdtemp(join(dir, 'empty-'))
    expect(await codeOf(discoverModels(empty))).toBe('ERR_MODEL_NOT_FOUND')
  })
})
