import { describe, expect, it } from 'vitest'
import { trainClassifier } from '../../src/engine/index.js'
import { makePointer } from '../../src/models-topic/records.js'
import type { Manifest } from '../../src/models-topic/records.js'
import { STATUS_HISTORY, emptyLog, record, retain } from '../../src/models-topic/state.js'
import type { ModelLog } from '../../src/models-topic/state.js'

const KEEP = 3

function chunk(log: ModelLog, version: string, index: number, serves = true): void {
  record(log, { kind: 'chunk', name: 'news', version, index, bytes: Buffer.from([index]) }, serves, KEEP)
}

function point(log: ModelLog, version: string, history: readonly string[]): void {
  record(
    log,
    { kind: 'current', name: 'news', pointer: makePointer(version, 'publish', history) },
    true,
    KEEP,
  )
}

const manifest = (version: string): Manifest => ({
  name: 'news',
  version,
  bytes: 1,
  chunks: 1,
  chunkBytes: 1,
  sha256: '0'.repeat(64),
  createdAt: 't',
  source: 'train',
})

describe('a follower’s log of one model', () => {
  it('keeps no bytes of a model the process does not serve', () => {
    const log = emptyLog()
    chunk(log, 'v1', 0, false)
    expect(log.held.size).toBe(0)
  })

  it('drops a version’s bytes when its chunks or its manifest are tombstoned', () => {
    const log = emptyLog()
    chunk(log, 'v1', 0)
    chunk(log, 'v1', 1)
    record(log, { kind: 'manifest', name: 'news', version: 'v1', manifest: manifest('v1') }, true, KEEP)
    record(log, { kind: 'chunk', name: 'news', version: 'v1', index: 0, bytes: null }, true, KEEP)
    expect([...(log.held.get('v1')?.chunks.keys() ?? [])]).toEqual([1])
    record(log, { kind: 'manifest', name: 'news', version: 'v1', manifest: null }, true, KEEP)
    expect(log.held.has('v1')).toBe(false)
    expect(log.manifests.has('v1')).toBe(false)
  })

  it('drops the bytes of versions a pointer pushes out of the window', () => {
    const log = emptyLog()
    const history: string[] = []
    for (const version of ['v1', 'v2', 'v3', 'v4']) {
      chunk(log, version, 0)
      point(log, version, history)
      history.unshift(version)
    }
    expect([...log.held.keys()].sort()).toEqual(['v2', 'v3', 'v4'])
  })

  it('drops what a publisher that died halfway left after one more publication, not before', () => {
    const log = emptyLog()
    chunk(log, 'v1', 0)
    point(log, 'v1', [])
    chunk(log, 'orphan', 0)
    // Another publication, interleaved with the orphan's: it must keep the orphan for now.
    chunk(log, 'v2', 0)
    point(log, 'v2', ['v1'])
    expect(log.held.has('orphan')).toBe(true)
    chunk(log, 'v3', 0)
    point(log, 'v3', ['v2', 'v1'])
    expect(log.held.has('orphan')).toBe(false)
    expect([...log.held.keys()].sort()).toEqual(['v1', 'v2', 'v3'])
  })

  it('retains an instance served before only while its version is in the window', () => {
    const model = trainClassifier(
      { texts: ['alpha beta', 'gamma delta'], targets: [0, 1], classes: ['x', 'y'] },
      {},
      { source: 'inline:state', fingerprint: 'state' },
    )
    const log = emptyLog()
    point(log, 'v2', ['v1'])
    retain(log, 'v1', model, KEEP)
    expect(log.held.get('v1')?.model).toBe(model)
    retain(log, 'elsewhere', model, 1)
    expect(log.held.has('elsewhere')).toBe(false)
    point(log, 'v3', ['v2', 'v1'])
    point(log, 'v4', ['v3', 'v2', 'v1'])
    expect(log.held.has('v1')).toBe(false)
  })

  it('keeps the latest status and a bounded history of them', () => {
    const log = emptyLog()
    for (let index = 0; index < STATUS_HISTORY + 5; index++) {
      record(log, { kind: 'status', name: 'news', status: { index } }, true, KEEP)
    }
    expect(log.status).toEqual({ index: STATUS_HISTORY + 4 })
    expect(log.statuses).toHaveLength(STATUS_HISTORY)
    expect(log.statuses[0]).toEqual({ index: 5 })
  })
})
