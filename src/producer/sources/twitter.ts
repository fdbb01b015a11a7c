/**
 * Live tweets from the X API v2 filtered stream. On start the stream rules are synchronised with
 * the configured keywords (missing ones added, stale ones deleted); the stream then reconnects
 * by itself with exponential backoff. The bearer token is never logged nor put in an error.
 */
import { Agent as HttpAgent } from 'node:http'
import { ApiResponseError, ETwitterStreamEvent, TwitterApi } from 'twitter-api-v2'
import type { TweetStream, TweetV2SingleStreamResult } from 'twitter-api-v2'
import { TopicstreamError } from '../../errors.js'
import { DEFAULT_KEYWORDS, DEFAULT_TWITTER_API_URL } from './defaults.js'
import { invalid } from './normalize.js'
import type { SourceItem, TweetSource } from './types.js'

/** Rules this source manages carry this tag, with the keyword after it. */
const RULE_TAG = 'topicstream:'

export interface TwitterSourceOptions {
  readonly bearerToken: string
  readonly keywords?: readonly string[]
  /** Base of the v2 API, ending in `/2/`; `http:` is allowed for local test servers. */
  readonly apiUrl?: string
  /** First reconnect delay; doubles per failed attempt up to `maxBackoffMs`. */
  readonly backoffMs?: number
  readonly maxBackoffMs?: number
  /** Reconnect when nothing (not even a keep-alive) arrived for this long. */
  readonly keepAliveTimeoutMs?: number
  /** Connection events worth telling an operator (disconnects, reconnects). */
  readonly onNotice?: (message: string) => void
}

interface StreamRule {
  readonly id: string
  readonly value: string
  readonly tag?: string
}

/** One rule per keyword: multi-word keywords as exact phrases, retweets left out. */
export function ruleForKeyword(keyword: string): { value: string; tag: string } {
  const phrase = /\s/.test(keyword) ? `"${keyword.replace(/"/g, '')}"` : keyword
  return { value: `${phrase} -is:retweet`, tag: `${RULE_TAG}${keyword}` }
}

export function createTwitterSource(options: TwitterSourceOptions): TweetSource {
  if (options.bearerToken.trim() === '') {
    throw new TopicstreamError('ERR_TWITTER_AUTH', 'A bearer token is required (TWITTER_BEARER_TOKEN)')
  }
  const apiUrl = withTrailingSlash(options.apiUrl ?? DEFAULT_TWITTER_API_URL)
  const keywords = options.keywords?.length ? options.keywords : DEFAULT_KEYWORDS
  const client = new TwitterApi(options.bearerToken, {
    // The library speaks https only, unless handed an http agent (local test servers).
    ...(apiUrl.startsWith('http:') ? { httpAgent: new HttpAgent({ keepAlive: false }) } : {}),
  }).v2
  const notice = options.onNotice ?? (() => {})
  const backoff = options.backoffMs ?? 1000
  const maxBackoff = options.maxBackoffMs ?? 60_000

  return {
    name: 'twitter',
    async *read(signal) {
      await syncRules(client, apiUrl, keywords)
      const stream = await connect(client, apiUrl, options.keepAliveTimeoutMs ?? 30_000)
      // Only after the first connection succeeded: a bad token or URL must fail the start, not retry.
      stream.autoReconnect = true
      stream.autoReconnectRetries = Infinity
      stream.nextRetryTimeout = (attempt) => Math.min(maxBackoff, backoff * 2 ** Math.max(0, attempt - 1))
      const queue = createQueue<SourceItem>()
      let received = 0
      stream.on(ETwitterStreamEvent.Data, (event: TweetV2SingleStreamResult) => {
        received++
        const tweet = (event as Partial<TweetV2SingleStreamResult>).data
        if (typeof tweet?.id !== 'string' || typeof tweet.text !== 'string') {
          queue.push({ rejected: invalid({ where: `twitter stream message ${received}` }, 'is not a tweet') })
          return
        }
        queue.push({
          id: tweet.id,
          text: tweet.text,
          created_at: tweet.created_at ?? new Date().toISOString(),
          author_id: tweet.author_id ?? null,
          lang: tweet.lang ?? null,
          source: 'twitter',
        })
      })
      stream.on(ETwitterStreamEvent.TweetParseError, (error: unknown) => {
        queue.push({
          rejected: invalid(
            { where: `twitter stream after ${received} tweets` },
            'sent a malformed line',
            error,
          ),
        })
      })
      stream.on(ETwitterStreamEvent.DataError, (payload: unknown) =>
        notice(`X API stream message: ${describePayload(payload)}`),
      )
      stream.on(ETwitterStreamEvent.ConnectionError, () => notice('X API stream disconnected; reconnecting'))
      stream.on(ETwitterStreamEvent.ConnectionLost, () => notice('X API stream went silent; reconnecting'))
      stream.on(ETwitterStreamEvent.Reconnected, () => notice('X API stream reconnected'))
      stream.on(ETwitterStreamEvent.ReconnectError, (attempt: number) =>
        notice(`X API stream reconnect attempt ${attempt + 1} failed; backing off`),
      )
      stream.on(ETwitterStreamEvent.Error, (event: { type: string; error: unknown }) => {
        // A token revoked while streaming: retrying cannot help.
        if (event.type === ETwitterStreamEvent.ReconnectError && isAuthFailure(event.error)) {
          queue.fail(authError(event.error))
          stream.close()
        }
      })
      stream.on(ETwitterStreamEvent.ConnectionClosed, () => queue.end())
      const abort = (): void => stream.close()
      signal.addEventListener('abort', abort, { once: true })
      try {
        yield* queue
      } finally {
        signal.removeEventListener('abort', abort)
        stream.destroy()
      }
    },
  }
}

type V2Client = TwitterApi['v2']

async function syncRules(client: V2Client, apiUrl: string, keywords: readonly string[]): Promise<void> {
  const current = await call(() =>
    client.get<{ data?: StreamRule[] }>('tweets/search/stream/rules', undefined, { prefix: apiUrl }),
  )
  const wanted = new Map(keywords.map((keyword) => [ruleForKeyword(keyword).value, ruleForKeyword(keyword)]))
  const existing = current.data ?? []
  // Only rules this source created are ours to delete: the app may have rules of its own.
  const stale = existing.filter((rule) => rule.tag?.startsWith(RULE_TAG) === true && !wanted.has(rule.value))
  const missing = [...wanted.values()].filter(({ value }) => !existing.some((rule) => rule.value === value))
  if (stale.length > 0) {
    await call(() =>
      client.post(
        'tweets/search/stream/rules',
        { delete: { ids: stale.map((rule) => rule.id) } },
        { prefix: apiUrl },
      ),
    )
  }
  if (missing.length > 0) {
    await call(() => client.post('tweets/search/stream/rules', { add: missing }, { prefix: apiUrl }))
  }
}

async function connect(
  client: V2Client,
  apiUrl: string,
  keepAliveTimeoutMs: number,
): Promise<TweetStream<TweetV2SingleStreamResult>> {
  const stream = client.getStream<TweetV2SingleStreamResult>(
    'tweets/search/stream',
    { 'tweet.fields': 'created_at,author_id,lang' },
    { prefix: apiUrl, autoConnect: false, payloadIsError: isErrorPayload },
  )
  await call(() => stream.connect({ autoReconnect: false, keepAliveTimeout: keepAliveTimeoutMs }))
  return stream
}

/** X API error payloads on the stream (`{ errors: [...] }` without `data`). */
function isErrorPayload(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && 'errors' in payload && !('data' in payload)
}

async function call<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (error) {
    if (isAuthFailure(error)) throw authError(error)
    // The library's error carries the request, headers included: keep it out of ours.
    const status = error instanceof ApiResponseError ? ` (HTTP ${error.code})` : ''
    const message = error instanceof Error ? error.message : String(error)
    throw new TopicstreamError('ERR_SOURCE_INVALID', `X API request failed${status}: ${message}`, {
      canRetry: true,
      details: error instanceof ApiResponseError ? { status: error.code } : {},
    })
  }
}

function isAuthFailure(error: unknown): boolean {
  return error instanceof ApiResponseError && (error.code === 401 || error.code === 403)
}

function authError(error: unknown): TopicstreamError {
  const status = error instanceof ApiResponseError ? error.code : undefined
  return new TopicstreamError(
    'ERR_TWITTER_AUTH',
    `The X API rejected the bearer token${status ? ` (HTTP ${status})` : ''}; check TWITTER_BEARER_TOKEN and the app's access level`,
    { details: status ? { status } : {} },
  )
}

function describePayload(payload: unknown): string {
  const errors = (payload as { errors?: Array<{ title?: string; detail?: string }> }).errors ?? []
  return (
    errors.map((error) => [error.title, error.detail].filter(Boolean).join(': ')).join('; ') ||
    'error payload'
  )
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`
}

/** An unbounded push queue read as an async iterable (events in, for-await out). */
function createQueue<T>(): AsyncIterable<T> & {
  push(item: T): void
  end(): void
  fail(error: unknown): void
} {
  const items: T[] = []
  let ended = false
  let failure: unknown
  let wake: (() => void) | undefined
  const notify = (): void => {
    wake?.()
    wake = undefined
  }
  return {
    push(item) {
      if (ended) return
      items.push(item)
      notify()
    },
    end() {
      ended = true
      notify()
    },
    fail(error) {
      failure ??= error
      ended = true
      notify()
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (items.length > 0) {
          yield items.shift() as T
          continue
        }
        if (failure !== undefined) throw failure
        if (ended) return
        await new Promise<void>((resolve) => (wake = resolve))
      }
    },
  }
}
