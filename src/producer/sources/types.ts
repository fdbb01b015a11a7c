import type { TopicstreamError } from '../../errors.js'

/**
 * One tweet as topicstream puts it on Kafka: the record key is `id`, the value is this object
 * as JSON. Field names follow the X API v2 tweet object.
 */
export interface TweetRecord {
  readonly id: string
  readonly text: string
  /** ISO 8601. */
  readonly created_at: string
  readonly author_id: string | null
  /** BCP 47 tag as the X API reports it, or null when unknown. */
  readonly lang: string | null
  /** Which source produced it: `replay`, `stdin`, `twitter`, `20news-test`. */
  readonly source: string
  /** The true topic, when the source knows it (a labelled corpus); used to measure live accuracy. */
  readonly label?: string
}

/** An input the source could not turn into a tweet: reported and counted, never dropped silently. */
export interface RejectedInput {
  readonly rejected: TopicstreamError
}

export type SourceItem = TweetRecord | RejectedInput

export function isRejected(item: SourceItem): item is RejectedInput {
  return 'rejected' in item
}

export interface TweetSource {
  /** e.g. `replay:tweets.csv`, for logs and summaries. */
  readonly name: string
  /** Yields tweets until the input ends or `signal` aborts (then it ends quietly). */
  read(signal: AbortSignal): AsyncIterable<SourceItem>
}
