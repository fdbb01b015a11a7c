import { existsSync } from 'node:fs'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { twentyNewsgroupsCachePath } from '../../src/datasets/download.js'
import { loadDataset } from '../../src/datasets/spec.js'
import type { Progress } from '../../src/engine/types.js'
import { makeTarGz, miniNewsgroups, tempDir } from '../engine/datasets/fixtures.js'
import { closedPort, serveArchive } from './fixtures.js'

describe('20news download', () => {
  it('downloads into the cache with progress, then reuses the cached file', async () => {
    const archive = await makeTarGz(miniNewsgroups())
    const { url, requests } = await serveArchive(archive)
    const env = { XDG_CACHE_HOME: await tempDir(), TOPICSTREAM_20NEWS_URL: url }
    const progress: Progress[] = []
    const dataset = await loadDataset('20news', { env, onProgress: (p) => progress.push(p) })

    const cached = twentyNewsgroupsCachePath(env)
    expect(cached).toBe(join(env.XDG_CACHE_HOME, 'topicstream', '20news-bydate.tar.gz'))
    expect(await readFile(cached)).toEqual(archive)
    expect(await readdir(join(env.XDG_CACHE_HOME, 'topicstream'))).toEqual(['20news-bydate.tar.gz'])
    expect(dataset.source).toBe(`20news:${cached}`)
    expect(dataset.train.texts).toHaveLength(5)
    expect(progress.filter((p) => p.phase === 'download 20news').at(-1)).toEqual({
      phase: 'download 20news',
      done: archive.length,
      total: archive.length,
    })

    await loadDataset('20news', { env })
    expect(requests()).toBe(1)
  })

  it('fails with ERR_DATASET_DOWNLOAD_FAILED and a hint when offline', async () => {
    const env = {
      XDG_CACHE_HOME: await tempDir(),
      TOPICSTREAM_20NEWS_URL: `http://127.0.0.1:${await closedPort()}/20news-bydate.tar.gz`,
    }
    const failure = loadDataset('20news', { env })
    await expect(failure).rejects.toMatchObject({
      code: 'ERR_DATASET_DOWNLOAD_FAILED',
      canRetry: true,
      message: expect.stringContaining(
        '--dataset 20news:PATH or the TOPICSTREAM_20NEWS environment variable',
      ),
    })
    await expect(failure).rejects.toThrow(/ECONNREFUSED/)
    expect(existsSync(twentyNewsgroupsCachePath(env))).toBe(false)
  })

  it('fails on an HTTP error status', async () => {
    const { url } = await serveArchive(Buffer.from('gone'), 404)
    const env = { XDG_CACHE_HOME: await tempDir(), TOPICSTREAM_20NEWS_URL: url }
    await expect(loadDataset('20news', { env })).rejects.toMatchObject({
      code: 'ERR_DATASET_DOWNLOAD_FAILED',
      message: expect.stringContaining('HTTP 404'),
    })
  })

  it('does not keep a download that is not the archive', async () => {
    const { url } = await serveArchive(Buffer.from('<html>captive portal</html>'))
    const env = { XDG_CACHE_HOME: await tempDir(), TOPICSTREAM_20NEWS_URL: url }
    await expect(loadDataset('20news', { env })).rejects.toMatchObject({
      code: 'ERR_DATASET_DOWNLOAD_FAILED',
      message: expect.stringContaining('is not the 20 Newsgroups archive'),
    })
    expect(await readdir(join(env.XDG_CACHE_HOME, 'topicstream'))).toEqual([])
  })
})
