import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadDirectory } from '../../../src/engine/datasets/index.js'
import { makeTree, tempDir } from './fixtures.js'

describe('directory loader', () => {
  it('reads one class per folder, classes and files sorted, top-level files ignored', async () => {
    const root = await makeTree({
      'sports/b.txt': 'match',
      'sports/a.txt': 'goal',
      'politics/z.txt': 'vote ✓',
      'README.txt': 'not a document',
    })
    const dataset = await loadDirectory(root)
    expect(dataset.source).toBe(`dir:${root}`)
    expect(dataset.train.classes).toEqual(['politics', 'sports'])
    expect(dataset.train.texts).toEqual(['vote ✓', 'goal', 'match'])
    expect([...dataset.train.targets]).toEqual([0, 1, 1])
    expect(dataset.test).toBeUndefined()
    expect(dataset.fingerprint).toMatch(/^[0-9a-f]{64}$/)
  })

  it('changes the fingerprint when a document changes', async () => {
    const a = await loadDirectory(await makeTree({ 'x/1': 'one', 'y/1': 'two' }))
    const b = await loadDirectory(await makeTree({ 'x/1': 'one', 'y/1': 'three' }))
    expect(a.fingerprint).not.toBe(b.fingerprint)
  })

  it('rejects invalid UTF-8 naming the file, and reads it with latin1', async () => {
    const root = await makeTree({ 'x/good': 'fine', 'y/bad': Buffer.from([0x63, 0x61, 0x66, 0xe9]) })
    await expect(loadDirectory(root)).rejects.toMatchObject({
      code: 'ERR_DATASET_INVALID',
      message: `${join(root, 'y', 'bad')} is not valid UTF-8`,
      details: { file: join(root, 'y', 'bad'), encoding: 'utf8' },
    })
    const dataset = await loadDirectory(root, { encoding: 'latin1' })
    expect(dataset.train.texts).toEqual(['fine', 'café'])
  })

  it('keeps a category subset and rejects unknown categories', async () => {
    const root = await makeTree({ 'a/1': 'x', 'b/1': 'y', 'c/1': 'z' })
    const dataset = await loadDirectory(root, { categories: ['c', 'a'] })
    expect(dataset.train.classes).toEqual(['a', 'c'])
    await expect(loadDirectory(root, { categories: ['d'] })).rejects.toMatchObject({
      code: 'ERR_DATASET_UNKNOWN_CATEGORY',
    })
  })

  it('reports a missing folder and an empty one', async () => {
    await expect(loadDirectory('/nonexistent/folder')).rejects.toMatchObject({
      code: 'ERR_DATASET_NOT_FOUND',
    })
    await expect(loadDirectory(await tempDir())).rejects.toMatchObject({ code: 'ERR_DATASET_INVALID' })
  })
})
