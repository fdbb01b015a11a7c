/**
 * Tweets from a text stream (stdin): one per line, either plain text or a JSON object with at
 * least `text` (and optionally id, created_at, author_id, lang, label), told apart by the rule of
 * src/json-line.ts (`{` after JSON whitespace). A line that is not valid UTF-8 or is longer than
 * the line limit is rejected, and the lines after it are still read.
 */
import type { Readable } from 'node:stream'
import { looksLikeJsonObject } from '../../json-line.js'
import { readLineBatches } from '../../line-reader.js'
import { createIdGenerator } from './normalize.js'
import { parseJsonLine } from './replay.js'
import { MAX_SOURCE_LINE_BYTES, sourceLineText } from './source-lines.js'
import type { SourceItem, TweetSource } from './types.js'

export interface LinesSourceOptions {
  readonly input: Readable
  /** Recorded as each tweet's `source` (default `stdin`). */
  readonly name?: string
  /** Longer lines are rejected (default MAX_SOURCE_LINE_BYTES). */
  readonly maxLineBytes?: number
}

export function createLinesSource(options: LinesSourceOptions): TweetSource {
  const name = options.name ?? 'stdin'
  const maxLineBytes = options.maxLineBytes ?? MAX_SOURCE_LINE_BYTES
  return {
    name,
    async *read(signal) {
      const nextId = createIdGenerator()
      // The signal also ends the reading while it waits for a line.
      for await (const batch of readLineBatches(options.input, maxLineBytes, signal)) {
        for (const line of batch) {
          if (signal.aborted) return
          const where = `${name} line ${line.number}`
          const decoded = sourceLineText(line, where, maxLineBytes)
          if (typeof decoded !== 'string') {
            yield { rejected: decoded }
            continue
          }
          const text = decoded.trim()
          if (text === '') continue
          // The JSON rule reads the line as it is: trim() also drops whitespace JSON does not allow.
          const item: SourceItem = looksLikeJsonObject(decoded)
            ? parseJsonLine(text, { source: name, where, nextId })
            : {
                id: nextId(),
                text,
                created_at: new Date().toISOString(),
                author_id: null,
                lang: null,
                source: name,
              }
          yield item
        }
      }
    },
  }
}
