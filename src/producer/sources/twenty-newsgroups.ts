/**
 * The 20 Newsgroups test split as a stream of tweet-sized texts (subject plus the first lines of
 * the body, at most 280 characters), each labelled with its newsgroup. Posts the model was not
 * trained on, shuffled, so a live dashboard can score its accuracy as they flow.
 */
import { loadDataset } from '../../datasets/spec.js'
import { mulberry32, shuffle } from '../../engine/datasets/split.js'
import { TopicstreamError } from '../../errors.js'
import { idOnPass } from './normalize.js'
import type { TweetSource } from './types.js'

export const TWEET_MAX_CHARS = 280

export interface TwentyNewsgroupsSourceOptions {
  /** The bydate archive; defaults to TOPICSTREAM_20NEWS, then the cached download. */
  readonly path?: string
  readonly env?: NodeJS.ProcessEnv
  readonly categories?: readonly string[]
  readonly loop?: boolean
  /** Shuffle seed: the same seed gives the same order. */
  readonly seed?: number
}

export async function createTwentyNewsgroupsSource(
  options: TwentyNewsgroupsSourceOptions = {},
): Promise<TweetSource> {
  const dataset = await loadDataset(options.path ? `20news:${options.path}` : '20news', {
    ...(options.env ? { env: options.env } : {}),
    ...(options.categories ? { categories: options.categories } : {}),
  })
  const test = dataset.test
  if (test === undefined || test.texts.length === 0) {
    throw new TopicstreamError('ERR_SOURCE_INVALID', `${dataset.source} has no test split`, {
      details: { source: dataset.source },
    })
  }
  // Reproducible across runs: the same seeded shuffle as the train/test split.
  const order = shuffle(
    Array.from({ length: test.texts.length }, (_, i) => i),
    mulberry32((options.seed ?? 42) >>> 0),
  )
  return {
    name: '20news-test',
    async *read(signal) {
      let pass = 0
      do {
        pass++
        for (const index of order) {
          if (signal.aborted) return
          yield {
            id: idOnPass(`20news-test-${index}`, pass),
            text: tweetSizedPost(test.texts[index] ?? ''),
            created_at: new Date().toISOString(),
            author_id: null,
            lang: 'en',
            source: '20news-test',
            label: test.classes[test.targets[index] ?? 0] ?? '',
          }
        }
      } while (options.loop && !signal.aborted)
    },
  }
}

/** Quoted text and attribution lines say little about the post's own topic. */
const NOISE_LINE = /^(>|\||:|In article|.*\b(writes|wrote|says):\s*$|-{2,}|={2,}|_{2,}|\*{2,})/i

/** Subject (without "Re:") and the first body lines of a Usenet post, cut to a tweet's length. */
export function tweetSizedPost(post: string, maxChars = TWEET_MAX_CHARS): string {
  const split = post.search(/\r?\n\r?\n/)
  const head = split === -1 ? '' : post.slice(0, split)
  const body = split === -1 ? post : post.slice(split)
  const subject = (/^Subject:[ \t]*(.*)$/im.exec(head)?.[1] ?? '').replace(/^(\s*re:\s*)+/i, '').trim()
  const lines = body
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !NOISE_LINE.test(line))
  const text = [subject, ...lines].join(' ').replace(/\s+/g, ' ').trim()
  return cut(text === '' ? post.replace(/\s+/g, ' ').trim() : text, maxChars)
}

function cut(text: string, maxChars: number): string {
  const chars = [...text]
  if (chars.length <= maxChars) return text
  const kept = chars.slice(0, maxChars - 1).join('')
  const space = kept.lastIndexOf(' ')
  // Cut at a word boundary unless that throws away most of the text.
  return `${space > maxChars / 2 ? kept.slice(0, space) : kept}…`
}
