import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { isTopicstreamError } from '../../src/errors.js'
import type { OutgoingRecord } from '../../src/kafka/client.js'
import {
  DEFAULT_CHUNK_BYTES,
  MAX_HISTORY,
  assembleSnapshot,
  commandRecord,
  decodeModelsRecord,
  droppedVersions,
  keptVersions,
  makePointer,
  nextHistory,
  pointerRecord,
  snapshotRecords,
  statusRecord,
  tombstoneRecords,
} from '../../src/models-topic/records.js'
import type { Manifest, ModelsRecord } from '../../src/models-topic/records.js'

const asIncoming = (record: OutgoingRecord): { key: Buffer | null; value: Buffer | null } => ({
  key: record.key === undefined || record.key === null ? null : Buffer.from(record.key),
  value: record.value === null ? null : Buffer.from(record.value),
})

function codeOf(run: () => unknown): string | undefined {
  try {
    run()
  } catch (error) {
    return isTopicstreamError(error) ? error.code : 'not a TopicstreamError'
  }
  return undefined
}

const decode = (key: string | null, value: string | Buffer | null): ModelsRecord =>
  decodeModelsRecord({
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
  })

function snapshot(bytes: Buffer, chunkBytes = 10): { manifest: Manifest; records: OutgoingRecord[] } {
  return snapshotRecords({
    name: 'news',
    version: 'v1',
    bytes,
    source: 'train',
    chunkBytes,
    evaluation: { accuracy: 0.9 },
  })
}

function chunksOf(records: readonly OutgoingRecord[]): Map<number, Buffer> {
  const chunks = new Map<number, Buffer>()
  for (const record of records) {
    const decoded = decodeModelsRecord(asIncoming(record))
    if (decoded.kind === 'chunk' && decoded.bytes !== null) chunks.set(decoded.index, decoded.bytes)
  }
  return chunks
}

describe('snapshot records', () => {
  it('cuts the bytes into chunks in order, then the manifest, all on partition 0', () => {
    const bytes = randomBytes(35)
    const { manifest, records } = snapshot(bytes)
    expect(records.map((record) => record.key)).toEqual([
      'news/chunk/v1/0',
      'news/chunk/v1/1',
      'news/chunk/v1/2',
      'news/chunk/v1/3',
      'news/manifest/v1',
    ])
    expect(records.every((record) => record.partition === 0)).toBe(true)
    expect(manifest).toMatchObject({
      name: 'news',
      version: 'v1',
      bytes: 35,
      chunks: 4,
      chunkBytes: 10,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      source: 'train',
      evaluation: { accuracy: 0.9 },
    })
    expect(Buffer.concat(records.slice(0, 4).map((record) => record.value as Buffer)).equals(bytes)).toBe(
      true,
    )
    const decoded = decodeModelsRecord(asIncoming(records[4] as OutgoingRecord))
    expect(decoded).toEqual({ kind: 'manifest', name: 'news', version: 'v1', manifest })
  })

  it('uses 512 KiB chunks by default and refuses a chunk size Kafka could not carry', () => {
    const { manifest } = snapshotRecords({
      name: 'news',
      version: 'v1',
      bytes: Buffer.alloc(DEFAULT_CHUNK_BYTES + 1),
      source: 'learner',
    })
    expect(manifest).toMatchObject({ chunks: 2, chunkBytes: 512 * 1024 })
    const make = (chunkBytes: number) => () =>
      snapshotRecords({ name: 'news', version: 'v1', bytes: Buffer.alloc(4), source: 'train', chunkBytes })
    expect(codeOf(make(0))).toBe('ERR_CONFIG_INVALID')
    expect(codeOf(make(4 * 1024 * 1024))).toBe('ERR_CONFIG_INVALID')
    expect(
      codeOf(() => snapshotRecords({ name: 'a/b', version: 'v1', bytes: Buffer.alloc(4), source: 'train' })),
    ).toBe('ERR_CONFIG_INVALID')
  })

  it('assembles the chunks back into the bytes the manifest describes', () => {
    const bytes = randomBytes(35)
    const { manifest, records } = snapshot(bytes)
    const chunks = chunksOf(records)
    expect(assembleSnapshot(manifest, (index) => chunks.get(index)).equals(bytes)).toBe(true)
  })

  it('refuses a missing chunk, a chunk of the wrong size and a checksum mismatch', () => {
    const bytes = randomBytes(35)
    const { manifest, records } = snapshot(bytes)
    const missing = chunksOf(records)
    missing.delete(2)
    expect(() => assembleSnapshot(manifest, (index) => missing.get(index))).toThrow(
      /news@v1: chunk 2 of 4 is missing/,
    )
    const short = chunksOf(records)
    short.set(1, Buffer.alloc(9))
    expect(() => assembleSnapshot(manifest, (index) => short.get(index))).toThrow(
      /chunk 1 holds 9 bytes, expected 10/,
    )
    const flipped = chunksOf(records)
    const chunk = Buffer.from(flipped.get(3) as Buffer)
    chunk[0] = (chunk[0] as number) ^ 1
    flipped.set(3, chunk)
    expect(codeOf(() => assembleSnapshot(manifest, (index) => flipped.get(index)))).toBe(
      'ERR_MODEL_SNAPSHOT_INVALID',
    )
    expect(() => assembleSnapshot(manifest, (index) => flipped.get(index))).toThrow(/SHA-256/)
  })
})

describe('pointers, commands and statuses', () => {
  it('round-trip through their records', () => {
    const pointer = makePointer('v3', 'rollback', ['v4', 'v3'], '2024-01-01T00:00:00.000Z')
    expect(decodeModelsRecord(asIncoming(pointerRecord('news', pointer)))).toEqual({
      kind: 'current',
      name: 'news',
      pointer,
    })
    const command = { action: 'promote', id: 'c1', requestedAt: '2024-01-01T00:00:00.000Z' } as const
    expect(decodeModelsRecord(asIncoming(commandRecord('news', command)))).toEqual({
      kind: 'command',
      name: 'news',
      command,
    })
    const status = { candidate: 'v9', learnt: 12, nested: { a: [1, 2] } }
    expect(decodeModelsRecord(asIncoming(statusRecord('news', status)))).toEqual({
      kind: 'status',
      name: 'news',
      status,
    })
  })

  it('keeps a bounded history, newest first', () => {
    expect(nextHistory(undefined)).toEqual([])
    expect(nextHistory(makePointer('v2', 'publish', ['v1']))).toEqual(['v2', 'v1'])
    const long = Array.from({ length: MAX_HISTORY + 10 }, (_, index) => `v${index}`)
    expect(makePointer('new', 'publish', long).history).toHaveLength(MAX_HISTORY)
    expect(nextHistory(makePointer('new', 'publish', long))).toHaveLength(MAX_HISTORY)
  })
})

describe('the window of kept versions', () => {
  it('keeps the last pointed-at versions, and each version falls out once', () => {
    expect(keptVersions({ version: 'v4', history: ['v3', 'v2', 'v1'] }, 3)).toEqual(['v4', 'v3', 'v2'])
    expect(droppedVersions({ version: 'v1', history: [] }, 3)).toEqual([])
    expect(droppedVersions({ version: 'v3', history: ['v2', 'v1'] }, 3)).toEqual([])
    expect(droppedVersions({ version: 'v4', history: ['v3', 'v2', 'v1'] }, 3)).toEqual(['v1'])
    expect(droppedVersions({ version: 'v5', history: ['v4', 'v3', 'v2', 'v1'] }, 3)).toEqual(['v2'])
    expect(droppedVersions({ version: 'v4', history: ['v3', 'v2', 'v1'] }, 1)).toEqual(['v3'])
  })

  it('counts a version pointed at twice once: a rollback keeps the window', () => {
    // v4 was rolled back to v3; then v5 is published.
    expect(droppedVersions({ version: 'v3', history: ['v4', 'v3', 'v2', 'v1'] }, 3)).toEqual([])
    expect(keptVersions({ version: 'v3', history: ['v4', 'v3', 'v2', 'v1'] }, 3)).toEqual(['v3', 'v4', 'v2'])
    expect(droppedVersions({ version: 'v5', history: ['v3', 'v4', 'v3', 'v2', 'v1'] }, 3)).toEqual(['v2'])
  })

  it('writes tombstones for every chunk and then the manifest', () => {
    expect(tombstoneRecords('news', 'v1', 2)).toEqual([
      { key: 'news/chunk/v1/0', value: null, partition: 0 },
      { key: 'news/chunk/v1/1', value: null, partition: 0 },
      { key: 'news/manifest/v1', value: null, partition: 0 },
    ])
  })
})

describe('decodeModelsRecord', () => {
  it('reads tombstones of every kind', () => {
    expect(decode('news/chunk/v1/7', null)).toEqual({
      kind: 'chunk',
      name: 'news',
      version: 'v1',
      index: 7,
      bytes: null,
    })
    expect(decode('news/manifest/v1', null)).toEqual({
      kind: 'manifest',
      name: 'news',
      version: 'v1',
      manifest: null,
    })
    expect(decode('news/current', null)).toEqual({ kind: 'current', name: 'news', pointer: null })
    expect(decode('news/command', null)).toEqual({ kind: 'command', name: 'news', command: null })
    expect(decode('news/status', null)).toEqual({ kind: 'status', name: 'news', status: null })
  })

  it.each([
    ['no key', null, '{}'],
    ['an unknown key', 'news/whatever', '{}'],
    ['a key of another shape', 'news/current/extra', '{}'],
    ['no model name', '/current', '{}'],
    ['a model name with a space', 'my model/current', '{}'],
    ['a chunk index that is not a number', 'news/chunk/v1/x', 'bytes'],
    ['a chunk index with a leading zero', 'news/chunk/v1/01', 'bytes'],
    ['a negative chunk index', 'news/chunk/v1/-1', 'bytes'],
    ['a chunk without a version', 'news/chunk//0', 'bytes'],
    ['a pointer that is not JSON', 'news/current', '{"version":'],
    ['a pointer that is a JSON array', 'news/current', '["v1"]'],
    ['a pointer without a version', 'news/current', '{"action":"publish","at":"t","history":[]}'],
    [
      'a pointer naming a version with a slash',
      'news/current',
      '{"version":"a/b","action":"publish","at":"t","history":[]}',
    ],
    [
      'a pointer with an unknown action',
      'news/current',
      '{"version":"v1","action":"delete","at":"t","history":[]}',
    ],
    [
      'a pointer whose history is not a list',
      'news/current',
      '{"version":"v1","action":"publish","at":"t","history":"v0"}',
    ],
    [
      'a pointer whose history holds a number',
      'news/current',
      '{"version":"v1","action":"publish","at":"t","history":[1]}',
    ],
    ['a command of another action', 'news/command', '{"action":"delete","id":"1","requestedAt":"t"}'],
    ['a command without an id', 'news/command', '{"action":"promote","requestedAt":"t"}'],
    ['a status that is not an object', 'news/status', '42'],
    ['a status that is null', 'news/status', 'null'],
  ])('refuses %s', (_what, key, value) => {
    expect(codeOf(() => decode(key, value))).toBe('ERR_MODEL_SNAPSHOT_INVALID')
  })

  it.each([
    ['another model or version', { name: 'other' }],
    ['a byte count that is not a positive integer', { bytes: -1 }],
    ['a chunk size of zero', { chunkBytes: 0 }],
    ['a chunk count that does not match the size', { chunks: 5 }],
    ['a checksum that is not SHA-256 hex', { sha256: 'abc' }],
    ['an unknown source', { source: 'somewhere' }],
    ['an evaluation that is a list', { evaluation: [1] }],
    ['an invalid previous version', { previous: '../v0' }],
    ['no creation time', { createdAt: 12 }],
  ])('refuses a manifest with %s', (_what, change) => {
    const { manifest } = snapshot(randomBytes(35))
    expect(codeOf(() => decode('news/manifest/v1', JSON.stringify({ ...manifest, ...change })))).toBe(
      'ERR_MODEL_SNAPSHOT_INVALID',
    )
  })

  it('refuses random bytes in keys and values without throwing anything but its own error', () => {
    for (let round = 0; round < 500; round++) {
      const key =
        round % 3 === 0 ? `news/${['current', 'command', 'status', 'manifest/v1'][round % 4]}` : null
      const record = {
        key: key === null ? randomBytes(round % 40) : Buffer.from(key),
        value: randomBytes(round % 64),
      }
      try {
        decodeModelsRecord(record)
      } catch (error) {
        expect(isTopicstreamError(error) && error.code).toBe('ERR_MODEL_SNAPSHOT_INVALID')
      }
    }
  })

  it('keeps a status as it was written, however odd its keys', () => {
    const decoded = decode('news/status', '{"__proto__":{"polluted":true},"constructor":1}')
    expect(decoded.kind === 'status' && decoded.status).toEqual(
      JSON.parse('{"__proto__":{"polluted":true},"constructor":1}'),
    )
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
