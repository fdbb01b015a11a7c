/** Tweets and sources for the producer worker tests. */
import type { SourceItem, TweetRecord, TweetSource } from '../../src/producer/sources/types.js'

export function tweet(n: number, label?: string): TweetRecord {
  return {
    id: `id-${n}`,
    text: `text ${n}`,
    created_at: '2024-01-01T00:00:00.000Z',
    author_id: null,
    lang: 'en',
    source: 'test',
    ...(label === undefined ? {} : { label }),
  }
}

export function arraySource(items: readonly SourceItem[]): TweetSource {
  return {
    name: 'array',
    async *read(signal) {
      for (const item of items) {
        if (signal.aborted) return
        yield item
      }
    },
  }
}
