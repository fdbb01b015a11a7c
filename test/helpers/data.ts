/**
 * The real corpora some tests read, never checked in: the 20 Newsgroups archive and the Sanders
 * tweets, from TOPICSTREAM_20NEWS / TOPICSTREAM_TWEETS or else the shared data folder beside the
 * repository (`../shared/data`).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export interface DataFile {
  readonly path: string
  readonly present: boolean
  /** `the 20 Newsgroups archive at PATH (TOPICSTREAM_20NEWS)`, for messages. */
  readonly description: string
}

const SHARED_DATA = join(process.cwd(), '..', 'shared', 'data')

function dataFile(name: string, variable: string, fallback: string): DataFile {
  const path = process.env[variable] || fallback
  return { path, present: existsSync(path), description: `${name} at ${path} (${variable})` }
}

export function twentyNewsgroupsArchive(): DataFile {
  return dataFile(
    'the 20 Newsgroups archive',
    'TOPICSTREAM_20NEWS',
    join(SHARED_DATA, '20news-bydate.tar.gz'),
  )
}

export function sandersTweets(): DataFile {
  return dataFile(
    'the Sanders tweets',
    'TOPICSTREAM_TWEETS',
    join(SHARED_DATA, 'tweets', 'sanders-full-corpus.csv'),
  )
}

/**
 * Checks, at module level of a test file, that the data its tests read is there. A missing file
 * fails the file in CI (`CI` set); elsewhere it is reported (`<otherwise>, missing <what>`, by
 * default `Skipping <tests>`) and the caller skips those tests, typically with
 * `describe.skipIf(!file.present)`. Returns whether every file is there.
 */
export function requireData(
  tests: string,
  files: readonly DataFile[],
  otherwise = `Skipping ${tests}`,
): boolean {
  const missing = files
    .filter((file) => !file.present)
    .map((file) => file.description)
    .join(' and ')
  if (missing === '') return true
  if (process.env.CI) throw new Error(`Missing ${missing}, needed by ${tests}`)
  console.warn(`${otherwise}, missing ${missing}`)
  return false
}
