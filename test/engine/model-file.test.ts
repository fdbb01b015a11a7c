import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TopicstreamError } from '../../src/errors.js'
import {
  MODEL_FORMAT_VERSION,
  encodeModel,
  loadModel,
  modelFromBytes,
  saveModel,
  trainClassifier,
  type TextClassifier,
} from '../../src/engine/index.js'
import { SOURCE, classifierFixture, labeled } from './helpers.js'

let dir: string
let model: TextClassifier
let path: string
let bytes: Buffer

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'topicstream-model-'))
  model = trainClassifier(labeled(classifierFixture.train), { ngramRange: [1, 2] }, SOURCE)
  path = join(dir, 'nested', 'news.tsmodel')
  await saveModel(model, path, { testAccuracy: 0.75 })
  bytes = await readFile(path)
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

interface RawHeader {
  metadata: { params: Record<string, unknown> } & Record<string, unknown>
  sections: Record<string, { offset: number; length: number }>
}

/**
 * The file with its JSON header replaced by `change(header)`, sections moved to match and the
 * checksum recomputed: a file some other writer could have made.
 */
function rewriteHeader(file: Buffer, change: (header: RawHeader) => RawHeader): Buffer {
  const headerLength = file.readUInt32LE(12)
  const dataStart = Math.ceil((16 + headerLength) / 8) * 8
  const header = JSON.parse(file.subarray(16, 16 + headerLength).toString()) as RawHeader
  const json = Buffer.from(JSON.stringify(change(header)))
  const newStart = Math.ceil((16 + json.length) / 8) * 8
  const preamble = Buffer.from(file.subarray(0, 16))
  preamble.writeUInt32LE(json.length, 12)
  const body = file.subarray(dataStart, file.length - 8)
  const out = Buffer.concat([
    preamble,
    json,
    Buffer.alloc(newStart - 16 - json.length),
    body,
    Buffer.alloc(8),
  ])
  out.writeUInt32LE(crc32(out.subarray(0, out.length - 8)) >>> 0, out.length - 8)
  file.copy(out, out.length - 4, file.length - 4)
  return out
}

async function expectLoadError(file: Uint8Array | string, code: string, message?: RegExp): Promise<void> {
  const target = join(dir, `bad-${Math.random().toString(36).slice(2)}.tsmodel`)
  await writeFile(target, file)
  const error = await loadModel(target).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(TopicstreamError)
  expect((error as TopicstreamError).code).toBe(code)
  if (message) expect((error as TopicstreamError).message).toMatch(message)
}

describe('model files', () => {
  it('round-trips: identical predictions, vocabulary and metadata', async () => {
    const loaded = await loadModel(path)
    expect(loaded.classes).toEqual(model.classes)
    expect(loaded.terms).toEqual(model.terms)
    expect(loaded.metadata).toEqual({ ...model.metadata, testAccuracy: 0.75 })
    for (const text of [...classifierFixture.test, 'goal team', 'new phone']) {
      expect(loaded.predictProba(text)).toEqual(model.predictProba(text))
      expect(loaded.classify(text, { explain: true })).toEqual(model.classify(text, { explain: true }))
    }
  })

  it('encodes in memory the very bytes saveModel writes, and reads them back without a file', () => {
    const encoded = encodeModel(model, { testAccuracy: 0.75 })
    expect(encoded.equals(bytes)).toBe(true)
    const decoded = modelFromBytes(encoded, 'news@memory')
    expect(decoded.metadata).toEqual({ ...model.metadata, testAccuracy: 0.75 })
    expect(decoded.predictProba('goal phone')).toEqual(model.predictProba('goal phone'))
    const corrupt = Buffer.from(encoded)
    corrupt[corrupt.length >> 1] ^= 0xff
    expect(() => modelFromBytes(corrupt, 'news@memory')).toThrow(/news@memory .*checksum mismatch/)
  })

  it('keeps the counts, so a loaded model can be updated like the original', async () => {
    const loaded = await loadModel(path)
    const texts = ['goal goal', 'phone camera']
    const labels = ['sports', 'tech']
    const original = trainClassifier(labeled(classifierFixture.train), { ngramRange: [1, 2] }, SOURCE)
    original.partialFit(texts, labels)
    loaded.partialFit(texts, labels)
    expect(loaded.predictProba('goal phone')).toEqual(original.predictProba('goal phone'))
  })

  it('writes atomically: no temporary file is left behind', async () => {
    expect(await readdir(join(dir, 'nested'))).toEqual(['news.tsmodel'])
    await saveModel(model, path)
    expect(await readdir(join(dir, 'nested'))).toEqual(['news.tsmodel'])
  })

  it('starts with the signature and the format version: 1 for a count model, which older readers take', () => {
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x54, 0x53, 0x4d, 0x0d, 0x0a, 0x1a, 0x0a]))
    expect(bytes.readUInt32LE(8)).toBe(1)
    expect(MODEL_FORMAT_VERSION).toBe(2)
  })

  it('reads a file written before hashing existed (no vectorizer in its parameters) as a count model', async () => {
    const old = rewriteHeader(bytes, (header) => {
      const { vectorizer: _vectorizer, nFeatures: _nFeatures, ...params } = header.metadata.params
      return { ...header, metadata: { ...header.metadata, params } }
    })
    const target = join(dir, 'old.tsmodel')
    await writeFile(target, old)
    const loaded = await loadModel(target)
    expect(loaded.metadata.params).toMatchObject({ vectorizer: 'count', nFeatures: 2 ** 18 })
    expect(loaded.predictProba('goal phone')).toEqual(model.predictProba('goal phone'))
  })

  it('refuses a missing file with ERR_MODEL_NOT_FOUND', async () => {
    const error = await loadModel(join(dir, 'absent.tsmodel')).catch((e: unknown) => e)
    expect((error as TopicstreamError).code).toBe('ERR_MODEL_NOT_FOUND')
  })

  it('refuses truncated files', async () => {
    for (const length of [0, 5, 12, 100, bytes.length >> 1, bytes.length - 1]) {
      await expectLoadError(bytes.subarray(0, length), 'ERR_MODEL_FILE_INVALID', /truncated|signature/)
    }
  })

  it('refuses a file with one flipped byte anywhere in the body', async () => {
    for (const at of [20, bytes.length >> 1, bytes.length - 20]) {
      const corrupt = Buffer.from(bytes)
      corrupt[at] = corrupt[at]! ^ 0x01
      await expectLoadError(corrupt, 'ERR_MODEL_FILE_INVALID', /checksum/)
    }
  })

  it('refuses foreign files', async () => {
    await expectLoadError('{"classes": ["a"]}\n', 'ERR_MODEL_FILE_INVALID', /signature/)
    await expectLoadError(Buffer.alloc(4096, 7), 'ERR_MODEL_FILE_INVALID', /signature/)
  })

  it('refuses a directory', async () => {
    const error = await loadModel(dir).catch((e: unknown) => e)
    expect((error as TopicstreamError).code).toBe('ERR_MODEL_FILE_INVALID')
  })

  it('refuses a newer format with ERR_MODEL_FILE_VERSION', async () => {
    const newer = Buffer.from(bytes)
    newer.writeUInt32LE(MODEL_FORMAT_VERSION + 1, 8)
    await expectLoadError(newer, 'ERR_MODEL_FILE_VERSION', /format 3/)
  })

  it('refuses a checksummed file whose lookup table does not match its terms', async () => {
    // A consistent checksum does not make a file trustworthy: a damaged table must not be able to
    // cause out-of-range reads or endless probing.
    const header = JSON.parse(bytes.subarray(16, 16 + bytes.readUInt32LE(12)).toString()) as {
      sections: Record<string, { offset: number; length: number }>
    }
    const dataStart = Math.ceil((16 + bytes.readUInt32LE(12)) / 8) * 8
    const table = header.sections.termTable!
    const forged = Buffer.from(bytes)
    for (let at = dataStart + table.offset; at < dataStart + table.offset + table.length; at += 16) {
      if (forged.readInt32LE(at + 4) !== -1) {
        forged.writeInt32LE(forged.readInt32LE(at + 12) + 1, at + 12)
        break
      }
    }
    forged.writeUInt32LE(crc32(forged.subarray(0, forged.length - 8)) >>> 0, forged.length - 8)
    await expectLoadError(forged, 'ERR_MODEL_FILE_INVALID', /term table/)
  })

  it('refuses a checksummed file whose header lies about the vocabulary size', async () => {
    const headerLength = bytes.readUInt32LE(12)
    const text = bytes.subarray(16, 16 + headerLength).toString()
    const size = model.terms.length
    const lying = text.replace(
      `"vocabularySize":${size}`,
      `"vocabularySize":${size + 1}`.padEnd(String(size).length + 17),
    )
    expect(lying).not.toBe(text)
    const forged = Buffer.from(bytes)
    forged.write(lying.slice(0, headerLength), 16)
    forged.writeUInt32LE(crc32(forged.subarray(0, forged.length - 8)) >>> 0, forged.length - 8)
    await expectLoadError(forged, 'ERR_MODEL_FILE_INVALID', /termOffsets/)
  })

  // A checksum says the bytes arrived as written, not that the numbers make a model.
  it.each([
    ['weights', Number.NaN],
    ['weights', Infinity],
    ['weights', -Infinity],
    ['classLogPrior', Number.NaN],
    ['idf', Infinity],
    ['idf', -Infinity],
    ['featureCount', Number.NaN],
    ['classCount', Infinity],
  ])('refuses a checksummed file whose section %s holds %s', async (name, value) => {
    const header = JSON.parse(bytes.subarray(16, 16 + bytes.readUInt32LE(12)).toString()) as {
      sections: Record<string, { offset: number; length: number }>
    }
    const dataStart = Math.ceil((16 + bytes.readUInt32LE(12)) / 8) * 8
    const section = header.sections[name]!
    const forged = Buffer.from(bytes)
    forged.writeDoubleLE(value, dataStart + section.offset + 8)
    forged.writeUInt32LE(crc32(forged.subarray(0, forged.length - 8)) >>> 0, forged.length - 8)
    await expectLoadError(
      forged,
      'ERR_MODEL_FILE_INVALID',
      new RegExp(`section "${name}" holds ${value} at index 1`),
    )
  })
})

describe('a model that learnt a new class', () => {
  it('keeps its held-out reference in step with its classes: the new class had no share of it', async () => {
    const source = join(dir, 'reference.tsmodel')
    const reference = { documents: 10, predictedMix: [0.2, 0.3, 0.5], calibration: Array(20).fill(null) }
    await saveModel(trainClassifier(labeled(classifierFixture.train), {}, SOURCE), source, { reference })
    const model = await loadModel(source)
    model.partialFit(['bread oven'], ['cooking'])
    const target = join(dir, 'reference-updated.tsmodel')
    await saveModel(model, target)
    const loaded = await loadModel(target)
    expect(loaded.classes).toEqual(['cooking', 'politics', 'sports', 'tech'])
    expect(loaded.metadata.reference?.predictedMix).toEqual([0, 0.2, 0.3, 0.5])
  })
})

describe('held-out references in model files', () => {
  const reference = {
    documents: 40,
    predictedMix: [0.25, 0.25, 0.5],
    calibration: Array.from({ length: 20 }, (_, band) => (band < 4 ? null : band / 20)),
  }

  it('round-trip', async () => {
    const path = join(dir, 'with-reference.tsmodel')
    await saveModel(trainClassifier(labeled(classifierFixture.train), {}, SOURCE), path, { reference })
    expect((await loadModel(path)).metadata.reference).toEqual(reference)
  })

  it.each([
    ['a mix of another length', { ...reference, predictedMix: [0.5, 0.5] }],
    ['a share over 1', { ...reference, predictedMix: [0.25, 0.25, 1.5] }],
    ['a calibration of another length', { ...reference, calibration: [0.5] }],
    [
      'a calibration that is not a number',
      { ...reference, calibration: reference.calibration.map(() => 'x') },
    ],
    ['no document count', { ...reference, documents: 'many' }],
  ])('are refused with %s', async (_case, forged) => {
    const path = join(dir, 'forged-reference.tsmodel')
    await saveModel(trainClassifier(labeled(classifierFixture.train), {}, SOURCE), path)
    const file = rewriteHeader(await readFile(path), (header) => ({
      ...header,
      metadata: { ...header.metadata, reference: forged },
    }))
    await expectLoadError(file, 'ERR_MODEL_FILE_INVALID', /held-out reference/)
  })
})

describe('hashing model files', () => {
  const train = labeled(classifierFixture.train)
  const params = { vectorizer: 'hashing', nFeatures: 1 << 12, ngramRange: [1, 2] } as const

  it('round-trip without a vocabulary, in format 2', async () => {
    const hashing = trainClassifier(train, params, SOURCE)
    const target = join(dir, 'hashing.tsmodel')
    await saveModel(hashing, target)
    const file = await readFile(target)
    expect(file.readUInt32LE(8)).toBe(2)
    const header = JSON.parse(file.subarray(16, 16 + file.readUInt32LE(12)).toString()) as RawHeader
    expect(Object.keys(header.sections)).toEqual([
      'idf',
      'classCount',
      'featureCount',
      'weights',
      'classLogPrior',
    ])
    const loaded = await loadModel(target)
    expect(loaded.metadata).toEqual(hashing.metadata)
    expect(loaded.terms).toEqual([])
    for (const text of [...classifierFixture.test, 'goal team', 'zebra']) {
      expect(loaded.classify(text, { explain: true })).toEqual(hashing.classify(text, { explain: true }))
    }
  })

  it('keep the classes partialFit added, and go on learning like the original', async () => {
    const hashing = trainClassifier(train, params, SOURCE)
    hashing.partialFit(['bread oven', 'rain wind'], ['cooking', 'weather'])
    const target = join(dir, 'hashing-updated.tsmodel')
    await saveModel(hashing, target)
    const loaded = await loadModel(target)
    expect(loaded.classes).toEqual(['cooking', 'politics', 'sports', 'tech', 'weather'])
    expect(loaded.metadata.classes).toEqual(loaded.classes)
    for (const model of [hashing, loaded]) model.partialFit(['soup', 'snow'], ['cooking', 'winter'])
    expect(loaded.classes).toEqual(hashing.classes)
    expect(loaded.predictProba('bread snow soup')).toEqual(hashing.predictProba('bread snow soup'))
    expect(loaded.metadata.version).toBe(hashing.metadata.version)
  })

  it('refuse a format 1 file that claims a hashing model, and a column count that is not nFeatures', async () => {
    const target = join(dir, 'hashing-bad.tsmodel')
    await saveModel(trainClassifier(train, params, SOURCE), target)
    const file = await readFile(target)
    const older = Buffer.from(file)
    older.writeUInt32LE(1, 8)
    older.writeUInt32LE(crc32(older.subarray(0, older.length - 8)) >>> 0, older.length - 8)
    await expectLoadError(older, 'ERR_MODEL_FILE_INVALID', /format 1 cannot hold a hashing model/)
    const lying = rewriteHeader(file, (header) => ({
      ...header,
      metadata: { ...header.metadata, vocabularySize: 1 << 11 },
    }))
    await expectLoadError(lying, 'ERR_MODEL_FILE_INVALID', /nFeatures columns/)
  })
})
