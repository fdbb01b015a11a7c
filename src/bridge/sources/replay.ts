/**
 * Replays a file of tweets: CSV with a header row (the Sanders corpus columns
 * Topic,Sentiment,TweetId,TweetDate,TweetText, or id,text,created_at,author_id,lang,label) or
 * JSON Lines (X API v2 tweet objects, bare or wrapped in `data`). Optionally loops forever.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { extname } from 'node:path'
import { createInterface } from 'node:readline'
import { parse } from 'csv-parse'
import type { CsvError } from 'csv-parse'
import { TopicstreamError } from '../../errors.js'
import { createIdGenerator, invalid, normalizeTweet } from './normalize.js'
import type { RowFields } from './normalize.js'
import type { SourceItem, TweetSource } from './types.js'

export type ReplayFormat = 'csv' | 'jsonl'

export interface ReplaySourceOptions {
  readonly path: string
  /** Start again from the top at the end of the file. */
  readonly loop?: boolean
  /** Defaults from the extension: `.csv` is CSV, anything else JSON Lines. */
  readonly format?: ReplayFormat
}

/** Checks the file up front, so a wrong path fails before anything connects. */
export async function createReplaySource(options: ReplaySourceOptions): Promise<TweetSource> {
  const { path } = options
  const file = await stat(path).catch((error: unknown) => error as NodeJS.ErrnoException)
  if (file instanceof Error || !file.isFile()) {
    throw new TopicstreamError('ERR_SOURCE_INVALID', `replay file ${path} does not exist or is not a file`, {
      ...(file instanceof Error ? { cause: file } : {}),
      details: { path },
    })
  }
  const format = options.format ?? (extname(path).toLowerCase() === '.csv' ? 'csv' : 'jsonl')
  return {
    name: `replay:${path}`,
    async *read(signal) {
      const nextId = createIdGenerator()
      for (;;) {
        let records = 0
        const rows = format === 'csv' ? readCsv(path, nextId, signal) : readJsonl(path, nextId, signal)
        for await (const item of rows) {
          if (!('rejected' in item)) records++
          yield item
        }
        // A file without one good row would otherwise loop on its errors forever.
        if (!options.loop || signal.aborted || records === 0) return
      }
    },
  }
}

async function* readCsv(path: string, nextId: () => string, signal: AbortSignal): AsyncGenerator<SourceItem> {
  const skipped: SourceItem[] = []
  const parser = createReadStream(path).pipe(
    parse({
      columns: true,
      bom: true,
      info: true,
      // A malformed row is reported and the rest of the file still replays.
      skip_records_with_error: true,
      on_skip: (error: CsvError | undefined) => {
        const line = (error as { lines?: number } | undefined)?.lines
        skipped.push({
          rejected: invalid(
            { where: `${path}${line === undefined ? '' : ` line ${line}`}` },
            `is not valid CSV: ${error?.message ?? 'unknown error'}`,
            error,
          ),
        })
        return undefined
      },
    }),
  )
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: RowFields
      info: { lines: number }
    }>) {
      yield* skipped.splice(0)
      if (signal.aborted) return
      const where = `${path} line ${info.lines}`
      try {
        yield normalizeTweet(record, { source: 'replay', where, nextId })
      } catch (error) {
        yield { rejected: error as TopicstreamError }
      }
    }
    yield* skipped.splice(0)
  } catch (error) {
    throw readError(path, error)
  } finally {
    parser.destroy()
  }
}

async function* readJsonl(
  path: string,
  nextId: () => string,
  signal: AbortSignal,
): AsyncGenerator<SourceItem> {
  const input = createReadStream(path, { encoding: 'utf8' })
  const lines = createInterface({ input, crlfDelay: Infinity })
  let lineNumber = 0
  try {
    for await (const line of lines) {
      lineNumber++
      if (signal.aborted) return
      if (line.trim() === '') continue
      yield parseJsonLine(line, { source: 'replay', where: `${path} line ${lineNumber}`, nextId })
    }
  } catch (error) {
    throw readError(path, error)
  } finally {
    lines.close()
    input.destroy()
  }
}

/** One JSON object per line; a line that is not one becomes a rejection. */
export function parseJsonLine(
  line: string,
  context: { source: string; where: string; nextId: () => string },
): SourceItem {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (error) {
    return { rejected: invalid(context, 'is not valid JSON', error) }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { rejected: invalid(context, 'is not a JSON object') }
  }
  try {
    return normalizeTweet(value as RowFields, context)
  } catch (error) {
    return { rejected: error as TopicstreamError }
  }
}

function readError(path: string, error: unknown): TopicstreamError {
  if (error instanceof TopicstreamError) return error
  return new TopicstreamError(
    'ERR_SOURCE_INVALID',
    `replay file ${path} could not be read: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error, details: { path } },
  )
}
