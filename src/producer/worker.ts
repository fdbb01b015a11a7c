/**
 * Moves tweets from a source to a Kafka topic: key = tweet id, value = the tweet as JSON.
 * Records go out in small batches (at most one batch in flight, so an idempotent producer keeps
 * their order), paced to a steady rate when asked. Rejected inputs and failed sends are counted,
 * reported and never dropped silently; sends that may succeed later are retried with backoff.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { TopicstreamError, toTopicstreamError } from '../errors.js'
import type { KafkaSender, OutgoingRecord } from '../kafka/client.js'
import { createPacer } from './pacer.js'
import type { SourceItem, TweetRecord, TweetSource } from './sources/types.js'

export interface ProducerWorkerOptions {
  readonly producer: KafkaSender
  readonly topic: string
  readonly source: TweetSource
  /** Records per second, steady; 0 or undefined sends as fast as the source and Kafka allow. */
  readonly rate?: number
  readonly maxBatchSize?: number
  /** How long a partial batch waits for more records before it is sent. */
  readonly lingerMs?: number
  /** First retry delay of a failed send; doubles up to 30 s. */
  readonly retryBackoffMs?: number
  readonly onRejected?: (error: TopicstreamError) => void
  readonly onSendError?: (error: TopicstreamError, records: number, willRetry: boolean) => void
}

export interface ProducerStats {
  /** Items taken from the source, good or bad. */
  readonly read: number
  /** Records acknowledged by Kafka. */
  readonly sent: number
  /** Rejected inputs plus records whose send failed for good. */
  readonly failed: number
}

export interface ProducerWorker {
  /** Resolves when the source ends or `stop()` was called and everything pending was flushed. */
  run(): Promise<ProducerStats>
  /** Stops reading; `run()` then flushes what it holds and resolves. */
  stop(): void
  stats(): ProducerStats
}

/** The record value: the TweetRecord fields in a fixed order, `label` only when known. */
export function tweetToRecord(tweet: TweetRecord): OutgoingRecord {
  const value = {
    id: tweet.id,
    text: tweet.text,
    created_at: tweet.created_at,
    author_id: tweet.author_id,
    lang: tweet.lang,
    source: tweet.source,
    ...(tweet.label === undefined ? {} : { label: tweet.label }),
  }
  return { key: tweet.id, value: JSON.stringify(value) }
}

const LINGER = Symbol('linger')

export function createProducerWorker(options: ProducerWorkerOptions): ProducerWorker {
  const { producer, topic, source } = options
  const maxBatchSize = options.maxBatchSize ?? 500
  const lingerMs = options.lingerMs ?? 20
  const retryBackoffMs = options.retryBackoffMs ?? 1000
  const stopping = new AbortController()
  let read = 0
  let sent = 0
  let failed = 0
  let running = false

  let pending: OutgoingRecord[] = []
  let inFlight: Promise<void> = Promise.resolve()

  async function sendWithRetry(batch: OutgoingRecord[]): Promise<void> {
    let delay = retryBackoffMs
    for (;;) {
      try {
        await producer.send(topic, batch)
        sent += batch.length
        return
      } catch (caught) {
        const error = toTopicstreamError(caught, 'ERR_KAFKA_PRODUCE_FAILED')
        const willRetry = error.canRetry && !stopping.signal.aborted
        options.onSendError?.(error, batch.length, willRetry)
        if (!willRetry) {
          failed += batch.length
          return
        }
        await sleep(delay, undefined, { signal: stopping.signal }).catch(() => {})
        delay = Math.min(delay * 2, 30_000)
      }
    }
  }

  /** Starts sending what is pending once the previous batch is done. */
  async function flush(): Promise<void> {
    await inFlight
    if (pending.length === 0) return
    const batch = pending
    pending = []
    inFlight = sendWithRetry(batch)
  }

  function take(item: SourceItem): void {
    read++
    if ('rejected' in item) {
      failed++
      options.onRejected?.(item.rejected)
      return
    }
    pending.push(tweetToRecord(item))
  }

  async function run(): Promise<ProducerStats> {
    if (running) throw new TopicstreamError('ERR_INTERNAL', 'The producer worker is already running')
    running = true
    const pacer = createPacer(options.rate)
    const iterator = source.read(stopping.signal)[Symbol.asyncIterator]()
    try {
      for (;;) {
        const next = iterator.next()
        let result: IteratorResult<SourceItem>
        if (pending.length === 0) {
          result = await next
        } else {
          // A slow source (stdin, the X stream) must not hold a partial batch back.
          const timer = new AbortController()
          const winner = await Promise.race([
            next,
            sleep(lingerMs, LINGER, { signal: timer.signal }).catch(() => undefined),
          ])
          timer.abort()
          if (winner === LINGER) {
            await flush()
            result = await next
          } else {
            result = winner as IteratorResult<SourceItem>
          }
        }
        if (result.done) break
        const wait = pacer.reserve()
        // Timers are not finer than a millisecond; shorter waits are carried by the schedule.
        if (wait >= 1) {
          await flush()
          await sleep(wait, undefined, { signal: stopping.signal }).catch(() => {})
        }
        take(result.value)
        if (stopping.signal.aborted) break
        if (pending.length >= maxBatchSize) await flush()
      }
    } finally {
      await iterator.return?.()
      await flush()
      await inFlight
      running = false
    }
    return stats()
  }

  function stats(): ProducerStats {
    return { read, sent, failed }
  }

  return {
    run,
    stop: () => stopping.abort(),
    stats,
  }
}
