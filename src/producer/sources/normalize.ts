/**
 * Turning loosely shaped input (CSV rows, JSON lines, plain text) into TweetRecords, with the
 * reason spelled out when that is impossible.
 */
import { TopicstreamError } from '../../errors.js'
import type { TweetRecord } from './types.js'

/** Field names accepted for each TweetRecord field, first match wins (the Sanders corpus included). */
const ALIASES = {
  id: ['id', 'TweetId', 'tweet_id', 'id_str'],
  text: ['text', 'TweetText', 'full_text'],
  created_at: ['created_at', 'TweetDate', 'date'],
  author_id: ['author_id', 'user_id'],
  lang: ['lang', 'language'],
  label: ['label', 'Topic', 'topic', 'category'],
} as const

export type RowFields = Readonly<Record<string, unknown>>

export interface NormalizeContext {
  readonly source: string
  /** Where the row came from, for error messages: `tweets.csv line 12`. */
  readonly where: string
  /** Supplies an id when the input has none. */
  readonly nextId: () => string
  /** Supplies `created_at` when the input has none. */
  readonly now?: () => Date
}

export function normalizeTweet(fields: RowFields, context: NormalizeContext): TweetRecord {
  // X API v2 payloads wrap the tweet in `data`.
  const row = isObject(fields.data) ? (fields.data as RowFields) : fields
  const text = pick(row, ALIASES.text)
  if (typeof text !== 'string' || text.trim() === '') {
    throw invalid(context, 'has no text')
  }
  const rawId = pick(row, ALIASES.id)
  if (rawId !== undefined && typeof rawId !== 'string' && typeof rawId !== 'number') {
    throw invalid(context, 'has an id that is not a string or number')
  }
  const id = rawId === undefined || rawId === '' ? context.nextId() : String(rawId)

  const rawDate = pick(row, ALIASES.created_at)
  let createdAt: string
  if (rawDate === undefined || rawDate === '') {
    createdAt = (context.now?.() ?? new Date()).toISOString()
  } else {
    const date = new Date(String(rawDate))
    if (Number.isNaN(date.getTime())) throw invalid(context, `has an unreadable date "${String(rawDate)}"`)
    createdAt = date.toISOString()
  }
  const label = pick(row, ALIASES.label)
  return {
    id,
    text,
    created_at: createdAt,
    author_id: optionalString(pick(row, ALIASES.author_id)),
    lang: optionalString(pick(row, ALIASES.lang)),
    source: context.source,
    ...(label === undefined || label === '' || label === null ? {} : { label: String(label) }),
  }
}

export function invalid(
  context: Pick<NormalizeContext, 'where'>,
  why: string,
  cause?: unknown,
): TopicstreamError {
  return new TopicstreamError('ERR_SOURCE_INVALID', `${context.where} ${why}`, {
    details: { where: context.where },
    ...(cause === undefined ? {} : { cause }),
  })
}

/** Ids for inputs without one: numeric like tweet ids, increasing, unique within the process. */
export function createIdGenerator(start = Date.now()): () => string {
  let sequence = 0
  return () => `${start}${String(sequence++).padStart(6, '0')}`
}

/**
 * The id a record gets on pass `pass` of a looping replay: the input's own id on the first pass,
 * `ID~N` on pass N after it. Every pass then sends new ids, so consumers that deduplicate by id
 * (and exactly-once checks) do not take a later pass for duplicates, and each record still shows
 * which input it came from.
 */
export function idOnPass(id: string, pass: number): string {
  return pass === 1 ? id : `${id}~${pass}`
}

function pick(row: RowFields, names: readonly string[]): unknown {
  for (const name of names) {
    if (row[name] !== undefined) return row[name]
  }
  return undefined
}

function optionalString(value: unknown): string | null {
  return value === undefined || value === null || value === '' ? null : String(value)
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
