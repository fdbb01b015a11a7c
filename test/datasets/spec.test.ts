import { describe, expect, it } from 'vitest'
import { loadDataset } from '../../src/datasets/spec.js'
import { makeTarGz, makeTree, miniNewsgroups, writeTemp } from '../engine/datasets/fixtures.js'

describe('dataset specs', () => {
  it('reads 20news:PATH, dir:PATH, csv:PATH and jsonl:PATH with their loaders', async () => {
    const archive = await writeTemp('20news-bydate.tar.gz', await makeTarGz(miniNewsgroups()))
    const news = await loadDataset(`20news:${archive}`, { categories: ['sci.space', 'alt.atheism'] })
    expect(news.source).toBe(`20news:${archive}`)
    expect(news.train.classes).toEqual(['alt.atheism', 'sci.space'])
    expect(news.test?.texts).toEqual(['belief', 'rocket'])

    const root = await makeTree({ 'x/1': 'fine', 'y/1': Buffer.from([0x63, 0x61, 0x66, 0xe9]) })
    const folder = await loadDataset(`dir:${root}`, { encoding: 'latin1' })
    expect(folder.source).toBe(`dir:${root}`)
    expect(folder.train.texts).toEqual(['fine', 'café'])

    const csv = await writeTemp('data.csv', 'Topic,Body\nx,one\ny,two\n')
    const table = await loadDataset(`csv:${csv}`, { textColumn: 'Body', labelColumn: 'Topic' })
    expect(table.source).toBe(`csv:${csv}`)
    expect(table.train.texts).toEqual(['one', 'two'])

    const jsonl = await writeTemp('data.jsonl', '{"text":"a","label":"x"}\n{"text":"b","label":"y"}\n')
    const lines = await loadDataset(`jsonl:${jsonl}`, { categories: ['y'] })
    expect(lines.source).toBe(`jsonl:${jsonl}`)
    expect(lines.train.texts).toEqual(['b'])
  })

  it('takes the archive from TOPICSTREAM_20NEWS when 20news has no path', async () => {
    const archive = await writeTemp('20news-bydate.tar.gz', await makeTarGz(miniNewsgroups()))
    const dataset = await loadDataset('20news', { env: { TOPICSTREAM_20NEWS: archive } })
    expect(dataset.source).toBe(`20news:${archive}`)
    expect(dataset.train.texts).toHaveLength(5)
  })

  it('holds out a deterministic stratified test split when asked', async () => {
    const files: Record<string, string> = {}
    for (let i = 0; i < 10; i++) files[`a/${i}`] = `alpha ${i}`
    for (let i = 0; i < 10; i++) files[`b/${i}`] = `beta ${i}`
    const root = await makeTree(files)
    const dataset = await loadDataset(`dir:${root}`, { testSize: 0.3, seed: 3 })
    expect(dataset.train.texts).toHaveLength(14)
    expect(dataset.test?.texts).toHaveLength(6)
    const again = await loadDataset(`dir:${root}`, { testSize: 0.3, seed: 3 })
    expect(again.test?.texts).toEqual(dataset.test?.texts)
    const whole = await loadDataset(`dir:${root}`, { testSize: 0 })
    expect(whole.test).toBeUndefined()
  })

  it('keeps the test split of a dataset that has one', async () => {
    const archive = await writeTemp('20news-bydate.tar.gz', await makeTarGz(miniNewsgroups()))
    const dataset = await loadDataset(`20news:${archive}`, { testSize: 0.5 })
    expect(dataset.train.texts).toHaveLength(5)
    expect(dataset.test?.texts).toEqual(['belief', 'render', 'rocket'])
  })

  it('rejects an unknown kind and a missing path', async () => {
    await expect(loadDataset('parquet:/x')).rejects.toMatchObject({
      code: 'ERR_CONFIG_INVALID',
      message: 'unknown dataset "parquet:/x": expected 20news:PATH, dir:PATH, csv:PATH, jsonl:PATH or 20news',
    })
    for (const kind of ['dir', 'csv', 'jsonl:']) {
      await expect(loadDataset(kind)).rejects.toMatchObject({
        code: 'ERR_CONFIG_INVALID',
        message: expect.stringContaining('needs a path'),
      })
    }
  })
})
