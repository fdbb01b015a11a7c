/**
 * The 20 Newsgroups "bydate" archive (`20news-bydate.tar.gz`), read straight from the gzip stream
 * without extracting it. Documents come out in exactly the order scikit-learn's `load_files`
 * gives them (categories sorted, then file names sorted within each), because training sums
 * floating-point counts in document order and parity with scikit-learn is checked to 1e-9.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import { extract as createExtract } from 'tar-stream'
import { TopicstreamError, isTopicstreamError } from '../../errors.js'
import type { Dataset, LabeledDocuments, ProgressListener } from '../types.js'
import { compareCodePoints } from '../tokenizer.js'
import { selectCategories, sortedUnique } from './labeled.js'

const SPLITS = { '20news-bydate-train': 'train', '20news-bydate-test': 'test' } as const
type Split = (typeof SPLITS)[keyof typeof SPLITS]

export interface TwentyNewsgroupsOptions {
  /** Keep only these newsgroups (default: all 20). */
  readonly categories?: readonly string[]
  readonly onProgress?: ProgressListener
  /** Recorded as the dataset's source (defaults to `20news:<path>`). */
  readonly source?: string
}

/** Posts of one split, grouped by newsgroup, as raw bytes until we know which ones are kept. */
type Posts = Map<string, Array<{ name: string; bytes: Buffer }>>

export async function loadTwentyNewsgroups(
  path: string,
  options: TwentyNewsgroupsOptions = {},
): Promise<Dataset> {
  const size = await fileSize(path)
  const { posts, fingerprint } = await readArchive(path, size, options.onProgress)
  const train = posts.train
  if (train.size === 0) {
    throw new TopicstreamError(
      'ERR_DATASET_INVALID',
      `${path} is not the 20 Newsgroups bydate archive: it has no 20news-bydate-train/<newsgroup>/<post> entries`,
      { details: { path } },
    )
  }
  const classes = selectCategories(sortedUnique(train.keys()), options.categories)
  const test = toDocuments(posts.test, classes)
  return {
    source: options.source ?? `20news:${path}`,
    train: toDocuments(train, classes),
    ...(test.texts.length > 0 ? { test } : {}),
    fingerprint,
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    const info = await stat(path)
    if (!info.isFile()) {
      throw new TopicstreamError('ERR_DATASET_INVALID', `${path} is not a file`, { details: { path } })
    }
    return info.size
  } catch (error) {
    if (isTopicstreamError(error)) throw error
    throw new TopicstreamError('ERR_DATASET_NOT_FOUND', `dataset archive ${path} does not exist`, {
      cause: error,
      details: { path },
    })
  }
}

async function readArchive(
  path: string,
  size: number,
  onProgress: ProgressListener | undefined,
): Promise<{ posts: Record<Split, Posts>; fingerprint: string }> {
  const hash = createHash('sha256')
  let done = 0
  // Hashes the compressed bytes on their way to gunzip: one read of the file for both.
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk)
      done += chunk.length
      onProgress?.({ phase: 'read 20news', done, total: size })
      callback(null, chunk)
    },
  })
  const extract = createExtract()
  let failure: unknown
  const piping = pipeline(createReadStream(path), tap, createGunzip(), extract).catch((error: unknown) => {
    failure = error
  })

  const posts: Record<Split, Posts> = { train: new Map(), test: new Map() }
  try {
    for await (const entry of extract) {
      const parts = entry.header.name.replace(/^\.\//, '').split('/')
      const split = SPLITS[parts[0] as keyof typeof SPLITS]
      if (entry.header.type !== 'file' || split === undefined || parts.length !== 3 || !parts[2]) {
        entry.resume()
        continue
      }
      const chunks: Buffer[] = []
      for await (const chunk of entry) chunks.push(chunk as Buffer)
      const category = parts[1]
      let group = posts[split].get(category)
      if (group === undefined) posts[split].set(category, (group = []))
      group.push({ name: parts[2], bytes: Buffer.concat(chunks) })
    }
  } catch (error) {
    await piping
    throw damaged(path, failure ?? error)
  }
  await piping
  if (failure !== undefined) throw damaged(path, failure)
  return { posts, fingerprint: hash.digest('hex') }
}

function damaged(path: string, cause: unknown): TopicstreamError {
  if (isTopicstreamError(cause)) return cause
  const reason = cause instanceof Error ? cause.message : String(cause)
  return new TopicstreamError(
    'ERR_DATASET_INVALID',
    `${path} is damaged or not a .tar.gz archive (${reason})`,
    { cause, details: { path } },
  )
}

function toDocuments(posts: Posts, classes: readonly string[]): LabeledDocuments {
  const texts: string[] = []
  const targets: number[] = []
  classes.forEach((category, target) => {
    const group = (posts.get(category) ?? []).sort((a, b) => compareCodePoints(a.name, b.name))
    for (const post of group) {
      // load_files(..., encoding='latin1'): every byte is one code point, so decoding cannot fail.
      texts.push(post.bytes.toString('latin1'))
      targets.push(target)
    }
  })
  return { texts, targets: Int32Array.from(targets), classes }
}
