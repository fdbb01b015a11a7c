/**
 * Fetches the 20 Newsgroups archive into the user cache when no local copy is given, from the
 * same address scikit-learn's `fetch_20newsgroups` uses. The file is written under a temporary
 * name and renamed only once it has been read as the expected archive, so an interrupted or
 * wrong download never poisons the cache.
 */
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { access, mkdir, rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { cacheHome } from '../cache-dir.js'
import { TopicstreamError } from '../errors.js'
import { loadTwentyNewsgroups } from '../engine/index.js'
import type { Dataset, ProgressListener } from '../engine/index.js'

/** scikit-learn's `sklearn/datasets/_twenty_newsgroups.py` ARCHIVE.url. */
export const TWENTY_NEWSGROUPS_URL = 'https://ndownloader.figshare.com/files/5975967'
export const TWENTY_NEWSGROUPS_FILE = '20news-bydate.tar.gz'

const HOW_TO_PASS_LOCAL =
  'pass a local copy with --dataset 20news:PATH or the TOPICSTREAM_20NEWS environment variable'

export interface DownloadOptions {
  readonly categories?: readonly string[]
  readonly onProgress?: ProgressListener
  /** Reads `TOPICSTREAM_20NEWS_URL`, `XDG_CACHE_HOME` and `HOME` (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv
  readonly signal?: AbortSignal
}

export function twentyNewsgroupsCachePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheHome(env), 'topicstream', TWENTY_NEWSGROUPS_FILE)
}

/** Loads the cached archive, downloading it first when the cache is empty. */
export async function loadCachedTwentyNewsgroups(options: DownloadOptions = {}): Promise<Dataset> {
  const env = options.env ?? process.env
  const target = twentyNewsgroupsCachePath(env)
  const loadOptions = { categories: options.categories, onProgress: options.onProgress }
  if (await exists(target)) return loadTwentyNewsgroups(target, loadOptions)

  const url = env.TOPICSTREAM_20NEWS_URL || TWENTY_NEWSGROUPS_URL
  await mkdir(dirname(target), { recursive: true })
  const partial = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.part`
  try {
    await download(url, partial, options.onProgress, options.signal)
    let dataset: Dataset
    try {
      dataset = await loadTwentyNewsgroups(partial, { ...loadOptions, source: `20news:${target}` })
    } catch (error) {
      if (error instanceof TopicstreamError && error.code === 'ERR_DATASET_UNKNOWN_CATEGORY') {
        await rename(partial, target)
        throw error
      }
      throw new TopicstreamError(
        'ERR_DATASET_DOWNLOAD_FAILED',
        `the file downloaded from ${url} is not the 20 Newsgroups archive; ${HOW_TO_PASS_LOCAL}`,
        { cause: error, details: { url } },
      )
    }
    await rename(partial, target)
    return dataset
  } finally {
    await rm(partial, { force: true })
  }
}

async function download(
  url: string,
  path: string,
  onProgress: ProgressListener | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  const failed = (reason: string, cause?: unknown): TopicstreamError =>
    new TopicstreamError(
      'ERR_DATASET_DOWNLOAD_FAILED',
      `could not download the 20 Newsgroups archive from ${url} (${reason}); ${HOW_TO_PASS_LOCAL}`,
      { cause, details: { url }, canRetry: true },
    )
  let response: Response
  try {
    response = await fetch(url, { redirect: 'follow', ...(signal ? { signal } : {}) })
  } catch (error) {
    throw failed(describe(error), error)
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel()
    throw failed(`HTTP ${response.status}`)
  }
  const length = Number(response.headers.get('content-length'))
  const total = Number.isFinite(length) && length > 0 ? length : undefined
  let done = 0
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>)
  body.on('data', (chunk: Buffer) => {
    done += chunk.length
    onProgress?.({ phase: 'download 20news', done, ...(total === undefined ? {} : { total }) })
  })
  try {
    await pipeline(body, createWriteStream(path))
  } catch (error) {
    throw failed(describe(error), error)
  }
  if (total !== undefined && done !== total) throw failed(`received ${done} of ${total} bytes`)
}

function describe(error: unknown): string {
  // fetch() hides the socket error (ECONNREFUSED, ENOTFOUND...) in `cause`.
  const cause = error instanceof Error ? error.cause : undefined
  const inner = cause instanceof Error ? cause.message : undefined
  const outer = error instanceof Error ? error.message : String(error)
  return inner ? `${outer}: ${inner}` : outer
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}
