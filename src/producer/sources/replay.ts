/**
 * Replays a file of tweets: CSV with a header row (the Sanders corpus columns
 * Topic,Sentiment,TweetId,TweetDate,TweetText, or id,text,created_at,author_id,lang,label) or
 * JSON Lines (X API v2 tweet objects, bare or wrapped in `data`). Optionally loops forever, with
 * distinct ids on every pass after the first. Every line of the file must be valid UTF-8 and at
 * most the line limit long; a line that is not is rejected and the rest of the file still replays.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { extname } from 'node:path'
import { Readable, pipeline } from 'node:stream'
import { parse } from 'csv-parse'
import type { CsvError } from 'csv-parse'
import { TopicstreamError } from '../../errors.js'
import { readLineBatches, readLines } from '../../line-reader.js'
import type { InputLine } from '../../line-reader.js'
import { createIdGenerator, idOnPass, invalid, normalizeTweet } from './normalize.js'
import type { RowFields } from './normalize.js'
import { MAX_SOURCE_LINE_BYTES, lineProblem, sourceLineText } from './source-lines.js'
import { isRejected } from './types.js'
import type { SourceItem, TweetSource } from './types.js'

export type ReplayFormat = 'csv' | 'jsonl'

export interface ReplaySourceOptions {
  readonly path: string
  /** Start again from the top at the end of the file; pass N > 1 sends each id as `ID~N`. */
  readonly loop?: boolean
  /** Defaults from the extension: `.csv` is CSV, anything else JSON Lines. */
  readonly format?: ReplayFormat
  /** Longer lines are rejected (default MAX_SOURCE_LINE_BYTES). */
  readonly maxLineBytes?: number
}

interface ReadContext {
  readonly path: string
  readonly nextId: () => string
  readonly signal: AbortSignal
  readonly maxLineBytes: number
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
  const maxLineBytes = options.maxLineBytes ?? MAX_SOURCE_LINE_BYTES
  return {
    name: `replay:${path}`,
    async *read(signal) {
      const context: ReadContext = { path, nextId: createIdGenerator(), signal, maxLineBytes }
      for (let pass = 1; ; pass++) {
        let records = 0
        for await (const item of format === 'csv' ? readCsv(context) : readJsonl(context)) {
          if (isRejected(item)) {
            yield item
          } else {
            records++
            yield pass === 1 ? item : { ...item, id: idOnPass(item.id, pass) }
          }
        }
        // A file without one good row would otherwise loop on its errors forever.
        if (!options.loop || signal.aborted || records === 0) return
      }
    },
  }
}

const LF = Buffer.from('\n')
const CRLF = Buffer.from('\r\n')

/**
 * CSV goes through csv-parse, but fed line by line from the shared line reader, so that every
 * physical line is checked first: a line over the limit or not valid UTF-8 is rejected and never
 * reaches the parser (csv-parse would buffer it whole, and decodes leniently). The parser then
 * starts afresh after that line, so that a quoted record spanning it is reported (its quote is
 * not closed) rather than sent without it. A record spanning many lines is bounded by csv-parse's
 * `max_record_size`; csv-parse cannot skip such a record and carry on (it stops parsing), and
 * where the record ends is unknown, so it ends the replay with the reason.
 */
async function* readCsv(context: ReadContext): AsyncGenerator<SourceItem> {
  const { path, signal, maxLineBytes } = context
  const input = createReadStream(path)
  const lines = readLines(input, maxLineBytes)[Symbol.asyncIterator]()
  const state: CsvState = { columns: undefined, offset: 0 }
  try {
    for (;;) {
      const segment: CsvSegment = { cut: undefined, problem: '', overflow: undefined }
      yield* parseCsvSegment(context, lines, segment, state)
      if (signal.aborted || segment.cut === undefined) return
      const where = `${path} line ${segment.cut.number}`
      if (state.columns === undefined) {
        throw invalid({ where }, `(the header row) ${segment.problem}; the file cannot be read`)
      }
      yield { rejected: invalid({ where }, segment.problem) }
      state.offset = segment.cut.number
    }
  } catch (error) {
    throw readError(path, error)
  } finally {
    input.destroy()
  }
}

interface CsvState {
  /** The header row, once read: later parsers start without one. */
  columns: string[] | undefined
  /** Lines of the file before the current parser's first line. */
  offset: number
}

interface CsvSegment {
  /** The rejected line that ended the segment, if one did. */
  cut: InputLine | undefined
  problem: string
  /** csv-parse's error for a record over the limit: nothing after it can be read. */
  overflow: CsvError | undefined
}

async function* parseCsvSegment(
  context: ReadContext,
  lines: AsyncIterator<InputLine>,
  segment: CsvSegment,
  state: CsvState,
): AsyncGenerator<SourceItem> {
  const { path, signal, maxLineBytes, nextId } = context
  const { offset } = state
  const at = (line: number | undefined): string =>
    `${path}${line === undefined ? '' : ` line ${offset + line}`}`
  // Rows csv-parse skipped (in line order), each yielded before the first record after it.
  const skipped: { line: number; item: SourceItem }[] = []
  const skippedBefore = (line: number): SourceItem[] => {
    const count = skipped.findIndex((row) => row.line >= line)
    return skipped.splice(0, count === -1 ? skipped.length : count).map((row) => row.item)
  }
  const parser = parse({
    columns: state.columns ?? ((header: string[]) => (state.columns = header)),
    bom: offset === 0,
    info: true,
    max_record_size: maxLineBytes,
    // A malformed row is reported and the rest of the file still replays.
    skip_records_with_error: true,
    on_skip: (error: CsvError | undefined) => {
      // csv-parse drops all input after this error, so the feeding stops and the replay ends.
      if (error?.code === 'CSV_MAX_RECORD_SIZE') {
        segment.overflow ??= error
        return undefined
      }
      const line = (error as { lines?: number } | undefined)?.lines
      skipped.push({
        line: line ?? 0,
        item: {
          rejected: invalid(
            { where: at(line) },
            `is not valid CSV: ${error?.message ?? 'unknown error'}`,
            error,
          ),
        },
      })
      return undefined
    },
  })
  // A read error reaches the loop below through the parser.
  pipeline(Readable.from(feedLines(lines, maxLineBytes, segment)), parser, () => {})
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: RowFields
      info: { lines: number }
    }>) {
      yield* skippedBefore(info.lines)
      if (signal.aborted) return
      const where = at(info.lines)
      try {
        yield normalizeTweet(record, { source: 'replay', where, nextId })
      } catch (error) {
        yield { rejected: error as TopicstreamError }
      }
    }
    yield* skippedBefore(Infinity)
  } finally {
    parser.destroy()
  }
  const { overflow } = segment
  if (overflow !== undefined) {
    const where = at((overflow as { lines?: number }).lines)
    throw invalid(
      { where },
      `is inside a CSV record longer than the ${maxLineBytes}-byte limit (an unclosed quote?); the rest of the file cannot be read`,
      overflow,
    )
  }
}

/** The good lines, with their line endings, up to the end of the file, a bad line or an overflow. */
async function* feedLines(
  lines: AsyncIterator<InputLine>,
  maxLineBytes: number,
  segment: CsvSegment,
): AsyncGenerator<Buffer> {
  while (segment.overflow === undefined) {
    const next = await lines.next()
    if (next.done === true) return
    const line = next.value
    const problem = lineProblem(line, maxLineBytes)
    if (problem !== undefined) {
      segment.cut = line
      segment.problem = problem
      return
    }
    const bytes = line.bytes as Buffer
    // A quoted field spanning lines keeps its `\r\n`.
    yield Buffer.concat([bytes, line.size > bytes.length ? CRLF : LF])
  }
}

async function* readJsonl(context: ReadContext): AsyncGenerator<SourceItem> {
  const { path, signal, maxLineBytes, nextId } = context
  const input = createReadStream(path)
  try {
    for await (const batch of readLineBatches(input, maxLineBytes)) {
      for (const line of batch) {
        if (signal.aborted) return
        const where = `${path} line ${line.number}`
        const text = sourceLineText(line, where, maxLineBytes)
        if (typeof text !== 'string') yield { rejected: text }
        else if (text.trim() !== '') yield parseJsonLine(text, { source: 'replay', where, nextId })
      }
    }
  } catch (error) {
    throw readError(path, error)
  } finally {
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
