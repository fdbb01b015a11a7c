/**
 * Tweets from a text stream (stdin): one per line, either plain text or a JSON object with at
 * least `text` (and optionally id, created_at, author_id, lang, label).
 */
import type { Readable } from 'node:stream'
import { createInterface } from 'node:readline'
import { createIdGenerator } from './normalize.js'
import { parseJsonLine } from './replay.js'
import type { SourceItem, TweetSource } from './types.js'

export interface LinesSourceOptions {
  readonly input: Readable
  /** Recorded as each tweet's `source` (default `stdin`). */
  readonly name?: string
}

export function createLinesSource(options: LinesSourceOptions): TweetSource {
  const name = options.name ?? 'stdin'
  return {
    name,
    async *read(signal) {
      const lines = createInterface({ input: options.input, crlfDelay: Infinity })
      // Closing the interface ends the iteration below even while it waits for a line.
      const close = (): void => lines.close()
      signal.addEventListener('abort', close, { once: true })
      const nextId = createIdGenerator()
      let lineNumber = 0
      try {
        for await (const line of lines) {
          lineNumber++
          const text = line.trim()
          if (text === '') continue
          const where = `${name} line ${lineNumber}`
          const item: SourceItem = text.startsWith('{')
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
      } finally {
        signal.removeEventListener('abort', close)
        lines.close()
      }
    },
  }
}
