import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { loadTwentyNewsgroups } from '../../../src/engine/datasets/index.js'
import type { Progress } from '../../../src/engine/types.js'
import { requireData, twentyNewsgroupsArchive } from '../../helpers/data.js'
import { makeTarGz, miniNewsgroups, writeTemp } from './fixtures.js'

describe('20news loader on a generated archive', () => {
  it('orders classes and posts like load_files and decodes Latin-1', async () => {
    const bytes = await makeTarGz(miniNewsgroups())
    const path = await writeTemp('20news-bydate.tar.gz', bytes)
    const progress: Progress[] = []
    const dataset = await loadTwentyNewsgroups(path, { onProgress: (p) => progress.push(p) })

    expect(dataset.source).toBe(`20news:${path}`)
    expect(dataset.fingerprint).toBe(createHash('sha256').update(bytes).digest('hex'))
    expect(dataset.train.classes).toEqual(['alt.atheism', 'comp.graphics', 'sci.space'])
    // '10' sorts before '9' as Python's sorted() does on file names.
    expect(dataset.train.texts).toEqual([
      'café',
      'god belief',
      'pixel render',
      'moon orbit',
      'orbit rocket launch',
    ])
    expect([...dataset.train.targets]).toEqual([0, 0, 1, 2, 2])
    expect(dataset.test?.texts).toEqual(['belief', 'render', 'rocket'])
    expect([...(dataset.test?.targets ?? [])]).toEqual([0, 1, 2])
    expect(progress.at(-1)).toEqual({ phase: 'read 20news', done: bytes.length, total: bytes.length })
  })

  it('keeps a category subset, renumbered in sorted order', async () => {
    const path = await writeTemp('20news-bydate.tar.gz', await makeTarGz(miniNewsgroups()))
    const dataset = await loadTwentyNewsgroups(path, { categories: ['sci.space', 'alt.atheism'] })
    expect(dataset.train.classes).toEqual(['alt.atheism', 'sci.space'])
    expect([...dataset.train.targets]).toEqual([0, 0, 1, 1])
    expect(dataset.test?.texts).toEqual(['belief', 'rocket'])
  })

  it('rejects an unknown category and lists the valid ones', async () => {
    const path = await writeTemp('20news-bydate.tar.gz', await makeTarGz(miniNewsgroups()))
    await expect(loadTwentyNewsgroups(path, { categories: ['sci.space', 'sci.nope'] })).rejects.toMatchObject(
      {
        code: 'ERR_DATASET_UNKNOWN_CATEGORY',
        message: expect.stringContaining(
          '"sci.nope"; valid categories: alt.atheism, comp.graphics, sci.space',
        ),
      },
    )
  })

  it('reports a truncated archive as ERR_DATASET_INVALID', async () => {
    const bytes = await makeTarGz(miniNewsgroups())
    const path = await writeTemp('20news-bydate.tar.gz', bytes.subarray(0, Math.floor(bytes.length / 2)))
    await expect(loadTwentyNewsgroups(path)).rejects.toMatchObject({ code: 'ERR_DATASET_INVALID' })
  })

  it('reports a file that is not gzip as ERR_DATASET_INVALID', async () => {
    const path = await writeTemp('20news-bydate.tar.gz', 'this is not an archive\n')
    await expect(loadTwentyNewsgroups(path)).rejects.toMatchObject({
      code: 'ERR_DATASET_INVALID',
      message: expect.stringContaining('damaged or not a .tar.gz archive'),
    })
  })

  it('reports an archive of something else as ERR_DATASET_INVALID', async () => {
    const path = await writeTemp('other.tar.gz', await makeTarGz([{ name: 'readme.txt', body: 'hi' }]))
    await expect(loadTwentyNewsgroups(path)).rejects.toMatchObject({
      code: 'ERR_DATASET_INVALID',
      message: expect.stringContaining('not the 20 Newsgroups bydate archive'),
    })
  })

  it('reports a missing archive as ERR_DATASET_NOT_FOUND', async () => {
    await expect(loadTwentyNewsgroups('/nonexistent/20news.tar.gz')).rejects.toMatchObject({
      code: 'ERR_DATASET_NOT_FOUND',
    })
  })
})

const realArchive = twentyNewsgroupsArchive()
const archive = realArchive.path
const hasArchive = requireData('the real-archive loader tests', [realArchive])

describe.skipIf(!hasArchive)('20news loader on the real archive', () => {
  it('reads 11,314 training and 7,532 test posts in 20 groups', async () => {
    const dataset = await loadTwentyNewsgroups(archive)
    expect(dataset.train.classes).toHaveLength(20)
    expect(dataset.train.texts).toHaveLength(11_314)
    expect(dataset.test?.texts).toHaveLength(7_532)
    expect(dataset.fingerprint).toBe('dad297af82a94dd5d7480f5f51b36d634e156dc6cf45df7a1936d2abe1957353')
    expect(dataset.train.classes[0]).toBe('alt.atheism')
    expect(dataset.train.texts[0]).toMatch(/^From: /)
  })

  it('reads the four tutorial categories: 2,257 train / 1,502 test', async () => {
    const categories = ['alt.atheism', 'soc.religion.christian', 'comp.graphics', 'sci.med']
    const dataset = await loadTwentyNewsgroups(archive, { categories })
    expect(dataset.train.classes).toEqual([
      'alt.atheism',
      'comp.graphics',
      'sci.med',
      'soc.religion.christian',
    ])
    expect(dataset.train.texts).toHaveLength(2_257)
    expect(dataset.test?.texts).toHaveLength(1_502)
  })
})
